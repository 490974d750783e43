"""The raiser's decisions: the outcome of a stage, closing a CAFCASS referral, and taking back,
re-delegating or reopening a delegated task."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from escalations import rules, selectors, services
from escalations.forms.concern import copy_list_people
from escalations.forms.outcome import (
    OutcomeForm,
    PassOnForm,
    ReactivateForm,
    RedelegateForm,
    ReferralCloseForm,
    RetractForm,
    TakeBackForm,
    long_date,
)
from escalations.models import Concern, ConcernState, Outcome, Stage, Task, TaskState
from escalations.views.tasks import due_context, label_retractions
from prp.forms import posted
from prp.pages import Done, form_page

OUTCOME_MESSAGES = {
    Outcome.RESOLVED: "Concern resolved",
    Outcome.REFER_CAFCASS: "Referred to CAFCASS",
    Outcome.WITHDRAWN: "Concern withdrawn",
}


def _message_page(request, concern: Concern, heading: str, body: str, link=None):
    """A plain page saying why the action is not possible now, instead of a form."""
    context = {"concern": concern, "heading": heading, "body": body, "link": link}
    return render(request, "escalations/outcome_message.html", context)


def _detail_url(concern: Concern) -> str:
    return reverse("escalations:concern_detail", args=[concern.pk])


def _stage_of(concern: Concern, stage_pk: int | None) -> Stage | None:
    """A stage from the ones concern_get prefetched (with their tasks)."""
    return next((stage for stage in concern.stages.all() if stage.pk == stage_pk), None)


# The outcome of the current stage --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def outcome_record(request, pk: int):
    concern = selectors.concern_get(request.user, pk)
    stage = _stage_of(concern, concern.current_stage_id)
    if not rules.may_manage(request.user, concern, stage):
        raise PermissionDenied("Only the raiser can record the outcome.")
    if stage is None or not concern.is_open or not stage.is_open:
        return _not_open(request, concern)
    form = OutcomeForm(
        posted(request),
        concern=concern,
        stage=stage,
        **_escalation_choices(request.user, concern, stage),
    )
    return form_page(
        request,
        form,
        "escalations/outcome_record.html",
        lambda: _outcome_context(concern, stage),
        service=services.stage_record_outcome,
        arguments=lambda _: {"concern": concern, "by": request.user, **form.service_kwargs()},
        done=lambda _: Done(_detail_url(concern), _outcome_message(concern, form)),
    )


def _outcome_context(concern: Concern, stage: Stage) -> dict:
    tasks = list(stage.tasks.all())
    label_retractions(tasks)
    return {"concern": concern, "stage": stage, "stage_tasks": tasks, **due_context()}


def _outcome_message(concern: Concern, form: OutcomeForm) -> str:
    outcome = form.cleaned_data["outcome"]
    return OUTCOME_MESSAGES.get(outcome) or _escalation_message(concern.pk)


def _escalation_choices(user, concern: Concern, stage: Stage) -> dict:
    """The later stages, who each would go to by default, and which this person may raise.

    Bounded by the length of the ladder, not by the data."""
    later = list(
        concern.protocol.stages.filter(level__gt=stage.level)
        .prefetch_related("raised_by")
        .order_by("level")
    )
    child = rules.primary_child(concern)
    return {
        "later_stages": later,
        "defaults": {
            ps.pk: rules.route_for_child(concern, ps, child).assignee
            for ps in later
            if not ps.external_body
        },
        "raisable": {ps.pk for ps in later if rules.may_raise_at(user, ps)},
        "bypass": {ps.pk for ps in later if rules.raises_by_bypass(user, ps)},
        "copy_people": copy_list_people() if later else [],
    }


def _not_open(request, concern: Concern):
    if concern.state == ConcernState.REFERRED:
        link = (reverse("escalations:referral_close", args=[concern.pk]), "Close the referral")
        body = "This concern has been referred to CAFCASS. When CAFCASS has finished, close it."
        return _message_page(request, concern, "The concern is with CAFCASS", body, link)
    if concern.is_draft:
        body = "Raise the concern first. An outcome is recorded for each stage it reaches."
        return _message_page(request, concern, "This concern has not been raised", body)
    body = f"This concern was {concern.get_state_display().lower()}. Nothing more can be recorded."
    return _message_page(request, concern, "This concern is closed", body)


def _escalation_message(concern_pk: int) -> str:
    """Where the concern went: read back after the change, so the banner says what happened."""
    concern = Concern.objects.select_related("current_stage__protocol_stage").get(pk=concern_pk)
    stage = concern.current_stage
    task = stage.tasks.filter(state=TaskState.ACTIVE).select_related("assignee").first()
    text = f"Escalated to {stage.protocol_stage.label}"
    if task is not None:
        text += f" and delegated to {task.assignee}"
    if stage.due_on:
        text += f". Response due {long_date(stage.due_on)}"
    return text


@require_http_methods(["GET", "POST"])
def referral_close(request, pk: int):
    concern = selectors.concern_get(request.user, pk)
    if not rules.may_manage(request.user, concern):
        raise PermissionDenied("Only the raiser can close the referral.")
    if concern.state != ConcernState.REFERRED:
        body = "Only a concern that has been referred to CAFCASS can be closed here."
        return _message_page(request, concern, "This concern is not with CAFCASS", body)
    form = ReferralCloseForm(posted(request), concern=concern)
    return form_page(
        request,
        form,
        "escalations/outcome_referral_close.html",
        {"concern": concern},
        service=services.concern_close_referral,
        arguments=lambda data: {
            "concern": concern,
            "by": request.user,
            "lock_version": data["lock_version"],
            "outcome": data["outcome"],
            "comments": data["comments"],
        },
        done=lambda _: Done(_detail_url(concern), _referral_closed(form.cleaned_data["outcome"])),
    )


def _referral_closed(outcome) -> str:
    ended = "resolved" if outcome == Outcome.RESOLVED else "withdrawn"
    return f"Referral closed: concern {ended}"


# Delegated tasks -------------------------------------------------------------------------------


def _managed_task(request, pk: int) -> Task:
    task = selectors.task_get(request.user, pk)
    if not rules.may_manage(request.user, task.stage.concern, task.stage):
        raise PermissionDenied("Only the raiser can change who a task is with.")
    return task


@require_http_methods(["GET", "POST"])
def task_retract(request, pk: int):
    task = _managed_task(request, pk)
    concern = task.stage.concern
    if task.state != TaskState.ACTIVE:
        body = f"{task.assignee} is no longer working on this task, so it cannot be taken back."
        return _message_page(request, concern, "This task is not waiting for a response", body)
    form = RetractForm(posted(request), task=task)
    return form_page(
        request,
        form,
        "escalations/task_retract.html",
        {"task": task, "concern": concern, **due_context()},
        service=services.task_retract,
        arguments=lambda data: {
            "task": task,
            "by": request.user,
            "lock_version": data["lock_version"],
            "reason": data["reason"],
            "note": data["note"],
        },
        done=lambda _: Done(
            _detail_url(concern),
            f"Task taken back from {task.assignee}. Their draft has been kept.",
        ),
    )


@require_http_methods(["GET", "POST"])
def stage_redelegate(request, pk: int, stage_pk: int):
    concern = selectors.concern_get(request.user, pk)
    stage = _stage_of(concern, stage_pk)
    if stage is None:
        raise Http404("No stage found")
    if not rules.may_manage(request.user, concern, stage):
        raise PermissionDenied("Only the raiser can re-delegate.")
    tasks = list(stage.tasks.all())
    live = next((task for task in tasks if task.state == TaskState.ACTIVE), None)
    answered = next((task for task in tasks if task.state == TaskState.RESPONDED), None)
    if cannot_move := _cannot_move(request, concern, stage, answered):
        return cannot_move
    suggested = rules.default_assignee(concern, stage.protocol_stage)
    if live is not None and suggested is not None and suggested.pk == live.assignee_id:
        suggested = None
    form = RedelegateForm(posted(request), concern=concern, stage=stage, suggested=suggested)
    return form_page(
        request,
        form,
        "escalations/task_redelegate.html",
        {"concern": concern, "stage": stage, "live_task": live},
        service=services.task_redelegate,
        arguments=lambda _: {"stage": stage, "by": request.user, **form.service_kwargs()},
        done=lambda new_task: Done(
            _detail_url(concern),
            f"Task re-delegated to {new_task.assignee}. Response due {long_date(new_task.due_on)}",
        ),
    )


def _cannot_move(request, concern: Concern, stage: Stage, answered: Task | None):
    """The page saying why the stage's task cannot move, or None if it can."""
    if not stage.is_open or not concern.is_open:
        body = "This stage already has an outcome, so its task cannot move."
        return _message_page(request, concern, "This stage is finished", body)
    if answered is not None:
        link = (reverse("escalations:task_reactivate", args=[answered.pk]), "Reopen the response")
        body = f"{answered.assignee} has responded. Reopen the response instead of moving it."
        return _message_page(request, concern, "This task has a response", body, link)
    return None


@require_http_methods(["GET", "POST"])
def task_reactivate(request, pk: int):
    task = _managed_task(request, pk)
    concern = task.stage.concern
    if task.state != TaskState.RESPONDED or not task.stage.is_open:
        body = "Only a response to a stage that is still open can be reopened."
        return _message_page(request, concern, "This response cannot be reopened", body)
    form = ReactivateForm(posted(request), task=task)
    return form_page(
        request,
        form,
        "escalations/task_reactivate.html",
        {"task": task, "concern": concern},
        service=services.task_reactivate,
        arguments=lambda data: {
            "task": task,
            "by": request.user,
            "lock_version": data["lock_version"],
            "due_on": data["due_on"],
            "due_reason": data.get("due_reason") or "",
        },
        done=lambda _: Done(
            _detail_url(concern),
            f"Response reopened for {task.assignee}. "
            f"It is now due {long_date(form.cleaned_data['due_on'])}",
        ),
    )


@require_http_methods(["GET", "POST"])
def task_pass_on(request, pk: int):
    """The assignee of a stage that allows it passes the task on and stays accountable."""
    task = selectors.task_get(request.user, pk)
    concern = task.stage.concern
    if task.assignee_id != request.user.pk:
        raise PermissionDenied("Only the person this is delegated to can pass it on.")
    if not rules.may_pass_on(request.user, task):
        body = f"{task.stage.protocol_stage.label} cannot be passed to someone else now."
        return _message_page(request, concern, "This task cannot be passed on", body)
    roles = rules.pass_on_roles(task.stage.protocol_stage)
    form = PassOnForm(posted(request), task=task, roles=roles)
    return form_page(
        request,
        form,
        "escalations/task_pass_on.html",
        {"task": task, "concern": concern},
        service=services.task_pass_on,
        arguments=lambda data: {
            "task": task,
            "by": request.user,
            "lock_version": data["lock_version"],
            "assignee": data["assignee"],
            "note": data["note"],
        },
        done=lambda passed: Done(
            _detail_url(concern), f"Task passed to {passed.assignee}. You stay accountable for it"
        ),
    )


@require_http_methods(["GET", "POST"])
def task_take_back(request, pk: int):
    """The accountable manager takes back a task they passed on."""
    task = selectors.task_get(request.user, pk)
    concern = task.stage.concern
    if task.stage.accountable_owner_id != request.user.pk:
        raise PermissionDenied("Only the accountable manager can take the task back.")
    if not rules.may_take_back(request.user, task):
        body = f"{task.assignee} is no longer working on this task, so it cannot be taken back."
        return _message_page(request, concern, "This task is not waiting for a response", body)
    form = TakeBackForm(posted(request), task=task)
    return form_page(
        request,
        form,
        "escalations/task_take_back.html",
        {"task": task, "concern": concern},
        service=services.task_take_back,
        arguments=lambda data: {
            "task": task,
            "by": request.user,
            "lock_version": data["lock_version"],
        },
        done=lambda mine: Done(
            reverse("escalations:task_detail", args=[mine.pk]),
            f"Task taken back from {task.assignee}. It is yours again",
        ),
    )
