"""Keeps Concern.about_restricted_child true exactly when a child of the concern is restricted.

The dashboards and reports count only concerns where it is false. It changes when children are
linked to a concern (the services, and the signals below for links made elsewhere) and when a
child's record is restricted or opened up (the Child signal below). Bulk inserts skip signals,
so whatever bulk-loads links calls `refresh_about_restricted` afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cases.models import Child
from prp.audit import update_recorded

from .models import Concern, ConcernChild


def _any_restricted_child() -> Exists:
    return Exists(ConcernChild.objects.filter(concern=OuterRef("pk"), child__restricted=True))


def refresh_about_restricted(concern_ids: Iterable[int] | None = None) -> int:
    """Recompute the flag (for the given concerns, or all); returns how many rows changed."""
    concerns = Concern.objects.all()
    if concern_ids is not None:
        concerns = concerns.filter(pk__in=list(concern_ids))
    flagged = concerns.filter(about_restricted_child=False).filter(_any_restricted_child())
    cleared = concerns.filter(about_restricted_child=True).exclude(_any_restricted_child())
    return update_recorded(flagged, about_restricted_child=True) + update_recorded(
        cleared, about_restricted_child=False
    )


@receiver(post_save, sender=ConcernChild)
@receiver(post_delete, sender=ConcernChild)
def _link_changed(sender, instance: ConcernChild, **kwargs) -> None:
    refresh_about_restricted([instance.concern_id])
    if ConcernChild.concern.is_cached(instance):
        # The caller's copy of the concern follows, so saving it later keeps the flag.
        concern = instance.concern
        concern.about_restricted_child = (
            Concern.objects.filter(pk=concern.pk).values_list("about_restricted_child", flat=True)
        ).first() or False


@receiver(post_save, sender=Child)
def _child_saved(sender, instance: Child, created: bool, **kwargs) -> None:
    unchanged = instance.restricted == getattr(instance, "_restricted_when_loaded", None)
    instance._restricted_when_loaded = instance.restricted
    if created or unchanged:
        return
    concern_ids = ConcernChild.objects.filter(child=instance).values_list("concern_id", flat=True)
    refresh_about_restricted(concern_ids)
