"""Archiving closed concerns, and removing personal details once they are past retention.

Archiving (daily job, `manage.py archive_closed_concerns`): a resolved or withdrawn concern is
archived `CONCERN_ARCHIVE_AFTER_DAYS` after it closed. It leaves the working lists and stays on
the child's page, its own page and in every figure.

Anonymising (`manage.py anonymise_expired`, a dry run unless `--apply`), `RETENTION_YEARS` after:
- a concern closed: its free text (title, the concerns, impact and views, discussions, actions,
  responses, outcomes, file names, messages about it, its history's wording) is replaced with a
  fixed placeholder and its files' content is removed (each row stays, marked removed);
- a child's record closed (archived), and every concern about them is past retention too: their
  name, case reference and day of birth (the year is kept), and the free text of their reviews,
  key dates, significant changes, QAPRs, recommendations, good practice notes, external agency
  notes, history and messages.
Dates, categories, grades, states and who did what stay, so the figures still add up. What was
done is written to the concern's and the child's history. Running it again does nothing more.

The audit trail keeps who looked at and changed what, and when, but its copies of that text go
too: each entry about an anonymised row has its description and the before/after values of those
fields replaced. This is the one change ever made to audit entries, done with a queryset update
because the entries refuse to be saved (prp/audit.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cases.models import (
    Allocation,
    Child,
    ChildLog,
    KeyDate,
    PlannedStep,
    Review,
    ReviewStep,
    SiblingGroup,
    SignificantChange,
)
from escalations.models import (
    CLOSED_STATES,
    Action,
    Attachment,
    Concern,
    ConcernChild,
    Discussion,
    Event,
    ExternalAgencyNote,
    GoodPracticeNote,
    Stage,
    SubConcern,
    Task,
)
from notifications.models import Notification
from prp.audit import update_recorded
from qapr.models import Qapr, Recommendation

REMOVED = "Removed under the retention schedule"
NAME_REMOVED = ("Name", "removed")
MESSAGE_FIELDS = ("subject", "body_text", "body_html")

# Free text kept about a concern: (model, how it reaches the concern, its free-text fields).
CONCERN_TEXT = (
    (Concern, "pk", ("title",)),
    (SubConcern, "concern_id", ("description", "impact_on_child", "child_views")),
    (Discussion, "concern_id", ("held_with", "summary")),
    (Action, "concern_id", ("description", "owner_name")),
    (Stage, "concern_id", ("outcome_comments", "external_response")),
    (Task, "stage__concern_id", ("response", "actions_agreed", "retract_note")),
    (Attachment, "concern_id", ("original_name",)),
    (Notification, "concern_id", MESSAGE_FIELDS),
)
# Free text kept about a child, outside their concerns.
CHILD_TEXT = (
    (KeyDate, "child_id", ("note",)),
    (Review, "child_id", ("notes",)),
    (ReviewStep, "review__child_id", ("note",)),
    (PlannedStep, "planned__child_id", ("note",)),
    (SignificantChange, "child_id", ("details", "decision_reason")),
    (ExternalAgencyNote, "child_id", ("summary",)),
    (
        Qapr,
        "child_id",
        (
            "participation_rationale",
            "progress_rationale",
            "records_rationale",
            "safer_rationale",
            "views_summary",
            "grade_rationale",
            "impact_on_child",
            "ri_decision_reason",
            "good_practice_text",
            "reopen_reason",
        ),
    ),
    (Recommendation, "qapr__child_id", ("text", "done_note")),
    (GoodPracticeNote, "child_id", ("note", "impact_on_child")),
    (ChildLog, "child_id", ("summary",)),
    (Notification, "child_id", MESSAGE_FIELDS),
)
CHILD_IDENTIFIERS = ("first_name", "last_name", "reference", "date_of_birth")
# Rows whose description in the audit trail names the child, though they hold no free text.
CHILD_LINKS = ((ConcernChild, "child_id", ()), (Allocation, "child_id", ()))


def _label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


# Archiving ---------------------------------------------------------------------------------------


def archive_closed_concerns(*, now: dt.datetime | None = None) -> int:
    """Archive every concern closed more than CONCERN_ARCHIVE_AFTER_DAYS ago. Returns how many."""
    now = now or timezone.now()
    cutoff = timezone.localdate(now) - dt.timedelta(days=settings.CONCERN_ARCHIVE_AFTER_DAYS)
    # A resolved concern whose agreed actions are still being monitored stays on the lists.
    monitored = Action.objects.filter(
        concern_id=OuterRef("pk"), done_on__isnull=True, archived_at__isnull=True
    )
    due = Concern.objects.filter(
        state__in=CLOSED_STATES, closed_on__lt=cutoff, archived_at__isnull=True
    ).exclude(Exists(monitored))
    count = 0
    for pk in due.values_list("pk", flat=True).iterator():
        count += _archive_one(pk, now)
    return count


@transaction.atomic
def _archive_one(pk: int, now: dt.datetime) -> int:
    # Compare-and-set: a second job running at the same time archives nothing twice.
    if not update_recorded(
        Concern.objects.filter(pk=pk, archived_at__isnull=True), archived_at=now
    ):
        return 0
    days = settings.CONCERN_ARCHIVE_AFTER_DAYS
    Event.objects.create(
        concern_id=pk,
        kind=Event.Kind.ARCHIVED,
        actor=None,
        at=now,
        summary=f"Archived more than {days} days after it closed: no longer on working lists.",
    )
    return 1


# Anonymising -------------------------------------------------------------------------------------


def retention_cutoff(today: dt.date | None = None, years: int | None = None) -> dt.date:
    """The day RETENTION_YEARS before today (29 February falls back to 28 February)."""
    today = today or timezone.localdate()
    years = settings.RETENTION_YEARS if years is None else years
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


@dataclass
class Plan:
    """What is past retention, and how many rows of each model would change."""

    cutoff: dt.date
    concern_ids: list[int]
    child_ids: list[int]
    counts: Counter = field(default_factory=Counter)

    @property
    def is_empty(self) -> bool:
        return not (self.concern_ids or self.child_ids)


def expired_concerns(cutoff: dt.date) -> QuerySet[Concern]:
    return Concern.objects.filter(
        state__in=CLOSED_STATES, closed_on__lt=cutoff, anonymised_at__isnull=True
    )


def expired_children(cutoff: dt.date) -> QuerySet[Child]:
    """Children whose record closed before the cutoff, with every concern about them closed
    before it too (a concern still kept keeps the child's name)."""
    start_of_cutoff = timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min))
    kept = ConcernChild.objects.exclude(
        concern__state__in=CLOSED_STATES, concern__closed_on__lt=cutoff
    ).values("child_id")
    return Child.objects.filter(
        anonymised_at__isnull=True, archived_at__lt=start_of_cutoff
    ).exclude(pk__in=kept)


def _with_text(model, path: str, ids: list[int], fields: tuple[str, ...]) -> QuerySet:
    """The rows reached by `path` from `ids` with any of `fields` still holding text."""
    has_text = Q()
    for name in fields:
        has_text |= ~Q(**{name: ""}) & ~Q(**{name: REMOVED})
    return model.objects.filter(**{f"{path}__in": ids}).filter(has_text)


def plan(*, today: dt.date | None = None) -> Plan:
    cutoff = retention_cutoff(today)
    concern_ids = list(expired_concerns(cutoff).values_list("pk", flat=True))
    child_ids = list(expired_children(cutoff).values_list("pk", flat=True))
    result = Plan(cutoff, concern_ids, child_ids)
    for model, path, fields in CONCERN_TEXT:
        result.counts[_label(model)] += _with_text(model, path, concern_ids, fields).count()
    result.counts[_label(Event)] += Event.objects.filter(concern_id__in=concern_ids).count()
    result.counts["attachment files"] += _files(concern_ids).count()
    result.counts[_label(Child)] += len(child_ids)
    for model, path, fields in CHILD_TEXT:
        result.counts[_label(model)] += _with_text(model, path, child_ids, fields).count()
    result.counts[_label(SiblingGroup)] += _emptied_groups(child_ids).count()
    result.counts["audit entries"] += sum(
        _audit_entries(*target).count() for target in _audit_targets(result)
    )
    result.counts = Counter({label: n for label, n in result.counts.items() if n})
    return result


def _files(concern_ids: list[int]) -> QuerySet[Attachment]:
    return Attachment.objects.filter(concern_id__in=concern_ids, content_removed_at__isnull=True)


def _emptied_groups(child_ids: list[int]) -> QuerySet[SiblingGroup]:
    """Sibling groups (named after the family) left with only anonymised children."""
    remaining = Child.objects.filter(anonymised_at__isnull=True).exclude(pk__in=child_ids)
    return (
        SiblingGroup.objects.filter(children__in=child_ids)
        .exclude(children__in=remaining)
        .exclude(name=REMOVED)
        .distinct()
    )


def _blank(model, path: str, ids: list[int], fields: tuple[str, ...]) -> None:
    for name in fields:
        rows = model.objects.filter(**{f"{path}__in": ids}).exclude(**{name: ""})
        update_recorded(rows.exclude(**{name: REMOVED}), **{name: REMOVED})


@transaction.atomic
def apply(the_plan: Plan, *, now: dt.datetime | None = None) -> None:
    """Carry out the plan: replace the text, remove the files' content, record what was done."""
    now = now or timezone.now()
    concern_ids, child_ids = the_plan.concern_ids, the_plan.child_ids
    for model, path, fields in CONCERN_TEXT:
        _blank(model, path, concern_ids, fields)
    _plain_history(concern_ids)
    _remove_files(concern_ids, now)
    for model, path, fields in CHILD_TEXT:
        _blank(model, path, child_ids, fields)
    update_recorded(_emptied_groups(child_ids), name=REMOVED)
    # A message not yet sent keeps GOV.UK Notify's fields, which may name the child.
    Notification.objects.filter(Q(concern_id__in=concern_ids) | Q(child_id__in=child_ids)).exclude(
        personalisation={}
    ).update(personalisation={})
    _remove_identifiers(child_ids, now)
    # Last: the saves above write entries of their own, with the old values in them.
    _redact_audit(the_plan)
    # After the redaction: these entries hold dates only, and say the concern was anonymised.
    unarchived = Concern.objects.filter(pk__in=concern_ids, archived_at__isnull=True)
    update_recorded(unarchived, archived_at=now)
    update_recorded(Concern.objects.filter(pk__in=concern_ids), anonymised_at=now)
    _record(the_plan, now)


def _audit_targets(the_plan: Plan):
    """(model, path, ids, fields): the rows whose audit entries lose their text, and which
    fields' before/after values go."""
    for model, path, fields in CONCERN_TEXT:
        yield model, path, the_plan.concern_ids, fields
    for model, path, fields in (*CHILD_TEXT, *CHILD_LINKS):
        yield model, path, the_plan.child_ids, fields
    yield Child, "pk", the_plan.child_ids, CHILD_IDENTIFIERS


def _audit_entries(model, path: str, ids: list[int], fields=()) -> QuerySet[LogEntry]:
    """Entries about those rows not yet redacted (an entry's description is its row's text)."""
    if not ids or not auditlog.contains(model):
        return LogEntry.objects.none()
    rows = model.objects.filter(**{f"{path}__in": ids}).values("pk")
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=rows
    ).exclude(object_repr=REMOVED)


def _redact_audit(the_plan: Plan) -> None:
    for model, path, ids, fields in _audit_targets(the_plan):
        for entry in _audit_entries(model, path, ids).only("pk", "changes").iterator():
            changes = _redacted(entry.changes, fields)
            # Entries refuse save() (prp/audit.py); retention is the one sanctioned rewrite.
            LogEntry.objects.filter(pk=entry.pk).update(object_repr=REMOVED, changes=changes)


def _redacted(changes: dict | None, fields: tuple[str, ...]) -> dict | None:
    """The before/after pairs of `fields` with any value replaced; other fields as they were."""
    if not changes:
        return changes
    kept_empty = (None, "", "None")
    return {
        name: [v if v in kept_empty else REMOVED for v in value]
        if name in fields and isinstance(value, list)
        else value
        for name, value in changes.items()
    }


def _plain_history(concern_ids: list[int]) -> None:
    """A concern's history keeps what happened and when, in the kind's own words."""
    events = Event.objects.filter(concern_id__in=concern_ids)
    for kind, label in Event.Kind.choices:
        events.filter(kind=kind).update(summary=label)
    for event in events.filter(data__has_key="note"):
        event.data.pop("note")
        event.save(update_fields=["data"])


def _remove_files(concern_ids: list[int], now: dt.datetime) -> None:
    for attachment in _files(concern_ids):
        if attachment.file:
            attachment.file.delete(save=False)
        attachment.content_removed_at = now
        attachment.archived_at = attachment.archived_at or now
        attachment.save(update_fields=["file", "content_removed_at", "archived_at"])


def _remove_identifiers(child_ids: list[int], now: dt.datetime) -> None:
    first, last = NAME_REMOVED
    for child in Child.objects.filter(pk__in=child_ids):
        child.first_name, child.last_name = first, last
        child.reference = f"REMOVED-{child.pk}"
        # The year of birth is kept for the figures (age groups); the day is not.
        child.date_of_birth = child.date_of_birth.replace(month=1, day=1)
        child.anonymised_at = now
        child.lock_version += 1
        child.save(
            update_fields=[
                "first_name",
                "last_name",
                "reference",
                "date_of_birth",
                "anonymised_at",
                "lock_version",
                "updated_at",
            ]
        )


def _record(the_plan: Plan, now: dt.datetime) -> None:
    cutoff = f"{the_plan.cutoff.day} {the_plan.cutoff:%B %Y}"
    Event.objects.bulk_create(
        Event(
            concern_id=pk,
            kind=Event.Kind.ANONYMISED,
            actor=None,
            at=now,
            summary=f"Closed before {cutoff}: free text and files removed.",
        )
        for pk in the_plan.concern_ids
    )
    links = ConcernChild.objects.filter(concern_id__in=the_plan.concern_ids).select_related(
        "concern"
    )
    ChildLog.objects.bulk_create(
        [
            *(
                ChildLog(
                    child_id=link.child_id,
                    at=now,
                    summary=f"{link.concern.reference}: free text and files removed under the "
                    "retention schedule.",
                )
                for link in links
            ),
            *(
                ChildLog(
                    child_id=pk,
                    at=now,
                    summary="Record closed before "
                    f"{cutoff}: name, reference and free text removed under the retention "
                    "schedule.",
                )
                for pk in the_plan.child_ids
            ),
        ]
    )
