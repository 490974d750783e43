"""Which messages each change of the pathway sends, and to whom. Called by escalations.services
inside the transaction of the change, so a message exists only if the change was saved."""

from __future__ import annotations

from django.urls import reverse

from notifications.models import Kind
from notifications.services import Message, notify
from prp.models import User

from . import rules
from .models import Concern, GoodPracticeNote, Stage, Task


def _concern_url(concern: Concern) -> str:
    return reverse("escalations:concern_detail", args=[concern.pk])


def _task_url(task: Task) -> str:
    return reverse("escalations:task_detail", args=[task.pk])


def _context(concern: Concern, **extra) -> dict:
    child = rules.primary_child(concern)
    return {"concern": concern, "child": child, "children": concern_children(concern), **extra}


def concern_children(concern: Concern) -> list:
    return [link.child for link in concern.concern_children.select_related("child")]


def delegated(task: Task, *, escalated: bool = False) -> None:
    """To the assignee (delegated, or escalated to them), copying the stage's copy list."""
    stage = task.stage
    concern = stage.concern
    context = _context(concern, task=task, stage=stage, assignee=task.assignee)
    kind = Kind.ESCALATED if escalated else Kind.DELEGATED
    messages = [
        Message(
            task.assignee,
            kind,
            f"{kind}:task:{task.pk}:{task.assignee_id}",
            context,
            url=_task_url(task),
            concern=concern,
            task=task,
        )
    ]
    for person in rules.stage_copies(stage):
        if person.pk != task.assignee_id:
            messages.append(
                Message(
                    person,
                    Kind.COPIED,
                    f"copied:task:{task.pk}:{person.pk}",
                    context,
                    url=_concern_url(concern),
                    concern=concern,
                    task=task,
                )
            )
    notify(*messages)


def responded(task: Task) -> None:
    stage = task.stage
    concern = stage.concern
    people = {concern.raised_by_id: concern.raised_by, stage.raised_by_id: stage.raised_by}
    if stage.accountable_owner_id:
        # The manager who passed the task on stays accountable and hears of the answer.
        people[stage.accountable_owner_id] = stage.accountable_owner
    context = _context(concern, task=task, stage=stage, assignee=task.assignee)
    notify(
        *(
            Message(
                person,
                Kind.RESPONDED,
                f"responded:task:{task.pk}:{task.lock_version}:{person.pk}",
                context,
                url=_concern_url(concern),
                concern=concern,
                task=task,
            )
            for person in people.values()
        )
    )


def outcome(stage: Stage) -> None:
    """To the child's social worker and team manager and the stage's copy list; for a referral
    to CAFCASS also everyone the protocol says is told and the manager consulted; and, where
    the stage says so, the IRO of a child in care when it ends unresolved."""
    concern = stage.concern
    child = rules.primary_child(concern)
    people: list[User] = []
    if child is not None:
        people += [child.social_worker, child.team.manager if child.team else None]
    people += rules.stage_copies(stage)
    if stage.outcome == "refer_cafcass":
        people += [stage.cafcass_consulted, *(told.person for told in rules.cafcass_told(concern))]
    context = _context(concern, stage=stage)
    # The child's IRO, or the IRO Service Manager standing in, says why (cases.reviewer).
    prompted = {p.person.pk: p for p in rules.prompts_legal_advice_and_cafcass(stage)}
    seen: set[int] = set()
    messages = []
    for person in [*(p.person for p in prompted.values()), *people]:
        if person is None or person.pk in seen or person.pk == stage.outcome_by_id:
            continue
        seen.add(person.pk)
        prompt = prompted.get(person.pk)
        extra = (
            {"prompt_cafcass": True, "reviewer": prompt.reviewer, "reviewed_child": prompt.child}
            if prompt
            else {"prompt_cafcass": False}
        )
        messages.append(
            Message(
                person,
                Kind.OUTCOME,
                f"outcome:stage:{stage.pk}:{person.pk}",
                {**context, **extra},
                url=_concern_url(concern),
                concern=concern,
            )
        )
    notify(*messages)


def retracted(task: Task) -> None:
    concern = task.stage.concern
    notify(
        Message(
            task.assignee,
            Kind.RETRACTED,
            f"retracted:task:{task.pk}",
            _context(concern, task=task, stage=task.stage),
            url=_task_url(task),
            concern=concern,
            task=task,
        )
    )


def reactivated(task: Task) -> None:
    concern = task.stage.concern
    notify(
        Message(
            task.assignee,
            Kind.REACTIVATED,
            f"reactivated:task:{task.pk}:{task.lock_version}",
            _context(concern, task=task, stage=task.stage),
            url=_task_url(task),
            concern=concern,
            task=task,
        )
    )


def good_practice(note: GoodPracticeNote) -> None:
    people = [note.recipient, *note.copied_to.all()]
    context = {"note": note, "child": note.child}
    notify(
        *(
            Message(
                person,
                Kind.GOOD_PRACTICE,
                f"good_practice:note:{note.pk}:{person.pk}",
                context,
                url=reverse("escalations:good_practice_list"),
                child=note.child,
            )
            for person in people
        )
    )


def immediate_safeguarding(contact, people: list[User]) -> None:
    """At once, at any hour: both service managers, with the 24-hour deadline."""
    concern = contact.concern
    context = _context(concern, contact=contact)
    notify(
        *(
            Message(
                person,
                Kind.IMMEDIATE_SAFEGUARDING,
                f"immediate_safeguarding:{contact.pk}:{person.pk}",
                context,
                url=_concern_url(concern),
                concern=concern,
            )
            for person in people
        )
    )


def safeguarding_contact_due(contact, people: list[User], now) -> None:
    """The hourly chase until the contact is recorded (at any hour: the clock is real hours)."""
    concern = contact.concern
    hours_left = contact.hours_left(now)
    context = _context(concern, contact=contact, hours_left=hours_left, hours_late=-hours_left)
    stamp = now.strftime("%Y-%m-%dT%H")
    notify(
        *(
            Message(
                person,
                Kind.SAFEGUARDING_CONTACT_DUE,
                f"safeguarding_contact_due:{contact.pk}:{stamp}:{person.pk}",
                context,
                # "Record the contact": straight to the form (each recipient is one of the two
                # managers, who may record it; once recorded it opens the concern).
                url=reverse("escalations:safeguarding_contact", args=[concern.pk]),
                concern=concern,
            )
            for person in people
        )
    )
