from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import workdays
from .models import ClosureDay


@receiver([post_save, post_delete], sender=ClosureDay)
def closure_days_changed(**kwargs):
    # Deadlines must use the new calendar at once, in this process and in every other. Again
    # after commit: a process that rebuilt before the commit would have read the old days.
    workdays.invalidate()
    transaction.on_commit(workdays.invalidate)
