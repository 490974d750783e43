"""Whether a reminder or chase queued by the scans is still needed when it is about to go.

A chase scan at night queues the next morning's messages; if the review step is done, the
recommendation completed or the review date moved before then, the message would be wrong.
Each key names what the message is about (see reminders.review_chase). Registered with the
outbox (notifications.stale) from RemindersConfig.ready().
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from cases.models import Child, PlannedStep, ReviewStep
from notifications.models import Kind
from qapr.models import Recommendation

CHECKED_KINDS = (
    Kind.REVIEW_STEP_DUE,
    Kind.REVIEW_STEP_OVERDUE,
    Kind.RECOMMENDATION_OVERDUE,
    Kind.REVIEW_DUE,
    Kind.QAPR_DUE,
)


def _part(key: str, index: int) -> str:
    parts = key.split(":")
    return parts[index] if len(parts) > abs(index) else ""


def still_needed(kind: str, key: str) -> bool:
    try:
        if kind in (Kind.REVIEW_STEP_DUE, Kind.REVIEW_STEP_OVERDUE) and _part(key, 1) == "planned":
            # A step before a review: done since, or its review no longer coming.
            return (
                PlannedStep.objects.filter(pk=int(_part(key, 2)), done_on__isnull=True)
                .filter(
                    Q(planned__closed_on__isnull=True)
                    | Q(kind=PlannedStep.Kind.VISIT_NOTE, planned__held_review__isnull=False)
                )
                .exists()
            )
        if kind in (Kind.REVIEW_STEP_DUE, Kind.REVIEW_STEP_OVERDUE):
            return ReviewStep.objects.filter(pk=int(_part(key, 2)), done_on__isnull=True).exists()
        if kind == Kind.RECOMMENDATION_OVERDUE:
            return Recommendation.objects.filter(
                pk=int(_part(key, 2)), done_on__isnull=True, archived_at__isnull=True
            ).exists()
        if kind in (Kind.REVIEW_DUE, Kind.QAPR_DUE):
            field = "review_due_on" if kind == Kind.REVIEW_DUE else "qapr_due_on"
            due_on = dt.date.fromisoformat(_part(key, -1))
            return Child.objects.filter(pk=int(_part(key, 2)), **{field: due_on}).exists()
    except ValueError:
        # A key in an older shape: send it rather than lose it.
        return True
    return True
