"""Changes to children's records. Each is one transaction."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from prp.models import Team, User

from .models import Allocation, Child

_CHILD_FIELD = {
    Allocation.Kind.REVIEWING_OFFICER: "reviewing_officer",
    Allocation.Kind.SOCIAL_WORKER: "social_worker",
    Allocation.Kind.TEAM: "team",
}


@transaction.atomic
def child_allocate(
    *,
    child: Child,
    kind: str,
    start_date: dt.date,
    recorded_by: User | None,
    worker: User | None = None,
    team: Team | None = None,
) -> Allocation:
    """Allocate a worker (or team) to a child from `start_date`, ending the current one."""
    child = Child.objects.select_for_update().get(pk=child.pk)
    current = Allocation.objects.filter(child=child, kind=kind, end_date__isnull=True).first()
    if current is not None:
        if start_date < current.start_date:
            raise ValidationError(
                {"start_date": "The new allocation must start on or after the current one."}
            )
        current.end_date = start_date
        current.full_clean()
        current.save(update_fields=["end_date"])
    allocation = Allocation(
        child=child,
        kind=kind,
        worker=worker if kind != Allocation.Kind.TEAM else None,
        team=team if kind == Allocation.Kind.TEAM else None,
        start_date=start_date,
        recorded_by=recorded_by,
    )
    allocation.full_clean()
    allocation.save()
    field = _CHILD_FIELD[kind]
    setattr(child, field, allocation.holder)
    child.save(update_fields=[field, "updated_at"])
    return allocation


@transaction.atomic
def child_sync_current_allocation(*, child: Child) -> Child:
    """Set the child's current team and workers from their open allocations."""
    child = Child.objects.select_for_update().get(pk=child.pk)
    current = {a.kind: a for a in child.allocations.filter(end_date__isnull=True)}
    for kind, field in _CHILD_FIELD.items():
        allocation = current.get(kind)
        setattr(child, field, allocation.holder if allocation else None)
    child.save(update_fields=[*_CHILD_FIELD.values(), "updated_at"])
    return child
