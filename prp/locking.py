"""Optimistic locking, the one way: a form sends the `lock_version` it was built from; if the row
moved on since, the change is refused with StaleEdit instead of overwriting what someone else
saved. Every service that changes a versioned row locks it through `lock_row`."""

from __future__ import annotations

STALE_MESSAGE = "This concern was changed by someone else. Check the latest version and try again."


class StaleEdit(Exception):
    """The record changed after the form was built. `current_version` is the version now."""

    def __init__(self, message: str = STALE_MESSAGE, *, current_version: int | None = None):
        super().__init__(message)
        self.message = message
        self.current_version = current_version


def lock_row(
    model, obj, lock_version: int | None, what: str, *, related: tuple = (), message: str = ""
):
    """The row, locked for this transaction, if it is still the version the form was built
    from (else StaleEdit); its version is stepped on, ready to save. `lock_version` None (a
    change the person did not start from a form) skips the comparison, never the lock."""
    rows = model.objects.select_for_update(of=("self",)).select_related(*related)
    fresh = rows.get(pk=obj.pk)
    if lock_version is not None and fresh.lock_version != lock_version:
        raise StaleEdit(
            message or f"This {what} was changed by someone else. Check it and try again.",
            current_version=fresh.lock_version,
        )
    fresh.lock_version += 1
    return fresh
