"""A child's reviews and quality assurance: the schedule, reviews held and the tasks after them,
key dates, significant changes and QAPRs; and the reviews due across a caseload."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cases import downloads
from prp import audit, workdays
from prp.exports import wanted_format
from prp.forms import posted
from prp.models import RoleCode
from prp.pages import Done, form_page
from qapr import permissions as qapr_permissions
from qapr import selectors as qapr_selectors

from . import permissions, schedule, selectors, services
from .models import Child, ReviewStep, SignificantChange
from .review_forms import (
    ChangeDecideForm,
    ChangeForm,
    KeyDateForm,
    PlannedStepCompleteForm,
    ReviewerAllocateForm,
    ReviewForm,
    StepCompleteForm,
    review_kinds_for,
)

PAGE_SIZE = 25
# The short lists on the reviews due page show this many, with a note when there are more.
SHORT_LIST = 25
HISTORY_LENGTH = 20
CASELOAD_ROLES = (RoleCode.IRO, RoleCode.CP_CHAIR, RoleCode.SOCIAL_WORKER)

WINDOW_TAGS = {
    "done": ("Done", "govuk-tag--green"),
    "missed": ("Missed", "govuk-tag--red"),
    "overdue": ("Overdue", "govuk-tag--red"),
    "due": ("Due", "govuk-tag--blue"),
}
YEAR_TAGS = {
    "met": ("Met", "govuk-tag--green"),
    "not met": ("Not met", "govuk-tag--red"),
    "in progress": ("In progress", "govuk-tag--blue"),
}


def _reviews_url(child_pk: int) -> str:
    return reverse("cases:child_reviews", args=[child_pk])


# The child's reviews page ------------------------------------------------------------------


def _next_review(plan: schedule.Schedule, today) -> dict | None:
    if plan.next_due is None:
        return None
    due = plan.next_due
    return {
        "on": due.on,
        "reason": due.reason,
        "overdue": due.on < today,
        "working_days": workdays.working_days_between(today, due.on),
    }


def _mark_planned(user, planned, today) -> None:
    for step in planned.steps.all():
        step.overdue = step.is_overdue_on(today)
        step.beyond_latest = step.is_beyond_latest_on(today)
        step.may_complete = permissions.may_complete_planned_step(user, step)


def _mark_steps_and_changes(user, child: Child, today) -> None:
    """What this person may do with each task and change, for the template; the next review's
    preparation (child.upcoming) and each held review's (review.preparation)."""
    held = {}
    child.upcoming = None
    for planned in child.planned_reviews.all():
        _mark_planned(user, planned, today)
        if planned.is_open:
            child.upcoming = planned
        elif planned.held_review_id:
            held[planned.held_review_id] = planned
    for review in child.reviews.all():
        review.preparation = held.get(review.pk)
        for step in review.steps.all():
            step.overdue = step.is_overdue_on(today)
            step.may_complete = permissions.may_complete_step(user, step)
    for change in child.significant_changes.all():
        change.may_decide = permissions.may_decide_change(user, change)


def _compliance_rows(compliance, today) -> tuple[list, list]:
    windows = [{"window": w, "tag": WINDOW_TAGS[w.status(today)]} for w in compliance.windows]
    years = [{"year": y, "tag": YEAR_TAGS[y.status(today)]} for y in compliance.years]
    return windows, years


@require_GET
def child_reviews(request, pk: int):
    user = request.user
    child = selectors.child_reviews_load(selectors.child_get(user, pk))
    audit.record_view(request, child)
    today = timezone.localdate()
    rules = schedule.load_rules()
    plan = services.child_schedule(child, rules=rules, today=today)
    compliance = services.child_compliance(child, plan, rules=rules, today=today)
    windows, years = _compliance_rows(compliance, today)
    _mark_steps_and_changes(user, child, today)
    history = list(selectors.child_history(child, limit=HISTORY_LENGTH))
    context = {
        "child": child,
        "today": today,
        "plan": plan,
        "next_review": _next_review(plan, today),
        "compliance": compliance,
        "windows": windows,
        "years": years,
        "qaprs": qapr_selectors.qaprs_for_child(user, child),
        "qapr_summary": {
            "done": compliance.windows_done(),
            "due": compliance.windows_due(today),
            "compliant": compliance.is_compliant(today),
        },
        "history": history,
        "history_cut": len(history) == HISTORY_LENGTH,
        "may_record_review": permissions.may_record_review(user, child)
        and bool(review_kinds_for(child)),
        "may_record_key_date": permissions.may_record_key_date(user, child),
        "may_record_change": permissions.may_record_change(user, child),
        "may_start_qapr": compliance.applies and qapr_permissions.may_author(user, child),
    }
    return render(request, "cases/child_reviews.html", context)


# Recording a review, a key date or a significant change ---------------------------------------


@require_http_methods(["GET", "POST"])
def review_new(request, pk: int):
    child = selectors.child_get(request.user, pk)
    if not permissions.may_record_review(request.user, child):
        raise PermissionDenied("You cannot record reviews for this child.")
    if not review_kinds_for(child):
        return render(request, "cases/review_not_applicable.html", {"child": child})
    form = ReviewForm(posted(request), child=child)
    return form_page(
        request,
        form,
        "cases/review_new.html",
        {"child": child},
        service=services.review_record,
        arguments=lambda data: {
            "child": child,
            "by": request.user,
            "kind": data["kind"],
            "held_on": data["held_on"],
            "early": data["early"],
            "notes": data["notes"],
        },
        done=lambda review: Done(_reviews_url(child.pk), _review_recorded(review, child)),
    )


def _review_recorded(review, child: Child) -> str:
    child.refresh_from_db(fields=["review_due_on"])
    text = f"{review} recorded"
    if child.review_due_on:
        text += f". The next review is due by {schedule.long_date(child.review_due_on)}"
    return text


@require_http_methods(["GET", "POST"])
def key_date_new(request, pk: int):
    child = selectors.child_get(request.user, pk)
    if not permissions.may_record_key_date(request.user, child):
        raise PermissionDenied("You cannot record dates for this child.")
    form = KeyDateForm(posted(request), child=child)
    return form_page(
        request,
        form,
        "cases/key_date_new.html",
        {"child": child},
        service=services.key_date_record,
        arguments=lambda data: {
            "child": child,
            "by": request.user,
            "kind": data["kind"],
            "on": data["on"],
            "note": data["note"],
        },
        done=lambda key_date: Done(_reviews_url(child.pk), f"{key_date} recorded"),
    )


def _who_was_told(change: SignificantChange) -> str:
    reviewer, child = change.reviewer, change.child
    names = ", ".join(str(person) for person in reviewer.people)
    if not reviewer.is_fallback:
        return f"{names} has been told"
    missing = f"{child.first_name} has no {child.reviewing_officer_title} allocated"
    if not names:
        return f"{missing} and no {reviewer.title} could be told: tell them yourself"
    return f"{missing}, so the {reviewer.title} ({names}) has been told"


@require_http_methods(["GET", "POST"])
def change_new(request, pk: int):
    child = selectors.child_get(request.user, pk)
    if not permissions.may_record_change(request.user, child):
        raise PermissionDenied("You cannot record changes for this child.")
    form = ChangeForm(posted(request), child=child)
    return form_page(
        request,
        form,
        "cases/change_new.html",
        {"child": child},
        service=services.significant_change_record,
        arguments=lambda data: {
            "child": child,
            "by": request.user,
            "kind": data["kind"],
            "occurred_on": data["occurred_on"],
            "details": data["details"],
        },
        done=lambda change: Done(
            _reviews_url(child.pk), f"Significant change recorded. {_who_was_told(change)}"
        ),
    )


# Completing a task and deciding on a change ---------------------------------------------------


@require_http_methods(["GET", "POST"])
def step_complete(request, pk: int):
    step = selectors.review_step_get(request.user, pk)
    review, child = step.review, step.review.child
    context = {"step": step, "review": review, "child": child}
    if step.is_done and request.method == "GET":
        return render(request, "cases/step_done.html", context)
    # A form sent after someone else did the task goes on to be refused as stale, with the
    # reason on the page; the service checks who may do it.
    if not step.is_done and not permissions.may_complete_step(request.user, step):
        raise PermissionDenied("You cannot complete this task.")
    form = StepCompleteForm(posted(request), step=step)
    return form_page(
        request,
        form,
        "cases/step_complete.html",
        context,
        service=services.review_step_complete,
        arguments=lambda _: {"step": step, "by": request.user, **form.service_kwargs()},
        done=lambda done: Done(_reviews_url(child.pk), _step_completed(done)),
    )


def _step_completed(step: ReviewStep) -> str:
    if step.kind == ReviewStep.Kind.DECISIONS_CONSIDERED:
        return f"Your answer is recorded: {step.get_outcome_display().lower()}"
    return f"{step.get_kind_display()}: marked as done"


@require_http_methods(["GET", "POST"])
def planned_step_complete(request, pk: int):
    """Mark a task before a review as done (seed 004: invitations, consulting the child, the
    social worker's report, the IRO's visit and its note)."""
    step = selectors.planned_step_get(request.user, pk)
    planned, child = step.planned, step.planned.child
    today = timezone.localdate()
    context = {
        "step": step,
        "planned": planned,
        "child": child,
        "overdue": step.is_overdue_on(today),
        "beyond_latest": step.is_beyond_latest_on(today),
    }
    if step.is_done and request.method == "GET":
        return render(request, "cases/planned_step_done.html", context)
    if not step.is_done and not permissions.may_complete_planned_step(request.user, step):
        raise PermissionDenied("You cannot complete this task.")
    form = PlannedStepCompleteForm(posted(request), step=step)
    return form_page(
        request,
        form,
        "cases/planned_step_complete.html",
        context,
        service=services.planned_step_complete,
        arguments=lambda _: {"step": step, "by": request.user, **form.service_kwargs()},
        done=lambda done: Done(
            _reviews_url(child.pk), f"{done.get_kind_display()}: marked as done"
        ),
    )


@require_http_methods(["GET", "POST"])
def change_decide(request, pk: int):
    change = selectors.significant_change_get(request.user, pk)
    context = {
        "change": change,
        "child": change.child,
        "may_allocate": permissions.may_allocate_reviewer(request.user),
    }
    if change.is_decided and request.method == "GET":
        return render(request, "cases/change_decided.html", context)
    # A form sent after someone else decided goes on to be refused as stale, with the reason
    # on the page; the service checks who may decide.
    if not change.is_decided and not permissions.may_decide_change(request.user, change):
        raise PermissionDenied("You cannot decide on this change.")
    form = ChangeDecideForm(posted(request), change=change)
    return form_page(
        request,
        form,
        "cases/change_decide.html",
        context,
        service=services.significant_change_decide,
        arguments=lambda _: {"change": change, "by": request.user, **form.service_kwargs()},
        done=lambda decided: Done(_reviews_url(change.child_id), _decision_recorded(decided)),
    )


def _decision_recorded(change: SignificantChange) -> str:
    if change.decision == SignificantChange.Decision.EARLY_REVIEW:
        when = schedule.long_date(change.early_review_by)
        return f"Decision recorded: an early review is needed by {when}"
    return "Decision recorded: no early review is needed"


@require_http_methods(["GET", "POST"])
def reviewer_allocate(request, pk: int):
    """The reviewing service manager allocates an IRO or CP Chair to a child with none."""
    child = selectors.child_get(request.user, pk)
    if not permissions.may_allocate_reviewer(request.user):
        raise PermissionDenied("You cannot allocate a reviewing officer.")
    form = ReviewerAllocateForm(posted(request), child=child)
    return form_page(
        request,
        form,
        "cases/reviewer_allocate.html",
        {"child": child},
        service=services.child_reviewer_allocate,
        arguments=lambda data: {"child": child, "by": request.user, "officer": data["officer"]},
        done=lambda _: Done(
            _reviews_url(child.pk),
            f"{form.cleaned_data['officer']} is now {child.first_name}'s "
            f"{child.reviewing_officer_title}",
        ),
    )


# Reviews due across a caseload -----------------------------------------------------------------


def _short(queryset) -> tuple[list, bool]:
    """The first SHORT_LIST rows, and whether there are more (one query)."""
    rows = list(queryset[: SHORT_LIST + 1])
    return rows[:SHORT_LIST], len(rows) > SHORT_LIST


@require_GET
def reviews_due(request):
    user = request.user
    default = "mine" if user.has_role(*CASELOAD_ROLES) else "team"
    show = request.GET.get("show") if request.GET.get("show") in ("mine", "team") else default
    children = selectors.reviews_due(user, team=show == "team")
    if fmt := wanted_format(request):
        return downloads.reviews_due(request, children, fmt=fmt)
    paginator = Paginator(children, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    tasks, more_tasks = _short(selectors.review_tasks_for(user))
    before, more_before = _short(selectors.planned_tasks_for(user))
    changes, more_changes = _short(selectors.changes_awaiting_decision(user))
    context = {
        "show": show,
        "page": page,
        "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": f"show={show}",
        "today": timezone.localdate(),
        "tasks": tasks,
        "more_tasks": more_tasks,
        "before_tasks": before,
        "more_before_tasks": more_before,
        "changes": changes,
        "more_changes": more_changes,
    }
    return render(request, "cases/reviews_due.html", context)
