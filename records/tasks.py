from celery import shared_task
from django.utils import timezone

from prp.models import JobHeartbeat

from . import retention


# The task keeps the name it had in prp, so the schedules kept in existing databases still run it.
@shared_task(name="prp.archive_closed_concerns")
def archive_closed_concerns() -> int:
    """Archive concerns closed longer ago than CONCERN_ARCHIVE_AFTER_DAYS. Safe to run twice."""
    count = retention.archive_closed_concerns()
    JobHeartbeat.objects.update_or_create(
        name="archive_closed_concerns", defaults={"last_success_at": timezone.now()}
    )
    return count
