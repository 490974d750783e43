from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from . import frozen, workdays
from .models import ClosureDay, ProtocolStage


@receiver([post_save, post_delete], sender=ClosureDay)
def closure_days_changed(**kwargs):
    # Deadlines must use the new calendar at once, in this process and in every other. Again
    # after commit: a process that rebuilt before the commit would have read the old days.
    workdays.invalidate()
    transaction.on_commit(workdays.invalidate)


@receiver(m2m_changed, sender=ProtocolStage.raised_by.through)
@receiver(m2m_changed, sender=ProtocolStage.copy_to.through)
def stage_roles_changing(*, instance, action, **kwargs):
    # Who may raise a stage and who it copies are part of the ladder a concern keeps.
    if action in ("pre_add", "pre_remove", "pre_clear"):
        frozen.refuse_if_in_use([instance.protocol_id])
