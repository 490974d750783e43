"""Celery tasks of the pathway: thin wrappers that call a service and record that the job ran."""

from celery import shared_task
from django.utils import timezone

from prp.models import JobHeartbeat

from . import safeguarding


@shared_task(name="escalations.chase_safeguarding_contacts")
def chase_safeguarding_contacts() -> int:
    """Every hour, at any hour: the immediate safeguarding contacts not yet recorded."""
    chased = safeguarding.chase()
    JobHeartbeat.objects.update_or_create(
        name="chase_safeguarding_contacts", defaults={"last_success_at": timezone.now()}
    )
    return chased
