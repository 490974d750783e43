"""Background jobs for children's review schedules."""

from __future__ import annotations

import logging

from celery import shared_task

from . import schedule, services
from .models import Child, ChildStatus

log = logging.getLogger(__name__)

CHUNK = 200
SCHEDULED_STATUSES = (ChildStatus.CHILD_IN_CARE, ChildStatus.CHILD_PROTECTION)


def refresh_all_schedules(*, chunk: int = CHUNK) -> int:
    """Work out again when every child in care or on a plan is next due a review and a QAPR.

    Run after the authority changes a timescale. The rules are read once; the children are
    loaded a chunk at a time with their key dates and reviews, so memory stays flat.
    """
    rules = schedule.load_rules()
    ids = list(
        Child.objects.filter(status__in=SCHEDULED_STATUSES, archived_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), chunk):
        children = Child.objects.filter(pk__in=ids[start : start + chunk]).prefetch_related(
            "key_dates", "reviews"
        )
        for child in children:
            services.child_refresh_schedule(child=child, rules=rules)
    return len(ids)


@shared_task(name="cases.refresh_schedules")
def refresh_schedules() -> int:
    count = refresh_all_schedules()
    log.info("Review schedules worked out again for %s children", count)
    return count
