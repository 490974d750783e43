"""A protocol version that concerns use never changes, by any path (issue 14 rule 15).

A concern's deadlines are stored when each stage opens, but its later stages are opened from
the protocol version it keeps, so changing that version would move what is still to come. The
admin refuses such edits; this module refuses them in the model layer too: `save()`, `delete()`,
`QuerySet.update()`, `bulk_create()` and the stages' role lists, for the protocol and every row
hanging off it. Copying to a new version stays the way to change a ladder
(`prp.presets.copy_as_new_version`).

The core does not know what "in use" means (concerns live in a higher app): that app registers a
check here in its `AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import models

# Changing these moves no deadline: activating a version, and the admin's edit counter.
FREE_FIELDS = frozenset({"is_active", "lock_version"})
MESSAGE = (
    "This protocol version is used by concerns, so it cannot change. "
    "Copy it as a new version, change the copy and make it active."
)

_in_use_checks: list[Callable[[Iterable[int]], bool]] = []


class ProtocolInUse(ValidationError):
    def __init__(self):
        super().__init__(MESSAGE, code="protocol_in_use")


def register_in_use_check(check: Callable[[Iterable[int]], bool]) -> None:
    """`check(protocol_ids)` says whether any of those protocol versions is in use."""
    if check not in _in_use_checks:
        _in_use_checks.append(check)


def in_use(protocol_ids: Iterable[int]) -> bool:
    ids = [pk for pk in protocol_ids if pk is not None]
    return bool(ids) and any(check(ids) for check in _in_use_checks)


def refuse_if_in_use(protocol_ids: Iterable[int]) -> None:
    if in_use(protocol_ids):
        raise ProtocolInUse()


class FrozenQuerySet(models.QuerySet):
    """`protocol_field` names the protocol's id on the row ("pk" for the protocol itself)."""

    protocol_field = "protocol_id"

    def _protocol_ids(self):
        return set(self.values_list(self.protocol_field, flat=True))

    def update(self, **kwargs):
        if set(kwargs) - FREE_FIELDS:
            refuse_if_in_use(self._protocol_ids())
        return super().update(**kwargs)

    update.queryset_only = True

    def delete(self):
        refuse_if_in_use(self._protocol_ids())
        return super().delete()

    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        refuse_if_in_use({obj._frozen_protocol_id() for obj in objs})
        return super().bulk_create(objs, *args, **kwargs)


class FrozenWhenInUse(models.Model):
    """A row of a protocol version: refuses to change while the version is in use."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if self._state.adding or self.pk is None:
            refuse_if_in_use([self._frozen_protocol_id()])
        elif self._changes(update_fields) - FREE_FIELDS:
            # The row's stored version as well as any it is being moved to.
            refuse_if_in_use({self._frozen_protocol_id(), self._stored_protocol_id()})
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_if_in_use([self._frozen_protocol_id()])
        return super().delete(*args, **kwargs)

    def _frozen_protocol_id(self):
        return self.protocol_id

    def _stored_protocol_id(self):
        column = type(self)._default_manager.get_queryset().protocol_field
        return type(self)._base_manager.filter(pk=self.pk).values_list(column, flat=True).first()

    def _changes(self, update_fields) -> set[str]:
        """The fields this save would change (a save that changes nothing is harmless)."""
        if update_fields is not None and not set(update_fields) - FREE_FIELDS:
            return set()
        stored = type(self)._base_manager.filter(pk=self.pk).values().first()
        if stored is None:
            return {"pk"}
        fields = [
            field
            for field in self._meta.concrete_fields
            if update_fields is None or field.name in update_fields
        ]
        return {f.name for f in fields if stored[f.attname] != getattr(self, f.attname)}
