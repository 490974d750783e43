"""The child's chronology: everything this service holds about one child, in date order.

A selector: it reads, it never writes. The caller has already checked the child is visible
(cases.selectors.child_get), and the concerns are the ones this person may see. A page-level
module, used by the chronology page and its PDF: it reads the concerns and QAPRs above cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cases.models import Child
from escalations.models import GoodPracticeNote
from escalations.selectors import concerns_about_child
from prp.models import RoleCode, User
from prp.workdays import working_days_between

KINDS = {
    "concern": "Concerns",
    "action": "Agreed actions",
    "qapr": "Quality assurance (QAPR)",
    "review": "Statutory reviews",
    "change": "Significant changes",
    "good_practice": "Good practice",
    "agency": "External agency notes",
}


@dataclass(frozen=True)
class Entry:
    on: dt.date
    kind: str
    title: str
    detail: str
    who: object  # a user, or None when the record names nobody
    working_days: int | None = None

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


# How the people on the record are shown: by name, or (for a bundle shared beyond the service)
# by the job they do.
STAFF_BY = {"name": "Name", "role": "Role (no names)"}
NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class Line:
    """An entry as shown: the person who made it by name or by role."""

    entry: Entry
    who: str


def role_label(codes) -> str:
    """The first of a person's roles in the order of the pathway (an IRO before a manager)."""
    for code in RoleCode:
        if code in codes:
            return code.label
    return ""


def staff_label(person, *, by_role: bool, codes=None) -> str:
    """A person as the chronology shows them: their name, or the job they do. `codes`: their
    role codes when the caller has loaded them already."""
    if not isinstance(person, User):
        return str(person) if person else NOT_RECORDED
    if not by_role:
        return person.get_full_name() or str(person)
    codes = person.role_codes if codes is None else codes
    return role_label(codes) or person.job_title or "Member of staff"


def shown(entries: list[Entry], *, by_role: bool) -> list[Line]:
    """The entries with each person named, or described by their role (one query for all)."""
    people = {e.who.pk for e in entries if isinstance(e.who, User)}
    roles: dict[int, set[str]] = {pk: set() for pk in people}
    if by_role and people:
        through = User.roles.through.objects.filter(user_id__in=people)
        for user_id, code in through.values_list("user_id", "role_id"):
            roles[user_id].add(code)
    return [
        Line(e, staff_label(e.who, by_role=by_role, codes=roles.get(getattr(e.who, "pk", None))))
        for e in entries
    ]


def _concern_entries(user, child: Child) -> list[Entry]:
    entries = []
    for concern in concerns_about_child(user, child).prefetch_related(
        "stages__protocol_stage", "stages__outcome_by", "actions__owner"
    ):
        raised = concern.opened_on or concern.created_at.date()
        entries.append(
            Entry(raised, "concern", f"Concern raised: {concern.title}", "", concern.raised_by)
        )
        for stage in concern.stages.all():
            took = (
                working_days_between(stage.opened_on, stage.outcome_on)
                if stage.outcome_on
                else None
            )
            name = str(stage.protocol_stage)
            entries.append(
                Entry(stage.opened_on, "concern", f"{name} opened", concern.title, stage.raised_by)
            )
            if stage.outcome_on:
                entries.append(
                    Entry(
                        stage.outcome_on,
                        "concern",
                        f"{name} outcome: {stage.get_outcome_display()}",
                        stage.outcome_comments,
                        stage.outcome_by,
                        took,
                    )
                )
        for action in concern.actions.all():
            if action.archived_at:
                continue
            entries.append(
                Entry(
                    action.recorded_at.date(),
                    "action",
                    "Action agreed",
                    action.description,
                    action.recorded_by,
                )
            )
            if action.done_on:
                entries.append(
                    Entry(action.done_on, "action", "Action done", action.description, action.owner)
                )
    return entries


def _qapr_entries(child: Child) -> list[Entry]:
    entries = []
    for qapr in child.qaprs.filter(completed_on__isnull=False).select_related("author"):
        grade = qapr.get_grade_display() or "not graded"
        entries.append(
            Entry(
                qapr.completed_on,
                "qapr",
                f"QAPR completed: {grade}",
                qapr.grade_rationale,
                qapr.author,
            )
        )
        for rec in qapr.recommendations.filter(archived_at__isnull=True).select_related("owner"):
            entries.append(
                Entry(rec.created_at.date(), "qapr", "QAPR recommendation", rec.text, rec.owner)
            )
    return entries


def _review_entries(child: Child) -> list[Entry]:
    entries = []
    for review in child.reviews.select_related("chair").prefetch_related("steps__done_by"):
        entries.append(
            Entry(review.held_on, "review", f"{review.get_kind_display()} held", "", review.chair)
        )
        for step in review.steps.all():
            if step.done_on:
                took = working_days_between(review.held_on, step.done_on)
                entries.append(
                    Entry(
                        step.done_on,
                        "review",
                        f"Review step done: {step.get_kind_display()}",
                        "",
                        step.done_by,
                        took,
                    )
                )
    return entries


def _change_entries(child: Child) -> list[Entry]:
    entries = []
    for change in child.significant_changes.select_related("recorded_by", "decided_by"):
        label = change.get_kind_display()
        entries.append(
            Entry(
                change.occurred_on, "change", f"Significant change: {label}", "", change.recorded_by
            )
        )
        if change.decided_on:
            took = working_days_between(change.occurred_on, change.decided_on)
            entries.append(
                Entry(
                    change.decided_on,
                    "change",
                    f"Decision: {change.get_decision_display()}",
                    label,
                    change.decided_by,
                    took,
                )
            )
    return entries


def _note_entries(child: Child) -> list[Entry]:
    entries = [
        Entry(n.created_at.date(), "good_practice", "Good practice noted", n.note, n.author)
        for n in GoodPracticeNote.objects.filter(child=child).select_related("author")
    ]
    entries += [
        Entry(n.recorded_on, "agency", f"Agency note: {n.agency}", n.summary, n.recorded_by)
        for n in child.agency_notes.select_related("recorded_by")
    ]
    return entries


def chronology(user, child: Child, start=None, end=None, kinds=None) -> list[Entry]:
    """Every entry about the child, oldest first, within the dates and kinds asked for."""
    entries = (
        _concern_entries(user, child)
        + _qapr_entries(child)
        + _review_entries(child)
        + _change_entries(child)
        + _note_entries(child)
    )
    wanted = [
        e
        for e in entries
        if (start is None or e.on >= start)
        and (end is None or e.on <= end)
        and (not kinds or e.kind in kinds)
    ]
    # A stable sort keeps a concern's own entries in the order they were assembled.
    return sorted(wanted, key=lambda e: e.on)
