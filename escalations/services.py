"""Every change to a concern, its stages and tasks. One function a change, one transaction each:
permission check, state change, history row (and, later, outbox rows) together or not at all.

Forms send the `lock_version` they were built from; if the row moved on since, the change is
refused with StaleEdit, so nobody silently overwrites someone else's work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from cases.models import Child
from cases.selectors import may_see_child
from prp import uploads, workdays
from prp.audit import create_recorded, update_recorded
from prp.locking import STALE_MESSAGE, lock_row
from prp.models import ProtocolCategory, ProtocolStage, ResponseOption, User

from . import messages, rules, safeguarding
from .models import (
    Action,
    Attachment,
    Concern,
    ConcernChild,
    ConcernState,
    Discussion,
    DueBeyond,
    Event,
    ExternalAgencyNote,
    FormalLimit,
    GoodPracticeNote,
    Outcome,
    Stage,
    StageCopy,
    SubConcern,
    Task,
    TaskState,
)

MAX_ATTACHMENT_BYTES = settings.UPLOAD_MAX_BYTES
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".txt": "text/plain",
    ".rtf": "application/rtf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Locking and history -------------------------------------------------------------------------


def _lock_concern(concern: Concern, lock_version: int | None) -> Concern:
    return lock_row(
        Concern, concern, lock_version, "concern", related=("protocol",), message=STALE_MESSAGE
    )


def _lock_task(task: Task, lock_version: int | None) -> tuple[Concern, Task]:
    # Always lock the concern before its task, so two changes can never deadlock.
    concern = _lock_concern(task.stage.concern, None)
    return concern, lock_row(Task, task, lock_version, "task", related=("stage",))


def _save_concern(concern: Concern, *fields: str) -> None:
    concern.save(update_fields=["lock_version", "updated_at", *fields])


def _event(concern, kind, actor, summary, *, stage=None, task=None, **data) -> Event:
    return Event.objects.create(
        concern=concern, kind=kind, actor=actor, summary=summary, stage=stage, task=task, data=data
    )


def _require_named(person: User, concern: Concern, field: str) -> None:
    """A restricted child's concern goes only to people named on (or allocated to) the child:
    anyone else would learn of the child from it."""
    hidden = rules.children_hidden_from(person, concern)
    if hidden:
        raise ValidationError(
            {
                field: f"{person} is not named on {hidden[0].full_name}'s restricted record. "
                "Choose someone who is, or ask an administrator to add them to the record."
            }
        )


def _require_edit(by: User, concern: Concern, message: str) -> None:
    _require(rules.may_edit(by, concern), message, concern=concern)


def _require(allowed: bool, message: str, *, concern=None, task=None) -> None:
    """Refuse with the record's state when that is the reason (a closed concern, an answered
    task), else with what the person's account does not allow."""
    if not allowed:
        raise (
            rules.refuse(concern, message, task)
            if concern is not None
            else PermissionDenied(message)
        )


def _add_to_concern(concern: Concern, item, by: User, kind: str, summary: str):
    """Validate and save something added to a concern, with its history row."""
    item.full_clean()
    item.save()
    _save_concern(concern)
    _event(concern, kind, by, summary)
    return item


# Drafts ----------------------------------------------------------------------------------------


_KEEP = object()


def _check_not_future(day: dt.date | None) -> None:
    if day is not None and day > rules.today():
        raise ValidationError({"date_of_concern": "The date of concern must be today or earlier."})


@transaction.atomic
def concern_create_draft(
    *,
    raised_by: User,
    children: list[Child],
    title: str,
    start_level: int = 0,
    date_of_concern: dt.date | None = None,
) -> Concern:
    """Start a concern about one or more children. Nothing is sent until it is raised.
    `date_of_concern`, if known, is when it arose (e.g. the review that prompted it)."""
    protocol = rules.active_protocol()
    if protocol is None:
        raise ValidationError("No resolution protocol is active. Ask your administrator.")
    stage = protocol.stages.filter(level=start_level).first()
    if stage is None:
        raise ValidationError({"start_level": "Choose a stage of the protocol."})
    _require(rules.may_raise_at(raised_by, stage), f"You cannot raise a concern at {stage}.")
    if not children:
        raise ValidationError({"children": "Select at least one child."})
    _check_not_future(date_of_concern)
    concern = Concern(
        protocol=protocol,
        raised_by=raised_by,
        title=title,
        start_level=start_level,
        date_of_concern=date_of_concern,
        about_restricted_child=any(child.restricted for child in children),
    )
    # The protected state field cannot be re-set by cleaning; its transitions guard it.
    concern.full_clean(exclude=["current_stage", "state"])
    concern.save()
    create_recorded(
        ConcernChild,
        (
            ConcernChild(concern=concern, child=child, is_primary=index == 0)
            for index, child in enumerate(children)
        ),
    )
    names = ", ".join(child.full_name for child in children)
    _event(concern, Event.Kind.CREATED, raised_by, f"Draft started about {names}.")
    return concern


@transaction.atomic
def concern_update_draft(
    *,
    concern: Concern,
    by: User,
    lock_version: int,
    title: str,
    children: list[Child],
    start_level: int,
    date_of_concern=_KEEP,
) -> Concern:
    concern = _lock_concern(concern, lock_version)
    _require(concern.is_draft and rules.may_edit(by, concern), "Only the raiser can edit a draft.")
    stage = concern.protocol.stages.filter(level=start_level).first()
    if stage is None or not rules.may_raise_at(by, stage):
        raise ValidationError({"start_level": "Choose a stage you can raise a concern at."})
    if not children:
        raise ValidationError({"children": "Select at least one child."})
    concern.title = title
    concern.start_level = start_level
    if date_of_concern is not _KEEP:
        _check_not_future(date_of_concern)
        concern.date_of_concern = date_of_concern
    removed = _set_draft_children(concern, children)
    concern.about_restricted_child = any(child.restricted for child in children)
    _save_concern(concern, "title", "start_level", "about_restricted_child", "date_of_concern")
    summary = "Draft details changed."
    if removed:
        names = ", ".join(child.full_name for child in removed)
        summary = f"Draft details changed. No longer about {names}."
    _event(
        concern,
        Event.Kind.EDITED,
        by,
        summary,
        children=[child.pk for child in children],
        removed_children=[child.pk for child in removed],
    )
    return concern


def _set_draft_children(concern: Concern, children: list[Child]) -> list[Child]:
    """Make the draft about exactly these children, the first the main one. Returns the
    children unticked. A draft's list of children is a choice still being made, not a record:
    an unticked child's link goes, and the history row names who was taken off and by whom."""
    links = {
        link.child_id: link
        for link in ConcernChild.objects.filter(concern=concern).select_related("child")
    }
    wanted = {child.pk for child in children}
    removed = [link.child for link in links.values() if link.child_id not in wanted]
    ConcernChild.objects.filter(concern=concern, child_id__in=[c.pk for c in removed]).delete()
    update_recorded(ConcernChild.objects.filter(concern=concern), is_primary=False)
    for index, child in enumerate(children):
        ConcernChild.objects.update_or_create(
            concern=concern, child=child, defaults={"is_primary": index == 0}
        )
    return removed


def _check_category(concern: Concern, category: ProtocolCategory) -> None:
    if category.protocol_id != concern.protocol_id:
        raise ValidationError({"category": "Choose a category from this concern's protocol."})


@transaction.atomic
def sub_concern_add(
    *,
    concern: Concern,
    by: User,
    category: ProtocolCategory,
    description: str,
    impact_on_child: str,
    child_views: str = "",
) -> SubConcern:
    concern = _lock_concern(concern, None)
    _require(
        rules.may_edit(by, concern), "Only the raiser can add to this concern.", concern=concern
    )
    _check_category(concern, category)
    sub = SubConcern(
        concern=concern,
        category=category,
        description=description,
        impact_on_child=impact_on_child,
        child_views=child_views,
    )
    summary = f"Concern added under {category.name}."
    return _add_to_concern(concern, sub, by, Event.Kind.EDITED, summary)


@transaction.atomic
def sub_concern_remove(*, sub_concern: SubConcern, by: User, lock_version: int | None) -> None:
    """Take a sub-concern off the concern. It is archived (who and when), never deleted."""
    concern = _lock_concern(sub_concern.concern, lock_version)
    _require(
        rules.may_edit(by, concern), "Only the raiser can change this concern.", concern=concern
    )
    if concern.sub_concerns.filter(archived_at__isnull=True).count() <= 1 and not concern.is_draft:
        raise ValidationError("A raised concern must keep at least one concern.")
    update_recorded(
        SubConcern.objects.filter(pk=sub_concern.pk, archived_at__isnull=True),
        archived_at=timezone.now(),
        archived_by=by,
    )
    _save_concern(concern)
    _event(concern, Event.Kind.EDITED, by, f"Concern under {sub_concern.category.name} removed.")


@transaction.atomic
def discussion_add(
    *, concern: Concern, by: User, held_on: dt.date, held_with: str, summary: str
) -> Discussion:
    concern = _lock_concern(concern, None)
    _require(
        rules.may_edit(by, concern), "Only the raiser can add to this concern.", concern=concern
    )
    if held_on > rules.today():
        raise ValidationError({"held_on": "The date of the discussion must be today or earlier."})
    discussion = Discussion(
        concern=concern, held_on=held_on, held_with=held_with, summary=summary, recorded_by=by
    )
    summary = f"Discussion with {held_with} recorded."
    return _add_to_concern(concern, discussion, by, Event.Kind.DISCUSSION, summary)


@transaction.atomic
def action_add(
    *,
    concern: Concern,
    by: User,
    description: str,
    due_on: dt.date,
    owner: User | None = None,
    owner_name: str = "",
) -> Action:
    concern = _lock_concern(concern, None)
    allowed = rules.may_edit(by, concern) or _is_current_assignee(by, concern)
    _require(allowed, "Only the raiser or the manager responding can agree actions.")
    rules.check_action_due_on(due_on)
    action = Action(
        concern=concern,
        stage=concern.current_stage,
        description=description,
        owner=owner,
        owner_name=owner_name,
        due_on=due_on,
        recorded_by=by,
    )
    summary = f"Action agreed for {action.who}: {description}"
    return _add_to_concern(concern, action, by, Event.Kind.ACTION_ADDED, summary)


def _is_current_assignee(user: User, concern: Concern) -> bool:
    return Task.objects.filter(
        stage__concern=concern, assignee=user, state=TaskState.ACTIVE
    ).exists()


@transaction.atomic
def action_mark_done(
    *, action: Action, by: User, done_on: dt.date, lock_version: int | None = None
) -> Action:
    concern = _lock_concern(action.concern, None)
    allowed = rules.may_manage(by, concern) or by.pk == action.owner_id
    _require(allowed, "Only the raiser or the action's owner can mark it done.")
    action = lock_row(Action, action, lock_version, "action")
    if action.done_on is not None:
        return action  # a second click changes nothing
    if done_on > rules.today():
        raise ValidationError({"done_on": "The date must be today or earlier."})
    action.done_on = done_on
    action.save(update_fields=["done_on", "lock_version"])
    _save_concern(concern)
    _event(concern, Event.Kind.ACTION_DONE, by, f"Action done: {action.description}")
    _sign_off_when_actions_done(concern, by)
    return action


def _lock_action(action: Action, lock_version: int | None, by: User) -> tuple[Concern, Action]:
    concern = _lock_concern(action.concern, None)
    fresh = lock_row(Action, action, lock_version, "action")
    _require(rules.may_change_action(by, concern, fresh), "You cannot change this action.")
    return concern, fresh


@transaction.atomic
def action_edit(
    *,
    action: Action,
    by: User,
    lock_version: int | None,
    description: str,
    due_on: dt.date,
    owner: User | None = None,
    owner_name: str = "",
) -> Action:
    """Change what, who or when; the history keeps what it was."""
    concern, action = _lock_action(action, lock_version, by)
    if due_on != action.due_on:
        rules.check_action_due_on(due_on)
        action.last_chased_on = None  # a new date: chased afresh once it passes
    before = str(action)
    action.description, action.owner, action.owner_name, action.due_on = (
        description,
        owner,
        owner_name,
        due_on,
    )
    action.full_clean()
    action.save()
    _save_concern(concern)
    summary = f"Action changed from {before} to {action}."
    _event(concern, Event.Kind.ACTION_CHANGED, by, summary, action=action.pk)
    return action


@transaction.atomic
def action_remove(*, action: Action, by: User, lock_version: int | None, reason: str) -> Action:
    """Archive an action that no longer applies, with the reason; it stays in the history."""
    concern, action = _lock_action(action, lock_version, by)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the action is being removed"})
    action.archived_at, action.archived_by, action.archive_reason = timezone.now(), by, reason
    action.save(update_fields=["archived_at", "archived_by", "archive_reason", "lock_version"])
    _save_concern(concern)
    summary = f"Action removed: {action}. Reason: {reason}"
    _event(concern, Event.Kind.ACTION_REMOVED, by, summary, action=action.pk)
    _sign_off_when_actions_done(concern, by)
    return action


def _signed_off_at_resolution(concern: Concern, on: dt.date) -> str:
    """Sign a resolved concern off now, unless its protocol waits for the open actions (then
    say so in the history)."""
    open_actions = rules.open_actions(concern).count()
    if concern.protocol.sign_off_after_actions and open_actions:
        plural = "s" if open_actions != 1 else ""
        return f" {open_actions} action{plural} being monitored: signed off when done."
    concern.signed_off_on = on
    return ""


def _sign_off_when_actions_done(concern: Concern, by: User) -> None:
    if concern.state != ConcernState.RESOLVED or concern.signed_off_on is not None:
        return
    if rules.open_actions(concern).exists():
        return
    concern.signed_off_on = rules.today()
    _save_concern(concern, "signed_off_on")
    _event(concern, Event.Kind.SIGNED_OFF, by, "Signed off: every agreed action is done.")


def check_attachment(upload: UploadedFile) -> str:
    """The file's content type, or a ValidationError saying what is wrong with it."""
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in ATTACHMENT_TYPES:
        allowed = ", ".join(sorted(s.lstrip(".").upper() for s in ATTACHMENT_TYPES))
        raise ValidationError({"file": f"The selected file must be a {allowed}"})
    if upload.size == 0:
        raise ValidationError({"file": "The selected file is empty"})
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": "The selected file must be smaller than 10MB"})
    if not uploads.content_matches(upload, suffix):
        label = suffix.lstrip(".").upper()
        raise ValidationError(
            {"file": f"The selected file is not a {label} file: its contents do not match its name"}
        )
    return ATTACHMENT_TYPES[suffix]


@transaction.atomic
def attachment_add(*, concern: Concern, by: User, upload: UploadedFile) -> Attachment:
    concern = _lock_concern(concern, None)
    allowed = rules.may_edit(by, concern) or _is_current_assignee(by, concern)
    _require(allowed, "Only the raiser or the manager responding can attach files.")
    content_type = check_attachment(upload)
    attachment = Attachment(
        concern=concern,
        original_name=Path(upload.name).name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    _save_concern(concern)
    _event(concern, Event.Kind.ATTACHMENT, by, f"File attached: {attachment.original_name}")
    return attachment


@transaction.atomic
def attachment_archive(*, attachment: Attachment, by: User, lock_version: int | None) -> None:
    """Take a file off the concern. The row and the file are kept (archived: who and when)."""
    concern = _lock_concern(attachment.concern, lock_version)
    allowed = rules.may_remove_attachment(by, concern, attachment)
    _require(allowed, "Only the raiser or the person who attached it can remove a file.")
    archived = update_recorded(
        Attachment.objects.filter(pk=attachment.pk, archived_at__isnull=True),
        archived_at=timezone.now(),
        archived_by=by,
    )
    if not archived:
        raise ValidationError("This file has already been removed.")
    _save_concern(concern)
    _event(concern, Event.Kind.EDITED, by, f"File removed: {attachment.original_name}")


# Raising, delegating and escalating ----------------------------------------------------------


def _open_stage(
    *,
    concern: Concern,
    protocol_stage: ProtocolStage,
    by: User,
    delegate_to: User | None,
    agreed_due_on: dt.date | None,
    on: dt.date,
    escalated: bool = False,
    bypass_reason: str = "",
    answer: AgreedAnswer | None = None,
    due_reason: str = "",
    note: str = "",
    copy_to: Iterable[User] = (),
) -> Stage:
    _require(rules.may_raise_at(by, protocol_stage), f"You cannot raise {protocol_stage.label}.")
    plan = _checked_plan(concern, protocol_stage, on, agreed_due_on, due_reason)
    due_on = plan.due_on
    needs_delegate = not (protocol_stage.delegation_optional or protocol_stage.external_body)
    if delegate_to is None and needs_delegate:
        raise ValidationError({"delegate_to": "Select who to delegate this stage to."})
    stage = Stage(
        concern=concern,
        protocol_stage=protocol_stage,
        level=protocol_stage.level,
        raised_by=by,
        opened_on=on,
        due_on=due_on,
        bypass_reason=_bypass_reason(by, protocol_stage, bypass_reason),
        due_beyond=plan.beyond,
        due_reason=due_reason.strip() if plan.beyond else "",
    )
    if delegate_to is None and protocol_stage.delegation_optional:
        _put_answer(stage, answer)
    stage.full_clean(exclude=["legal_advice_sought", "cafcass_considered"])
    stage.save()
    concern.current_stage = stage
    copies = rules.copies(concern, protocol_stage, by=by, assignee=delegate_to)
    _record_copies(stage, copies + _added_copies(concern, by, delegate_to, copy_to))
    if delegate_to is not None:
        _delegate(
            stage=stage,
            assignee=delegate_to,
            by=by,
            due_on=due_on or on,
            escalated=escalated,
            note=note,
        )
    elif stage.agreed_answer:
        _event(
            concern,
            Event.Kind.ANSWER_RECORDED,
            by,
            f"{by} recorded the answer agreed with {stage.agreed_with} on "
            f"{stage.agreed_on:%-d %B %Y}.",
            stage=stage,
        )
    return stage


def _bypass_reason(by: User, protocol_stage: ProtocolStage, reason: str) -> str:
    """IRO Handbook 6.2: raising a stage someone else normally raises needs a reason."""
    if not rules.raises_by_bypass(by, protocol_stage):
        return ""
    if not reason.strip():
        raise ValidationError(
            {"bypass_reason": f"Enter why you are raising {protocol_stage.label} yourself"}
        )
    return reason.strip()


@dataclass(frozen=True)
class AgreedAnswer:
    """What the team manager agreed, with whom and when, recorded by the raiser (seed 000 §4.1,
    "Informal - no need for Team Manager comments")."""

    answer: str
    agreed_with: User | None
    agreed_on: dt.date | None


def _put_answer(stage: Stage, answer: AgreedAnswer | None) -> None:
    if answer is None or not answer.answer.strip():
        raise ValidationError({"agreed_answer": "Enter what the manager agreed"})
    if answer.agreed_with is None:
        raise ValidationError({"agreed_with": "Select who agreed it"})
    if answer.agreed_on is None or answer.agreed_on > rules.today():
        raise ValidationError({"agreed_on": "The date it was agreed must be today or earlier"})
    stage.agreed_answer = answer.answer.strip()
    stage.agreed_with = answer.agreed_with
    stage.agreed_on = answer.agreed_on


def _added_copies(
    concern: Concern, by: User, delegate_to: User | None, copy_to: Iterable[User]
) -> list[rules.Copy]:
    """The people the raiser added to the copy list when delegating. Only with a delegation
    (the copy list is told of the task); never someone a restricted child is hidden from."""
    people = [person for person in copy_to if delegate_to is None or person.pk != delegate_to.pk]
    if people and delegate_to is None:
        raise ValidationError({"copy_to": "People can only be copied in when you delegate"})
    for person in people:
        if not person.is_active:
            raise ValidationError({"copy_to": f"{person}'s account is no longer active."})
        _require_named(person, concern, "copy_to")
    return [rules.Copy(person, f"Added to the copy list by {by}") for person in people]


def _record_copies(stage: Stage, copies: list[rules.Copy]) -> None:
    known = set(stage.copies.values_list("person_id", flat=True))
    create_recorded(
        StageCopy,
        (
            StageCopy(stage=stage, person=copy.person, reason=copy.reason[:250])
            for copy in copies
            if copy.person.pk not in known
        ),
    )


def _checked_plan(
    concern, protocol_stage, on, agreed_due_on, due_reason, *, field="agreed_due_on", chosen=False
) -> rules.DuePlan:
    """The stage's response date under the protocol's limits, refused where they say so, and
    the concern marked when it passes the formal limit (issue 14 rules 3 and 4)."""
    plan = rules.plan_due(concern, protocol_stage, on, agreed_due_on, chosen=chosen)
    if protocol_stage.is_agreed or chosen:
        if plan.due_on is None:
            raise ValidationError({field: "Enter the date the response is agreed for."})
        if plan.due_on < rules.today():
            raise ValidationError({field: "The agreed date must be today or in the future."})
        if not workdays.is_working_day(plan.due_on):
            # A response falls due on a day the service works (issue 19): offer the next one.
            later = workdays.next_working_day(plan.due_on)
            raise ValidationError(
                {
                    field: f"The agreed date must be a working day: {plan.due_on:%A %-d %B %Y} "
                    f"is not. The next working day is {later:%A %-d %B %Y}."
                }
            )
    if plan.maximum_on is not None and plan.due_on > plan.maximum_on:
        raise ValidationError(
            {
                field: "The informal response date must be no later than "
                f"{plan.maximum_on:%-d %B %Y} ({concern.protocol.informal_limit_days} working "
                "days): the informal stage must not create drift. Escalate to a formal stage "
                "instead."
            }
        )
    if plan.beyond and not due_reason.strip():
        limit = plan.guideline_on or plan.limit_on
        what = (
            "the usual time for the informal stage"
            if plan.beyond == DueBeyond.GUIDELINE
            else f"{concern.protocol.formal_limit_days} working days from the formal start"
        )
        raise ValidationError(
            {"due_reason": f"Enter why the date is later than {limit:%-d %B %Y} ({what})"}
        )
    if plan.over_limit:
        concern.formal_limit = FormalLimit.OVER
    elif plan.beyond == DueBeyond.LIMIT and concern.formal_limit != FormalLimit.OVER:
        concern.formal_limit = FormalLimit.AGREED
    return plan


NOTE_MAX = 5000


def _delegate(
    *,
    stage: Stage,
    assignee: User,
    by: User,
    due_on: dt.date,
    escalated: bool = False,
    field: str = "delegate_to",
    note: str = "",
) -> Task:
    if not assignee.is_active:
        raise ValidationError({field: "That person's account is no longer active."})
    _require_named(assignee, stage.concern, field)
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": "Notes for the manager must be 5,000 characters or fewer"})
    # Not full_clean(): it would set the protected FSM state field.
    task = Task.objects.create(
        stage=stage, assignee=assignee, delegated_by=by, due_on=due_on, note=note
    )
    copied = [person for person in rules.stage_copies(stage) if person.pk != assignee.pk]
    _event(
        stage.concern,
        Event.Kind.DELEGATED,
        by,
        f"{stage.protocol_stage.label} delegated to {assignee}, response due {due_on:%-d %B %Y}."
        + (f" Copied to {', '.join(str(person) for person in copied)}." if copied else ""),
        stage=stage,
        task=task,
        copied_to=[person.pk for person in copied],
    )
    messages.delegated(task, escalated=escalated)
    return task


DATE_OF_CONCERN_MAX_WORKING_DAYS = 10


def _check_date_of_concern(day: dt.date) -> None:
    """Not in the future and at most 10 working days back (issue 14 rule 12)."""
    today = rules.today()
    if day > today:
        raise ValidationError({"date_of_concern": "The date of concern must be today or earlier."})
    earliest = workdays.add_working_days(today, -DATE_OF_CONCERN_MAX_WORKING_DAYS)
    if day < earliest:
        raise ValidationError(
            {
                "date_of_concern": "The date of concern must be no earlier than "
                f"{earliest:%-d %B %Y} ({DATE_OF_CONCERN_MAX_WORKING_DAYS} working days ago)."
            }
        )


@transaction.atomic
def concern_raise(
    *,
    concern: Concern,
    by: User,
    lock_version: int,
    delegate_to: User | None,
    agreed_due_on: dt.date | None = None,
    bypass_reason: str = "",
    answer: AgreedAnswer | None = None,
    date_of_concern: dt.date | None = None,
    due_reason: str = "",
    immediate: bool = False,
    note: str = "",
    copy_to: Iterable[User] = (),
) -> Stage:
    """Raise a draft at the stage the raiser chose: informal, or straight to a formal stage.

    The concern and its first stage open on the date of concern (today unless the raiser gives
    the day it arose), so the first deadline counts from it. `immediate`: an immediate
    safeguarding concern (escalations.safeguarding)."""
    concern = _lock_concern(concern, lock_version)
    _require(by.pk == concern.raised_by_id, "Only the person who started the draft can raise it.")
    if not concern.sub_concerns.filter(archived_at__isnull=True).exists():
        raise ValidationError("Add at least one concern before raising it.")
    on = date_of_concern or concern.date_of_concern or rules.today()
    _check_date_of_concern(on)
    concern.date_of_concern = on
    protocol_stage = concern.protocol.stages.get(level=concern.start_level)
    if protocol_stage.is_informal:
        concern.raise_informal(on=on)
    else:
        concern.raise_formal(on=on)
    stage = _open_stage(
        concern=concern,
        protocol_stage=protocol_stage,
        by=by,
        delegate_to=delegate_to,
        agreed_due_on=agreed_due_on,
        on=on,
        bypass_reason=bypass_reason,
        answer=answer,
        due_reason=due_reason,
        note=note,
        copy_to=copy_to,
    )
    child = rules.primary_child(concern)
    concern.team_id = child.team_id if child else None
    concern.child_status = child.status if child else ""
    _save_concern(
        concern,
        "state",
        "opened_on",
        "date_of_concern",
        "current_stage",
        "team",
        "child_status",
        "formal_limit",
    )
    _event(concern, Event.Kind.RAISED, by, f"Raised at {protocol_stage.label}.", stage=stage)
    if immediate:
        safeguarding.immediate_start(concern=concern, by=by)
    return stage


# Tasks ---------------------------------------------------------------------------------------


def _check_response_option(task: Task, option: ResponseOption | None) -> None:
    if option is not None and option.protocol_id != task.stage.protocol_stage.protocol_id:
        raise ValidationError({"response_option": "Choose one of this protocol's answers."})


def _take_answer(task, by, lock_version, response_option, response, actions_agreed):
    """Lock the task, check the assignee, and put their answer on it (saved by the caller)."""
    concern, task = _lock_task(task, lock_version)
    _require(
        rules.may_respond(by, task),
        "Only the person this is delegated to can respond.",
        concern=concern,
        task=task,
    )
    _check_response_option(task, response_option)
    task.response_option = response_option
    task.response = response
    task.actions_agreed = actions_agreed
    return concern, task


@transaction.atomic
def task_save_draft(
    *,
    task: Task,
    by: User,
    lock_version: int,
    response_option: ResponseOption | None,
    response: str,
    actions_agreed: str = "",
) -> Task:
    concern, task = _take_answer(task, by, lock_version, response_option, response, actions_agreed)
    task.draft_saved_at = timezone.now()
    task.save(
        update_fields=[
            "response_option",
            "response",
            "actions_agreed",
            "draft_saved_at",
            "lock_version",
        ]
    )
    _event(
        concern, Event.Kind.DRAFT_SAVED, by, "Response draft saved.", stage=task.stage, task=task
    )
    return task


@transaction.atomic
def task_respond(
    *,
    task: Task,
    by: User,
    lock_version: int,
    response_option: ResponseOption | None,
    response: str,
    actions_agreed: str = "",
) -> Task:
    concern, task = _take_answer(task, by, lock_version, response_option, response, actions_agreed)
    protocol_has_options = concern.protocol.response_options.exists()
    if protocol_has_options and response_option is None:
        raise ValidationError({"response_option": "Select your answer"})
    if not response.strip():
        raise ValidationError({"response": "Enter your response"})
    task.respond(at=timezone.now())
    task.save()
    _save_concern(concern)
    answer = f" ({response_option.label})" if response_option else ""
    _event(
        concern, Event.Kind.RESPONDED, by, f"{by} responded{answer}.", stage=task.stage, task=task
    )
    messages.responded(task)
    return task


RETRACT_REASONS = {
    "wrong_person": "Delegated to the wrong person",
    "absent": "The person is absent",
    "resolved": "Resolved before a response",
    "other": "Another reason",
}
# Why a task ended that nobody chooses on the retract form: the accountable manager's moves.
TASK_END_REASONS = {
    **RETRACT_REASONS,
    "passed_on": "Passed on by the accountable manager",
    "taken_back": "Taken back by the accountable manager",
}


@transaction.atomic
def task_retract(*, task: Task, by: User, lock_version: int, reason: str, note: str) -> Task:
    """Take a task back. The assignee's unfinished draft is kept and shown to the raiser."""
    concern, task = _lock_task(task, lock_version)
    _require(rules.may_manage(by, concern, task.stage), "Only the raiser can retract a task.")
    if reason not in RETRACT_REASONS:
        raise ValidationError({"reason": "Select why you are retracting the task"})
    if not note.strip():
        raise ValidationError({"note": "Enter a note for the person the task is taken from"})
    task.retract(by=by, at=timezone.now(), reason=reason, note=note)
    task.save()
    _save_concern(concern)
    _event(
        concern,
        Event.Kind.RETRACTED,
        by,
        f"Task taken back from {task.assignee}: {RETRACT_REASONS[reason].lower()}.",
        stage=task.stage,
        task=task,
        note=note,
    )
    messages.retracted(task)
    return task


@transaction.atomic
def task_redelegate(
    *,
    stage: Stage,
    by: User,
    lock_version: int,
    assignee: User,
    note: str,
    agreed_due_on: dt.date | None = None,
    due_reason: str = "",
) -> Task:
    """Give the stage to someone else. An active task is retracted first, its draft kept."""
    concern = _lock_concern(stage.concern, lock_version)
    stage = Stage.objects.select_related("protocol_stage").get(pk=stage.pk)
    _require(rules.may_manage(by, concern, stage), "Only the raiser can re-delegate.")
    if not stage.is_open:
        raise ValidationError("This stage already has an outcome.")
    if not note.strip():
        raise ValidationError({"note": "Enter a note saying why the task is moving"})
    live = stage.tasks.select_for_update().filter(state=TaskState.ACTIVE).first()
    if live is not None:
        if live.assignee_id == assignee.pk:
            raise ValidationError({"assignee": "The task is already with that person."})
        live.retract(by=by, at=timezone.now(), reason="wrong_person", note=note)
        live.lock_version += 1
        live.save()
        messages.retracted(live)
    elif stage.tasks.filter(state=TaskState.RESPONDED).exists():
        raise ValidationError("The task has a response. Reopen it instead of re-delegating.")
    due_on = stage.due_on
    if stage.protocol_stage.is_agreed and agreed_due_on is not None:
        # A new agreed date meets the same limits as the first (issue 14 rules 3 and 4).
        plan = _checked_plan(
            concern, stage.protocol_stage, stage.opened_on, agreed_due_on, due_reason
        )
        due_on = stage.due_on = plan.due_on
        stage.due_beyond = plan.beyond
        stage.due_reason = due_reason.strip() if plan.beyond else ""
        stage.save(update_fields=["due_on", "due_beyond", "due_reason"])
    task = _delegate(
        stage=stage, assignee=assignee, by=by, due_on=due_on or rules.today(), field="assignee"
    )
    _save_concern(concern, "formal_limit")
    _event(concern, Event.Kind.REDELEGATED, by, f"Re-delegated to {assignee}.", stage=stage)
    return task


@transaction.atomic
def task_pass_on(*, task: Task, by: User, lock_version: int, assignee: User, note: str) -> Task:
    """Pass a delegated task to someone in one of the roles the stage allows (Gloucestershire
    Formal 3: the Assistant Director to a Head of Service, Service Manager or Group Manager).
    The person passing it stays the accountable owner: shown on the stage, copied on
    everything, and able to take it back."""
    concern, task = _lock_task(task, lock_version)
    _require(rules.may_pass_on(by, task), "Only the person this is delegated to can pass it on.")
    stage = Stage.objects.select_related("protocol_stage").get(pk=task.stage_id)
    allowed = rules.pass_on_roles(stage.protocol_stage)
    if assignee.pk == by.pk or not assignee.role_codes & {role.code for role in allowed}:
        raise ValidationError({"assignee": f"Choose a {rules.role_names(allowed)}"})
    if not note.strip():
        raise ValidationError({"note": "Enter a note for the person you are passing it to"})
    task.retract(by=by, at=timezone.now(), reason="passed_on", note=note)
    task.save()
    stage.accountable_owner = by
    stage.save(update_fields=["accountable_owner"])
    label = stage.protocol_stage.label
    _record_copies(stage, [rules.Copy(by, f"Accountable for {label}: passed it on")])
    passed = _delegate(stage=stage, assignee=assignee, by=by, due_on=task.due_on, field="assignee")
    _save_concern(concern)
    _event(
        concern,
        Event.Kind.PASSED_ON,
        by,
        f"{by} passed {label} to {assignee} and stays accountable for it.",
        stage=stage,
        task=passed,
        note=note,
    )
    return passed


@transaction.atomic
def task_take_back(*, task: Task, by: User, lock_version: int) -> Task:
    """The accountable owner takes a task they passed on back: it is theirs to answer again.
    The other person's draft is kept, as with every retraction."""
    concern, task = _lock_task(task, lock_version)
    _require(rules.may_take_back(by, task), "Only the accountable manager can take it back.")
    note = f"Taken back by {by}, the accountable manager."
    task.retract(by=by, at=timezone.now(), reason="taken_back", note=note)
    task.save()
    messages.retracted(task)
    mine = Task.objects.create(stage=task.stage, assignee=by, delegated_by=by, due_on=task.due_on)
    _save_concern(concern)
    _event(
        concern,
        Event.Kind.TAKEN_BACK,
        by,
        f"{by} took {task.stage.protocol_stage.label} back from {task.assignee}.",
        stage=task.stage,
        task=mine,
    )
    return mine


@transaction.atomic
def task_reactivate(
    *, task: Task, by: User, lock_version: int, due_on: dt.date, due_reason: str = ""
) -> Task:
    """Reopen a finalised response so the manager can change it. The new date meets the same
    limits as any other (issue 14 rules 3 and 4)."""
    concern, task = _lock_task(task, lock_version)
    stage = task.stage
    _require(rules.may_manage(by, concern, stage), "Only the raiser can reopen a response.")
    if not stage.is_open:
        raise ValidationError("This stage already has an outcome.")
    if due_on < rules.today():
        raise ValidationError({"due_on": "The new date must be today or in the future."})
    plan = _checked_plan(
        concern,
        stage.protocol_stage,
        stage.opened_on,
        due_on,
        due_reason,
        field="due_on",
        chosen=True,
    )
    if plan.beyond:
        stage.due_beyond, stage.due_reason = plan.beyond, due_reason.strip()
        stage.save(update_fields=["due_beyond", "due_reason"])
    task.reactivate(at=timezone.now(), due_on=due_on)
    task.save()
    _save_concern(concern, "formal_limit")
    _event(
        concern,
        Event.Kind.REACTIVATED,
        by,
        f"Response reopened for {task.assignee}, now due {due_on:%-d %B %Y}.",
        stage=task.stage,
        task=task,
    )
    messages.reactivated(task)
    return task


# Outcomes ------------------------------------------------------------------------------------


@transaction.atomic
def stage_record_outcome(
    *,
    concern: Concern,
    by: User,
    lock_version: int,
    outcome: str,
    comments: str,
    legal_advice_sought: bool,
    cafcass_considered: bool,
    outcome_on: dt.date | None = None,
    target_level: int | None = None,
    delegate_to: User | None = None,
    agreed_due_on: dt.date | None = None,
    external_response: str = "",
    bypass_reason: str = "",
    cafcass_consulted: User | None = None,
    cafcass_consulted_on: dt.date | None = None,
    due_reason: str = "",
    impact_for_child: str = "",
    copy_to: Iterable[User] = (),
) -> Stage:
    """The raiser's decision on the current stage: resolved, escalate, refer or withdraw. When
    it escalates, the people in copy_to are added to the next stage's copy list."""
    concern = _lock_concern(concern, lock_version)
    stage = Stage.objects.select_related("protocol_stage").get(pk=concern.current_stage_id)
    _require(rules.may_manage(by, concern, stage), "Only the raiser can record the outcome.")
    if not concern.is_open or not stage.is_open:
        raise ValidationError("This concern has no open stage.")
    on = outcome_on or rules.today()
    if on < stage.opened_on or on > rules.today():
        raise ValidationError(
            {"outcome_on": "The date must be between the stage opening and today."}
        )
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Select the outcome"})
    next_stage = _target_stage(concern, stage, outcome, target_level)
    records_impact = outcome == Outcome.RESOLVED and concern.protocol.resolution_records_impact
    if records_impact and not impact_for_child.strip():
        raise ValidationError({"impact_for_child": "Enter what resolving it changed for the child"})
    _close_live_task(stage, by)
    stage.outcome = outcome
    stage.outcome_comments = comments
    stage.legal_advice_sought = legal_advice_sought
    stage.cafcass_considered = cafcass_considered
    stage.outcome_on = on
    stage.outcome_by = by
    stage.outcome_recorded_at = timezone.now()
    stage.external_response = external_response
    if outcome == Outcome.REFER_CAFCASS:
        _put_consultation(concern, stage, cafcass_consulted, cafcass_consulted_on, on)
    stage.impact_for_child = impact_for_child.strip() if records_impact else ""
    stage.working_days_taken = workdays.working_days_between(stage.opened_on, on)
    stage.save()
    _event(
        concern,
        Event.Kind.OUTCOME,
        by,
        f"Outcome of {stage.protocol_stage.label}: {Outcome(outcome).label}.",
        stage=stage,
        legal_advice_sought=legal_advice_sought,
        cafcass_considered=cafcass_considered,
    )
    messages.outcome(stage)
    escalation = {
        "delegate_to": delegate_to,
        "agreed_due_on": agreed_due_on,
        "due_reason": due_reason,
        "bypass_reason": bypass_reason,
        "copy_to": copy_to if next_stage is not None else (),
    }
    _apply_outcome(concern, by, outcome, next_stage, on, **escalation)
    return stage


def _put_consultation(concern, stage, consulted, consulted_on, on) -> None:
    """Seed 000 §4.2: a referral to CAFCASS is made in consultation with the manager the
    protocol names (the IRO Service Manager), recorded on the referral: who and when."""
    role = concern.protocol.cafcass_consult_role
    if role is None:
        return
    if consulted is None or not consulted.has_role(role.code):
        raise ValidationError({"cafcass_consulted": f"Select the {role} you consulted"})
    if consulted_on is None or consulted_on > on:
        raise ValidationError(
            {"cafcass_consulted_on": "The date you consulted them must be on or before the outcome"}
        )
    stage.cafcass_consulted = consulted
    stage.cafcass_consulted_on = consulted_on


def _target_stage(concern, stage, outcome, target_level) -> ProtocolStage | None:
    if outcome == Outcome.ESCALATE_NEXT:
        target = concern.protocol.stages.filter(level__gt=stage.level).order_by("level").first()
        if target is None:
            raise ValidationError(
                {"outcome": "This is the last stage: there is none to escalate to."}
            )
        return target
    if outcome == Outcome.ESCALATE_TO:
        if target_level is None or target_level <= stage.level:
            raise ValidationError({"target_level": "Choose a later stage to escalate to."})
        target = concern.protocol.stages.filter(level=target_level).first()
        if target is None:
            raise ValidationError({"target_level": "Choose a stage of this protocol."})
        return target
    return None


def _close_live_task(stage: Stage, by: User) -> None:
    task = stage.tasks.select_for_update().filter(state=TaskState.ACTIVE).first()
    if task is not None:
        task.retract(by=by, at=timezone.now(), reason="resolved", note="Outcome recorded.")
        task.lock_version += 1
        task.save()
        messages.retracted(task)


def _apply_outcome(concern, by, outcome, next_stage, on, **escalation) -> None:
    if next_stage is not None:
        concern.escalate()
        stage = _open_stage(
            concern=concern, protocol_stage=next_stage, by=by, on=on, escalated=True, **escalation
        )
        _save_concern(concern, "state", "current_stage", "formal_limit")
        _event(concern, Event.Kind.ESCALATED, by, f"Escalated to {next_stage.label}.", stage=stage)
        return
    if outcome == Outcome.RESOLVED:
        concern.resolve(on=on)
        kind, summary = Event.Kind.RESOLVED, "Concern resolved."
        summary += _signed_off_at_resolution(concern, on)
    elif outcome == Outcome.REFER_CAFCASS:
        concern.refer_to_cafcass()
        kind, summary = Event.Kind.REFERRED, "Referred to CAFCASS."
    else:
        concern.withdraw(on=on)
        kind, summary = Event.Kind.WITHDRAWN, "Concern withdrawn."
    _record_closing(concern)
    _save_concern(
        concern, "state", "closed_on", "signed_off_on", "closed_level", "formal_working_days"
    )
    _event(concern, kind, by, summary)


def _record_closing(concern: Concern) -> None:
    """What the dashboards need of a closed concern: where it ended and how long it took."""
    stages = list(concern.stages.all())
    concern.closed_level = max((stage.level for stage in stages), default=None)
    concern.formal_working_days = rules.formal_working_days(stages)


@transaction.atomic
def concern_close_referral(
    *, concern: Concern, by: User, lock_version: int, outcome: str, comments: str
) -> Concern:
    """A concern referred to CAFCASS stays tracked until the raiser closes it."""
    concern = _lock_concern(concern, lock_version)
    _require(rules.may_manage(by, concern), "Only the raiser can close the referral.")
    if concern.state != ConcernState.REFERRED:
        raise ValidationError("Only a concern referred to CAFCASS can be closed this way.")
    on = rules.today()
    monitored = ""
    if outcome == Outcome.RESOLVED:
        concern.resolve(on=on)
        kind = Event.Kind.RESOLVED
        monitored = _signed_off_at_resolution(concern, on)
    elif outcome == Outcome.WITHDRAWN:
        concern.withdraw(on=on)
        kind = Event.Kind.WITHDRAWN
    else:
        raise ValidationError({"outcome": "Select resolved or withdrawn"})
    _record_closing(concern)
    _save_concern(
        concern, "state", "closed_on", "signed_off_on", "closed_level", "formal_working_days"
    )
    summary = f"Referral closed: {Outcome(outcome).label.lower()}. {comments}{monitored}"
    _event(concern, kind, by, summary)
    return concern


@transaction.atomic
def concern_withdraw_draft(*, concern: Concern, by: User, lock_version: int) -> Concern:
    concern = _lock_concern(concern, lock_version)
    _require(by.pk == concern.raised_by_id and concern.is_draft, "Only the raiser can do this.")
    concern.withdraw(on=rules.today())
    _save_concern(concern, "state", "closed_on")
    _event(concern, Event.Kind.WITHDRAWN, by, "Draft withdrawn before it was raised.")
    return concern


# Good practice and external agencies ---------------------------------------------------------


@transaction.atomic
def good_practice_note_send(
    *,
    author: User,
    recipient: User,
    category: ProtocolCategory,
    note: str,
    impact_on_child: str,
    child: Child | None = None,
) -> GoodPracticeNote:
    """A note of good practice, copied to the recipient's manager.

    A note about a restricted child goes only to someone named on (or allocated to) the child,
    and their manager is copied only if they are too: the note names the child.
    """
    if recipient.pk == author.pk:
        raise ValidationError({"recipient": "Choose someone other than yourself."})
    if not _may_be_told(recipient, child):
        raise ValidationError(
            {
                "recipient": f"{recipient} is not named on {child.full_name}'s restricted "
                "record. Choose someone who is, or send the note without naming the child."
            }
        )
    to_reviewer = bool(recipient.role_codes & {"iro", "cp_chair", "fgc_coordinator"})
    direction = (
        GoodPracticeNote.Direction.TO_REVIEWER
        if to_reviewer
        else GoodPracticeNote.Direction.TO_PRACTITIONER
    )
    gp = GoodPracticeNote(
        direction=direction,
        author=author,
        recipient=recipient,
        child=child,
        category=category,
        note=note,
        impact_on_child=impact_on_child,
        team=recipient.team,
    )
    gp.full_clean()
    gp.save()
    manager = _manager_of(recipient)
    if manager is not None and manager.pk != author.pk and _may_be_told(manager, child):
        gp.copied_to.add(manager)
    messages.good_practice(gp)
    return gp


def _may_be_told(person: User, child: Child | None) -> bool:
    """Whether a message naming this child may go to this person (a restricted child's only
    to the people named on or allocated to it)."""
    return child is None or not child.restricted or may_see_child(person, child)


def _manager_of(person: User) -> User | None:
    if person.line_manager_id:
        return person.line_manager
    team = person.team
    if team is not None and team.manager_id and team.manager_id != person.pk:
        return team.manager
    return None


@transaction.atomic
def external_agency_note_add(
    *,
    child: Child,
    by: User,
    agency: str,
    level: str,
    summary: str,
    recorded_on: dt.date,
) -> ExternalAgencyNote:
    if recorded_on > rules.today():
        raise ValidationError({"recorded_on": "The date must be today or earlier."})
    note = ExternalAgencyNote(
        child=child,
        agency=agency,
        level=level,
        summary=summary,
        recorded_by=by,
        recorded_on=recorded_on,
    )
    note.full_clean()
    note.save()
    return note


def children_for(concern: Concern) -> Iterable[Child]:
    return [link.child for link in concern.concern_children.select_related("child")]
