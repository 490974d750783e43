"""Celery tasks: thin wrappers that call a service and record that the job ran."""

from celery import shared_task
from django.utils import timezone

from prp.models import JobHeartbeat

from . import services


def record(name: str) -> None:
    JobHeartbeat.objects.update_or_create(name=name, defaults={"last_success_at": timezone.now()})


@shared_task(name="notifications.send_outbox")
def send_outbox() -> int:
    """Send every message that is due. Safe to run often and in parallel: rows are claimed."""
    sent = services.send_due()
    record("send_outbox")
    return sent
