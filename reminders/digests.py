"""Daily digests: one email a working morning instead of separate reminders, for the people who
chose it; and each team manager's list of their team's overdue responses."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from escalations.models import Task, TaskState
from notifications import audience, naming
from notifications.models import ABOUT_A_LIVE_TASK, Kind, Notification, Status
from notifications.sender import ANSWERED, DEALT_WITH
from notifications.services import Message, absolute, notify
from prp import workdays
from prp.models import User

from . import schedule, stale
from .chase import children_by_concern

# The order a digest lists its items in: the most pressing first.
KIND_ORDER = [
    Kind.OVERDUE,
    Kind.OVERDUE_COPY,
    Kind.ACTION_OVERDUE,
    Kind.REVIEW_STEP_OVERDUE,
    Kind.RECOMMENDATION_OVERDUE,
    Kind.DUE_TODAY,
    Kind.REVIEW_STEP_DUE,
    Kind.REMINDER,
    Kind.REVIEW_DUE,
    Kind.QAPR_DUE,
]
ORDER = {kind: place for place, kind in enumerate(KIND_ORDER)}


def _working_day(now: dt.datetime) -> dt.date | None:
    """Today, if digests may go out now (a working day, in working hours)."""
    return timezone.localdate(now) if schedule.in_working_hours(now) else None


def send_daily_digests(now: dt.datetime | None = None) -> int:
    """Gather each digest reader's waiting reminders and chases into one message.

    One query finds every waiting row; then, per reader, a transaction that holds the reader's
    row lock checks today's digest is not already queued, queues it and marks the rows it lists,
    so a second or concurrent run neither doubles the digest nor loses a row. Rows that arrive
    after today's digest wait for tomorrow's. Returns how many digests were queued.
    """
    now = now or timezone.now()
    day = _working_day(now)
    if day is None:
        return 0
    pending = Notification.objects.filter(
        status=Status.PENDING, by_digest=True, send_after__lte=now
    )
    # Nothing about a child the reader may no longer hear about (a record restricted since).
    audience.set_aside(pending)
    # Chases about tasks answered since they were queued are not worth reading.
    pending.filter(kind__in=ABOUT_A_LIVE_TASK, task__isnull=False).exclude(
        task__state=TaskState.ACTIVE
    ).update(status=Status.NOT_NEEDED, not_needed_reason=ANSWERED)
    dealt_with = [
        row["id"]
        for row in pending.filter(kind__in=stale.CHECKED_KINDS).values("id", "kind", "key")
        if not stale.still_needed(row["kind"], row["key"])
    ]
    Notification.objects.filter(pk__in=dealt_with).update(
        status=Status.NOT_NEEDED, not_needed_reason=DEALT_WITH
    )
    waiting = (
        pending.filter(status=Status.PENDING)
        .order_by("recipient_id", "send_after", "id")
        .values("id", "recipient_id", "kind", "subject", "url", "send_after")
    )
    by_person: dict[int, list[dict]] = defaultdict(list)
    for row in waiting:
        by_person[row["recipient_id"]].append(row)
    queued = 0
    for person_id, rows in by_person.items():
        key = f"digest:{person_id}:{day.isoformat()}"
        with transaction.atomic():
            person = User.objects.select_for_update().get(pk=person_id)
            if Notification.objects.filter(key=key).exists():
                continue
            rows.sort(key=lambda r: ORDER.get(r["kind"], len(ORDER)))
            items = [{"subject": row["subject"], "url": absolute(row["url"])} for row in rows]
            queued += notify(
                Message(
                    person,
                    Kind.DIGEST,
                    key,
                    {"items": items, "day": day},
                    url=reverse("escalations:task_inbox"),
                    send_after=schedule.send_time(now),
                )
            )
            # Each row remembers its digest, so the sender checks them again before it goes.
            digest = Notification.objects.filter(key=key).first()
            Notification.objects.filter(
                pk__in=[row["id"] for row in rows], status=Status.PENDING
            ).update(status=Status.IN_DIGEST, digest=digest)
    return queued


def team_overdue(day: dt.date):
    """Active tasks past their due date, assigned to a member of a team with a manager (not the
    manager themself): one indexed query over (state, due_on)."""
    return (
        Task.objects.filter(
            state=TaskState.ACTIVE,
            due_on__lt=day,
            assignee__team__manager__isnull=False,
            assignee__team__manager__is_active=True,
            assignee__team__is_active=True,
        )
        .select_related("assignee__team__manager", "stage__concern", "stage__protocol_stage")
        .order_by("due_on", "pk")
    )


def send_team_digests(now: dt.datetime | None = None) -> int:
    """Each team manager's daily list of their team's overdue responses: who, which concern,
    how many working days late. Returns how many digests were queued."""
    now = now or timezone.now()
    day = _working_day(now)
    if day is None:
        return 0
    by_manager: dict[int, list[Task]] = defaultdict(list)
    managers: dict[int, User] = {}
    for task in team_overdue(day):
        manager = task.assignee.team.manager
        if manager.pk == task.assignee_id:
            continue  # their own overdue work reaches them as chases
        by_manager[manager.pk].append(task)
        managers[manager.pk] = manager
    if not by_manager:
        return 0
    children = children_by_concern(
        task.stage.concern_id for tasks in by_manager.values() for task in tasks
    )
    messages = []
    for manager_id, tasks in by_manager.items():
        # A concern about a child the manager may not hear about is left out (one query each).
        hidden = audience.hidden_ids(
            "escalations.concern", manager_id, {task.stage.concern_id for task in tasks}
        )
        rows, listed = [], {}
        for task in tasks:
            concern = task.stage.concern
            kids = children.get(concern.pk, [])
            if concern.pk in hidden:
                continue
            listed[concern.pk] = concern
            rows.append(
                {
                    "assignee": task.assignee.full_name,
                    "reference": concern.reference,
                    "title": concern.title,
                    "child": naming.child_name(kids[0]) if kids else "",
                    "stage": task.stage.protocol_stage.label,
                    "due_on": task.due_on,
                    "days_late": workdays.working_days_between(task.due_on, day),
                    "url": absolute(reverse("escalations:concern_detail", args=[concern.pk])),
                }
            )
        if not rows:
            continue
        messages.append(
            Message(
                managers[manager_id],
                Kind.TEAM_DIGEST,
                f"team_digest:{manager_id}:{day.isoformat()}",
                {"rows": rows, "day": day},
                url=reverse("escalations:concern_list"),
                send_after=schedule.send_time(now),
                concerns=list(listed.values()),
            )
        )
    with transaction.atomic():
        return notify(*messages)
