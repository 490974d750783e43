from celery import shared_task
from django.utils import timezone

from . import retention
from .models import JobHeartbeat


@shared_task(name="prp.tasks.heartbeat")
def heartbeat() -> None:
    """Records that the scheduler and a worker are alive, for monitoring."""
    JobHeartbeat.objects.update_or_create(
        name="heartbeat", defaults={"last_success_at": timezone.now()}
    )


@shared_task(name="prp.archive_closed_concerns")
def archive_closed_concerns() -> int:
    """Archive concerns closed longer ago than CONCERN_ARCHIVE_AFTER_DAYS. Safe to run twice."""
    count = retention.archive_closed_concerns()
    JobHeartbeat.objects.update_or_create(
        name="archive_closed_concerns", defaults={"last_success_at": timezone.now()}
    )
    return count
