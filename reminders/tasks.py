"""Celery tasks: thin wrappers that call a scan and record that the job ran. They keep the names
they had in notifications, so the schedules kept in existing databases still run them."""

from celery import shared_task

from notifications.health import CHASE_JOB
from notifications.tasks import record

from . import chase as chase_service
from . import digests


@shared_task(name="notifications.chase")
def chase() -> dict:
    """Queue the reminders and chases for the working day. Safe to run twice or in parallel:
    messages are keyed by task, day and recipient."""
    counts = chase_service.chase_scan()
    record(CHASE_JOB)
    return counts


@shared_task(name="notifications.daily_digests")
def daily_digests() -> dict:
    """The digests of reminders and of each team's overdue work (working days only)."""
    result = {
        "digests": digests.send_daily_digests(),
        "team_digests": digests.send_team_digests(),
    }
    record("daily_digests")
    return result
