"""Raising a concern: the draft built section by section, the concern's page, and raising it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cases import selectors as case_selectors
from escalations import related, rules, safeguarding, selectors, services
from escalations.forms.concern import (
    ActionEditForm,
    ActionForm,
    ActionRemoveForm,
    AttachmentForm,
    ConcernDetailsForm,
    ConfirmForm,
    DiscussionForm,
    RaiseForm,
    SafeguardingContactForm,
    SubConcernForm,
    contact_people,
    copy_list_people,
    operational_people,
    people_involved,
)
from escalations.forms.people import person_label
from escalations.models import Concern, ConcernState, TaskState
from prp import audit
from prp.forms import call_service, posted
from prp.pages import Done, form_page
from prp.security import kept

STATE_TAGS = {
    ConcernState.DRAFT: "govuk-tag--grey",
    ConcernState.INFORMAL: "govuk-tag--blue",
    ConcernState.FORMAL: "govuk-tag--blue",
    ConcernState.RESOLVED: "govuk-tag--green",
    ConcernState.REFERRED: "govuk-tag--purple",
    ConcernState.WITHDRAWN: "govuk-tag--grey",
}
TASK_TAGS = {
    TaskState.ACTIVE: "govuk-tag--blue",
    TaskState.RESPONDED: "govuk-tag--green",
    TaskState.RETRACTED: "govuk-tag--grey",
}


def _detail_url(concern: Concern) -> str:
    return reverse("escalations:concern_detail", args=[concern.pk])


def _children(concern: Concern) -> list:
    return [link.child for link in concern.concern_children.all()]


def _require_edit(user, concern: Concern) -> None:
    if not rules.may_edit(user, concern):
        raise rules.refuse(concern, "Only the person who raised the concern can change it.")


def _require_edit_or_assignee(user, concern: Concern) -> None:
    if not (rules.may_edit(user, concern) or rules.is_current_assignee(user, concern)):
        raise rules.refuse(concern, "Only the raiser or the manager responding can add to this.")


def _draft_for_raiser(request, pk: int) -> Concern:
    """The raiser's own draft; anyone else who can see the concern is refused."""
    concern = selectors.concern_get(request.user, pk)
    _require_edit(request.user, concern)
    return concern


# Starting and editing the draft ---------------------------------------------------------------


def _child_from_query(request):
    """The child named in ?child=: 404 if it is missing, not a number, or not one this person
    may see."""
    try:
        child_pk = int(request.GET.get("child", ""))
    except ValueError:
        raise Http404("No child found") from None
    return case_selectors.child_get(request.user, child_pk)


@require_http_methods(["GET", "POST"])
def concern_start(request):
    child = _child_from_query(request)
    if not rules.may_start_concern(request.user):
        raise PermissionDenied("You cannot raise concerns.")
    form = ConcernDetailsForm(
        posted(request),
        candidates=[child, *case_selectors.sibling_list(request.user, child)],
        stages=rules.raisable_stages(request.user, rules.active_protocol()),
        primary=child,
        initial={"children": [child.pk]},
    )
    return form_page(
        request,
        form,
        "escalations/concern_start.html",
        {"child": child},
        service=services.concern_create_draft,
        arguments=lambda data: {
            "raised_by": request.user,
            "children": data["children"],
            "title": data["title"],
            "start_level": data["start_level"],
            "date_of_concern": data.get("date_of_concern"),
        },
        done=lambda concern: Done(
            _detail_url(concern), "Draft started. Add the concerns, then raise it."
        ),
    )


@require_http_methods(["GET", "POST"])
def concern_edit(request, pk: int):
    concern = _draft_for_raiser(request, pk)
    if not concern.is_draft:
        return redirect(_detail_url(concern))
    form = _details_form(request, concern)
    return form_page(
        request,
        form,
        "escalations/concern_edit.html",
        {"concern": concern},
        service=services.concern_update_draft,
        arguments=lambda data: {
            "concern": concern,
            "by": request.user,
            "lock_version": data["lock_version"],
            "title": data["title"],
            "children": data["children"],
            "start_level": data["start_level"],
            "date_of_concern": data.get("date_of_concern"),
        },
        done=lambda _: Done(_detail_url(concern), "Children and stage saved."),
    )


def _details_form(request, concern: Concern) -> ConcernDetailsForm:
    """The draft's children and stage: its children first, then the primary child's siblings."""
    children = _children(concern)
    primary = children[0] if children else None
    siblings = case_selectors.sibling_list(request.user, primary) if primary else []
    candidates = children + [sibling for sibling in siblings if sibling not in children]
    return ConcernDetailsForm(
        posted(request),
        candidates=candidates,
        stages=rules.raisable_stages(request.user, concern.protocol),
        primary=primary,
        lock_version=concern.lock_version,
        initial={
            "children": [child.pk for child in children],
            "title": concern.title,
            "start_level": concern.start_level,
            "date_of_concern": concern.date_of_concern,
        },
    )


# The concern's page ---------------------------------------------------------------------------


@require_http_methods(["GET"])
def concern_detail(request, pk: int):
    concern = selectors.concern_get(request.user, pk)
    audit.record_view(request, concern)
    if concern.is_draft:
        return render(request, "escalations/concern_draft.html", _draft_context(concern))
    return render(request, "escalations/concern_detail.html", _detail_context(request, concern))


@require_http_methods(["GET"])
def concern_audit(request, pk: int):
    """Who has viewed or changed the concern: 404 for anyone who cannot see it, 403 for those
    who can but may not see the trail of every child it is about."""
    concern = selectors.concern_get(request.user, pk)
    if not audit.may_see_audit(request.user, _children(concern)):
        raise PermissionDenied("You cannot see who has viewed this record.")
    audit.record_view(request, concern)
    context = {
        "subject": f"{concern.reference}: {concern.title}",
        "back_url": _detail_url(concern),
        "back_text": f"Back to {concern.reference}",
        "scope": "the concern, its stages, tasks, actions, discussions and files",
        **audit.page_context(request, selectors.concern_audit_entries(concern)),
    }
    return render(request, "prp/record_audit.html", context)


def _actions(user, concern: Concern) -> list:
    """The concern's actions, each marked with whether this person may change or remove it."""
    actions = list(concern.actions.all())
    for action in actions:
        action.may_change = rules.may_change_action(user, concern, action)
    return actions


def _draft_context(concern: Concern) -> dict:
    children = _children(concern)
    return {
        "concern": concern,
        "children": children,
        "primary": children[0] if children else None,
        "start_stage": next(
            (s for s in concern.protocol.stages.all() if s.level == concern.start_level), None
        ),
        "sub_concerns": list(concern.sub_concerns.all()),
        "write_up_due": rules.write_up_due(concern),
        "today": rules.today(),
        "discussions": list(concern.discussions.all()),
        "actions": _actions(concern.raised_by, concern),
        "attachments": _attachments(concern.raised_by, concern, may_add=True),
        # Only the raiser sees a draft, and may change every part of it.
        "manages": True,
        "may_add": True,
    }


def _detail_context(request, concern: Concern) -> dict:
    user = request.user
    stages = list(concern.stages.all())
    current = next((s for s in stages if s.pk == concern.current_stage_id), None)
    live_task = None
    if current is not None:
        live_task = next((t for t in current.tasks.all() if t.state != TaskState.RETRACTED), None)
    flags = rules.concern_flags(user, concern, current)
    _mark_stages(user, stages, current, live_task, flags)
    formal_days = rules.formal_working_days(stages)
    actions = _actions(user, concern)
    return {
        "concern": concern,
        "related": related.related_to(user, concern.pk),
        "actions": actions,
        "open_actions": sum(1 for a in actions if a.done_on is None),
        "attachments": _attachments(user, concern, may_add=flags.may_add),
        "children": _children(concern),
        "state_tag": STATE_TAGS.get(concern.state, "govuk-tag--grey"),
        "task_tags": TASK_TAGS,
        "retract_reasons": services.TASK_END_REASONS,
        "stages": stages,
        "current": current,
        "live_task": live_task,
        "due": _due_status(current, live_task),
        "formal_days": formal_days,
        "formal_limit": concern.protocol.formal_limit_days,
        "formal_exceeded": formal_days > concern.protocol.formal_limit_days,
        **asdict(flags),
        "respond_tasks": [t for s in stages for t in s.tasks.all() if rules.may_respond(user, t)],
        "may_see_audit": audit.may_see_audit(user, _children(concern)),
        # Seed 004 stage 4: unresolved for a child in care, the IRO (or, with none allocated,
        # the IRO Service Manager) is told to seek advice.
        "cafcass_prompt": {s.pk: told for s in stages if (told := rules.legal_advice_reviewers(s))},
        **_safeguarding_context(user, concern),
    }


def _mark_stages(user, stages: list, current, live_task, flags: rules.ConcernFlags) -> None:
    """What each stage and task offers this person, for the stage cards."""
    for stage in stages:
        manages_stage = flags.manages_current and stage is current
        stage.may_delegate = rules.may_delegate_stage(stage, live_task, manages_stage=manages_stage)
        for task in stage.tasks.all():
            task.flags = rules.stage_task_flags(
                user, task, manages=flags.manages, manages_stage=manages_stage
            )


def _attachments(user, concern: Concern, *, may_add: bool) -> list:
    """The concern's files, each marked with whether to offer removing it."""
    attachments = list(concern.attachments.all())
    for attachment in attachments:
        attachment.may_remove = rules.offers_attachment_removal(
            user, concern, attachment, may_add=may_add
        )
    return attachments


def _safeguarding_context(user, concern: Concern) -> dict:
    contact = getattr(concern, "safeguarding_contact", None)
    if contact is None:
        return {"contact": None}
    return {
        "contact": contact,
        "contact_hours_left": contact.hours_left(),
        "may_record_contact": safeguarding.may_record_contact(user, contact),
    }


def _due_status(stage, task) -> str:
    if stage is None or not stage.is_open:
        return ""
    if task is not None:
        if task.is_overdue:
            return "overdue"
        return "due_soon" if task.is_due_soon else ""
    if stage.due_on is None:
        return ""
    if stage.due_on < rules.today():
        return "overdue"
    return "due_soon" if stage.due_on <= selectors.due_soon_cutoff() else ""


# Sections of the concern ----------------------------------------------------------------------


def _add_page(request, pk, *, form_class, template, service, success, needs, form_kwargs=None):
    """The shared shape of the add-something pages: check, form, one service call, redirect."""
    concern = selectors.concern_get(request.user, pk)
    needs(request.user, concern)
    form_kwargs = form_kwargs(concern) if form_kwargs else {}
    form = form_class(posted(request), **form_kwargs)
    return form_page(
        request,
        form,
        template,
        {"concern": concern},
        service=service,
        arguments=lambda data: {"concern": concern, "by": request.user, **data},
        done=lambda _: Done(_detail_url(concern), success),
    )


@require_http_methods(["GET", "POST"])
def sub_concern_add(request, pk: int):
    return _add_page(
        request,
        pk,
        form_class=SubConcernForm,
        template="escalations/concern_sub_concern_add.html",
        service=services.sub_concern_add,
        success="Concern added.",
        needs=_require_edit,
        form_kwargs=lambda concern: {"categories": concern.protocol.categories.all()},
    )


@require_http_methods(["GET", "POST"])
def sub_concern_remove(request, pk: int, sub_pk: int):
    concern = selectors.concern_get(request.user, pk)
    _require_edit(request.user, concern)
    sub = next((s for s in concern.sub_concerns.all() if s.pk == sub_pk), None)
    if sub is None:
        raise Http404("No concern found")
    form = ConfirmForm(
        posted(request), lock_version=concern.lock_version, label="Yes, remove it", warning=True
    )
    return form_page(
        request,
        form,
        "escalations/concern_sub_concern_remove.html",
        {"concern": concern, "sub": sub},
        service=services.sub_concern_remove,
        arguments=lambda data: {
            "sub_concern": sub,
            "by": request.user,
            "lock_version": data["lock_version"],
        },
        done=lambda _: Done(_detail_url(concern), f"Concern under {sub.category.name} removed."),
    )


@require_http_methods(["GET", "POST"])
def discussion_add(request, pk: int):
    return _add_page(
        request,
        pk,
        form_class=DiscussionForm,
        template="escalations/concern_discussion_add.html",
        service=services.discussion_add,
        success="Discussion recorded.",
        needs=_require_edit,
    )


@require_http_methods(["GET", "POST"])
def action_add(request, pk: int):
    return _add_page(
        request,
        pk,
        form_class=ActionForm,
        template="escalations/concern_action_add.html",
        service=services.action_add,
        success="Action added.",
        needs=_require_edit_or_assignee,
        form_kwargs=lambda concern: {"people": people_involved(concern)},
    )


@require_http_methods(["GET", "POST"])
def action_done(request, pk: int, action_pk: int):
    """The concern page's "Mark as done" button posts here; a refusal (a stale button, say)
    shows this page with the reason in the error summary and a button to confirm."""
    concern = selectors.concern_get(request.user, pk)
    action = next((a for a in concern.actions.all() if a.pk == action_pk), None)
    if action is None:
        raise Http404("No action found")
    if action.done_on is not None and request.method == "GET":
        return redirect(_detail_url(concern) + "#actions")
    if not (rules.may_manage(request.user, concern) or request.user.pk == action.owner_id):
        raise PermissionDenied("Only the raiser or the action's owner can mark it done.")
    form = ConfirmForm(posted(request), lock_version=action.lock_version, label="Mark as done")
    return form_page(
        request,
        form,
        "escalations/concern_action_done.html",
        {"concern": concern, "action": action},
        service=services.action_mark_done,
        arguments=lambda data: {
            "action": action,
            "by": request.user,
            "done_on": rules.today(),
            "lock_version": data["lock_version"],
        },
        done=lambda _: Done(
            _detail_url(concern) + "#actions", f"Action marked as done: {action.description}"
        ),
    )


def _changeable_action(request, pk: int, action_pk: int):
    concern = selectors.concern_get(request.user, pk)
    action = next((a for a in concern.actions.all() if a.pk == action_pk), None)
    if action is None:
        raise Http404("No action found")
    if not rules.may_change_action(request.user, concern, action):
        raise PermissionDenied("You cannot change this action.")
    return concern, action


@require_http_methods(["GET", "POST"])
def action_edit(request, pk: int, action_pk: int):
    concern, action = _changeable_action(request, pk, action_pk)
    people = people_involved(concern)
    form = ActionEditForm(posted(request), action=action, people=people)
    return form_page(
        request,
        form,
        "escalations/concern_action_edit.html",
        {"concern": concern, "action": action},
        service=services.action_edit,
        arguments=lambda _: {"action": action, "by": request.user, **form.service_kwargs()},
        done=lambda _: Done(_detail_url(concern) + "#actions", "Action changed."),
    )


@require_http_methods(["GET", "POST"])
def action_remove(request, pk: int, action_pk: int):
    concern, action = _changeable_action(request, pk, action_pk)
    form = ActionRemoveForm(posted(request), action=action)
    return form_page(
        request,
        form,
        "escalations/concern_action_remove.html",
        {"concern": concern, "action": action},
        service=services.action_remove,
        arguments=lambda data: {
            "action": action,
            "by": request.user,
            "lock_version": data["lock_version"],
            "reason": data["reason"],
        },
        done=lambda _: Done(
            _detail_url(concern) + "#actions", f"Action removed: {action.description}"
        ),
    )


@require_http_methods(["GET", "POST"])
def safeguarding_contact(request, pk: int):
    """Record the contact between the service managers for an immediate concern."""
    concern = selectors.concern_get(request.user, pk)
    contact = getattr(concern, "safeguarding_contact", None)
    if contact is None:
        raise Http404("Not an immediate safeguarding concern")
    if contact.is_recorded and request.method == "GET":
        return redirect(_detail_url(concern) + "#safeguarding")
    if not contact.is_recorded and not safeguarding.may_record_contact(request.user, contact):
        raise PermissionDenied("You cannot record this contact.")
    form = SafeguardingContactForm(posted(request), contact=contact, people=contact_people(contact))
    return form_page(
        request,
        form,
        "escalations/concern_safeguarding_contact.html",
        {"concern": concern, "contact": contact},
        service=safeguarding.contact_record,
        arguments=lambda _: {"contact": contact, "by": request.user, **form.service_kwargs()},
        done=lambda _: Done(
            _detail_url(concern) + "#safeguarding",
            "Safeguarding contact recorded. The 24-hour clock has stopped.",
        ),
    )


@require_http_methods(["GET", "POST"])
def attachment_add(request, pk: int):
    concern = selectors.concern_get(request.user, pk)
    _require_edit_or_assignee(request.user, concern)
    form = AttachmentForm(posted(request), request.FILES if request.method == "POST" else None)
    return form_page(
        request,
        form,
        "escalations/concern_attachment_add.html",
        {"concern": concern},
        service=services.attachment_add,
        arguments=lambda data: {"concern": concern, "by": request.user, "upload": data["file"]},
        done=lambda attached: Done(
            _detail_url(concern), f"File attached: {attached.original_name}"
        ),
    )


@require_http_methods(["GET", "POST"])
def attachment_remove(request, pk: int, attachment_pk: int):
    concern = selectors.concern_get(request.user, pk)
    attachment = next((a for a in concern.attachments.all() if a.pk == attachment_pk), None)
    if attachment is None:
        raise Http404("No file found")
    if not rules.may_remove_attachment(request.user, concern, attachment):
        raise PermissionDenied("Only the raiser or the person who attached it can remove it.")
    form = ConfirmForm(
        posted(request), lock_version=concern.lock_version, label="Yes, remove it", warning=True
    )
    return form_page(
        request,
        form,
        "escalations/concern_attachment_remove.html",
        {"concern": concern, "attachment": attachment},
        service=services.attachment_archive,
        arguments=lambda data: {
            "attachment": attachment,
            "by": request.user,
            "lock_version": data["lock_version"],
        },
        done=lambda _: Done(_detail_url(concern), f"File removed: {attachment.original_name}"),
    )


@require_http_methods(["GET"])
def attachment_download(request, pk: int, attachment_pk: int):
    attachment = selectors.attachment_get(request.user, attachment_pk, concern_pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("The file is missing") from None
    audit.record_view(request, attachment)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


# Raising and withdrawing the draft -------------------------------------------------------------


# The answers on "Delegate and raise", kept in the session between the form and the check
# page (and back again through a "Change" link), one draft at a time each.
_ANSWERS = "raise_answers:{}"
_NOT_ANSWERS = {"csrfmiddlewaretoken", "form_owner", "submit"}


def _keep_answers(request, concern: Concern) -> None:
    request.session[_ANSWERS.format(concern.pk)] = {
        name: values for name, values in request.POST.lists() if name not in _NOT_ANSWERS
    }


def _kept_answers(request, concern: Concern) -> QueryDict | None:
    kept = request.session.get(_ANSWERS.format(concern.pk))
    if not kept:
        return None
    data = QueryDict(mutable=True)
    for name, values in kept.items():
        data.setlist(name, values)
    return data


def _forget_answers(request, concern: Concern) -> None:
    request.session.pop(_ANSWERS.format(concern.pk), None)


@dataclass(frozen=True)
class _Raising:
    """What both raise pages need to know about the draft's first stage."""

    stage: object
    route: rules.StageRoute
    default: object
    start: object


def _raising(concern: Concern) -> _Raising:
    stage = get_object_or_404(concern.protocol.stages, level=concern.start_level)
    route = rules.stage_route(concern, stage)
    default = route.assignee if not stage.external_body else None
    # Deadlines count from the date of concern the draft gives, else from today.
    start = concern.date_of_concern or rules.today()
    return _Raising(stage, route, default, start)


def _not_a_draft(request, concern: Concern):
    if request.method == "POST":
        # A second tab's "Raise" after the first raised it: say so, do not land silently.
        messages.info(request, _already_raised_message(concern))
    return redirect(_detail_url(concern))


@require_http_methods(["GET", "POST"])
def concern_raise(request, pk: int):
    """The answers. Valid ones go to the check page; nothing is raised here. Coming back (a
    "Change" link) shows what was typed, on the draft as it is now."""
    concern = _draft_for_raiser(request, pk)
    if not concern.is_draft:
        return _not_a_draft(request, concern)
    raising = _raising(concern)
    if request.method == "POST":
        data = request.POST
    elif (data := _kept_answers(request, concern)) is not None:
        data["lock_version"] = str(concern.lock_version)
    form = _raise_form(request, data, concern, raising)
    if request.method == "POST" and form.is_valid() and _would_raise(request, form, concern):
        _keep_answers(request, concern)
        return redirect("escalations:concern_raise_check", concern.pk)
    if form.errors:
        concern = _draft_for_raiser(request, pk)  # as saved, not as the undone raise left it
    context = _raise_context(request, concern, raising)
    return render(request, "escalations/concern_raise.html", {**context, "form": form})


def _would_raise(request, form: RaiseForm, concern: Concern) -> bool:
    """Raise it and undo it, so what the service refuses (a Sunday, a stale draft, a draft
    with no concerns) is said on the form, where it can be put right, not after the check
    page. Nothing leaves the rolled-back transaction: messages are rows sent after commit."""
    with transaction.atomic():
        arguments = _raise_arguments(request, concern, form.cleaned_data)
        call_service(form, services.concern_raise, **arguments)
        transaction.set_rollback(True)
    return not form.errors


@require_http_methods(["GET", "POST"])
def concern_raise_check(request, pk: int):
    """Check your answers (GOV.UK pattern), then "Raise the concern" raises it."""
    concern = _draft_for_raiser(request, pk)
    if not concern.is_draft:
        return _not_a_draft(request, concern)
    raising = _raising(concern)
    restored = False
    if request.method == "POST" and "lock_version" in request.POST:
        # The answers this page showed (its hidden fields), not a later tab's.
        answers = request.POST
    elif (answers := _kept_answers(request, concern)) is None:
        # Signed out before "Raise the concern" was pressed: the answers were kept with the
        # form (prp/security/kept.py) and come back here, still to be checked and sent.
        unbound = _raise_form(request, None, concern, raising)
        if kept.restore(request, unbound) is None:
            return redirect("escalations:concern_raise", concern.pk)
        answers, restored = unbound.data, True
        request.session[_ANSWERS.format(concern.pk)] = {
            name: values for name, values in answers.lists() if name not in _NOT_ANSWERS
        }
    form = _raise_form(request, answers, concern, raising)
    if not form.is_valid():
        return redirect("escalations:concern_raise", concern.pk)
    if request.method == "POST":
        arguments = _raise_arguments(request, concern, form.cleaned_data)
        raised = call_service(form, services.concern_raise, **arguments)
        if not form.errors:
            _forget_answers(request, concern)
            messages.success(request, _raised_message(raised, form.cleaned_data["delegate_to"]))
            return redirect(_detail_url(concern))
        # Refused (a stale draft, a rule of the service): the form again, with what was typed.
        form.helper.form_action = reverse("escalations:concern_raise", args=[concern.pk])
        context = _raise_context(request, concern, raising)
        return render(request, "escalations/concern_raise.html", {**context, "form": form})
    context = {
        **_raise_context(request, concern, raising),
        "answers": _check_rows(form, concern, raising),
        "delegate": form.cleaned_data.get("delegate_to"),
        "hidden_answers": [
            (name, value)
            for name, values in answers.lists()
            if name not in _NOT_ANSWERS
            for value in values
        ],
        "restored": restored,
    }
    return render(request, "escalations/concern_raise_check.html", context)


def _check_rows(form: RaiseForm, concern: Concern, raising: _Raising) -> list[dict]:
    """One summary row per answer: its question, the answer in words and the field the
    "Change" link goes back to."""
    data = form.cleaned_data
    rows = []

    def row(name: str, key: str, value: str, anchor: str = "") -> None:
        rows.append({"key": key, "value": value, "anchor": anchor or f"id_{name}"})

    def day(value) -> str:
        return f"{value:%-d %B %Y}" if value else ""

    row(
        "date_of_concern",
        "Date of concern",
        day(data.get("date_of_concern"))
        or f"{day(raising.start)} ({'from the draft' if concern.date_of_concern else 'today'})",
        "id_date_of_concern_0",
    )
    if "how" in form.fields:
        row("how", "How the response is recorded", dict(form.fields["how"].choices)[data["how"]])
    if data.get("answer") is not None:
        answer = data["answer"]
        row("agreed_answer", "What the manager agreed", answer.answer)
        row("agreed_with", "Who agreed it", person_label(answer.agreed_with))
        row("agreed_on", "When it was agreed", day(answer.agreed_on), "id_agreed_on_0")
    elif "delegate_to" in form.fields:
        row("delegate_to", "Delegated to", person_label(data["delegate_to"]))
        row("note", "Notes for the manager", data.get("note") or "None")
        copied = [person_label(person) for person in data.get("copy_to") or []]
        row("copy_to", "Added to the copy list", "; ".join(copied) or "Nobody", "id_copy_to_1")
    if "agreed_due_on" in form.fields:
        row("agreed_due_on", "Response due", day(data["agreed_due_on"]), "id_agreed_due_on_0")
        if data.get("due_reason"):
            row("due_reason", "Why the date is later than usual", data["due_reason"])
    if "bypass_reason" in form.fields:
        row("bypass_reason", "Why you are raising this stage yourself", data["bypass_reason"])
    if "immediate" in form.fields:
        immediate = "Yes" if data.get("immediate") else "No"
        row("immediate", "Immediate safeguarding concern", immediate)
    return rows


def _already_raised_message(concern: Concern) -> str:
    at = selectors.concern_raised_at(concern)
    if at is None:
        return "This concern was already raised. You are seeing it now."
    at = timezone.localtime(at)
    when = f"{at:%-d %B %Y} at {at:%H:%M}"
    return f"This concern was already raised on {when}. You are seeing it now."


def _raise_form(request, data, concern: Concern, raising: _Raising) -> RaiseForm:
    stage, default, start = raising.stage, raising.default, raising.start
    bypass = rules.raises_by_bypass(request.user, stage)
    return RaiseForm(
        data,
        stage=stage,
        lock_version=concern.lock_version,
        people=operational_people() if not stage.external_body else [],
        copy_people=copy_list_people() if not stage.external_body else [],
        default=default,
        role_label=raising.route.role_label,
        suggested_due_on=(
            rules.suggested_agreed_date(stage, start, concern) if stage.is_agreed else None
        ),
        bypass_of=rules.usual_raisers_label(stage) if bypass else "",
        initial={"date_of_concern": concern.date_of_concern},
    )


def _raise_context(request, concern: Concern, raising: _Raising) -> dict:
    stage, route, default, start = raising.stage, raising.route, raising.default, raising.start
    copied = rules.copies(concern, stage, by=request.user, assignee=default, route=route)
    return {
        "concern": concern,
        "stage": stage,
        "default": default,
        "role_label": route.role_label,
        "copied": copied,
        "due_on": None if stage.is_agreed else rules.plan_due(concern, stage, start, None).due_on,
        "sub_concern_count": len(concern.sub_concerns.all()),
    }


def _raise_arguments(request, concern: Concern, data: dict) -> dict:
    return {
        "concern": concern,
        "by": request.user,
        "lock_version": data["lock_version"],
        "delegate_to": data["delegate_to"],
        "agreed_due_on": data.get("agreed_due_on"),
        "bypass_reason": data.get("bypass_reason", ""),
        "answer": data["answer"],
        "date_of_concern": data.get("date_of_concern"),
        "due_reason": data.get("due_reason", ""),
        "immediate": data.get("immediate", False),
        "note": data.get("note", ""),
        "copy_to": data.get("copy_to", []),
    }


def _raised_message(stage, delegate) -> str:
    due = f" Response due {stage.due_on:%-d %B %Y}." if stage.due_on else ""
    if delegate is not None:
        return f"Concern raised and delegated to {delegate}.{due}"
    return f"Concern raised.{due}"


@require_http_methods(["GET", "POST"])
def draft_withdraw(request, pk: int):
    concern = _draft_for_raiser(request, pk)
    if not concern.is_draft:
        return redirect(_detail_url(concern))
    form = ConfirmForm(
        posted(request),
        lock_version=concern.lock_version,
        label="Withdraw the draft",
        warning=True,
    )
    return form_page(
        request,
        form,
        "escalations/concern_withdraw.html",
        {"concern": concern},
        service=services.concern_withdraw_draft,
        arguments=lambda data: {
            "concern": concern,
            "by": request.user,
            "lock_version": data["lock_version"],
        },
        done=lambda _: Done(
            reverse("escalations:concern_list"), f"Draft {concern.reference} withdrawn."
        ),
    )
