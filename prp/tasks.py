from celery import shared_task
from django.utils import timezone

from .models import JobHeartbeat


@shared_task(name="prp.tasks.heartbeat")
def heartbeat() -> None:
    """Records that the scheduler and a worker are alive, for monitoring."""
    JobHeartbeat.objects.update_or_create(
        name="heartbeat", defaults={"last_success_at": timezone.now()}
    )
