"""Celery tasks: thin wrappers that call a service and record that the job ran."""

from celery import shared_task
from django.utils import timezone

from prp.models import JobHeartbeat

from . import chase as chase_service
from . import digests, services
from .health import CHASE_JOB


def _record(name: str) -> None:
    JobHeartbeat.objects.update_or_create(name=name, defaults={"last_success_at": timezone.now()})


@shared_task(name="notifications.send_outbox")
def send_outbox() -> int:
    """Send every message that is due. Safe to run often and in parallel: rows are claimed."""
    sent = services.send_due()
    _record("send_outbox")
    return sent


@shared_task(name="notifications.chase")
def chase() -> dict:
    """Queue the reminders and chases for the working day. Safe to run twice or in parallel:
    messages are keyed by task, day and recipient."""
    counts = chase_service.chase_scan()
    _record(CHASE_JOB)
    return counts


@shared_task(name="notifications.daily_digests")
def daily_digests() -> dict:
    """The digests of reminders and of each team's overdue work (working days only)."""
    result = {
        "digests": digests.send_daily_digests(),
        "team_digests": digests.send_team_digests(),
    }
    _record("daily_digests")
    return result
