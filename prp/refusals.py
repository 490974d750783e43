"""Refusals whose reason is the record's state, not the person's account."""

from django.core.exceptions import PermissionDenied


class StateRefused(PermissionDenied):
    """Refused because of where the record stands (a concern closed, a task already answered).

    The 403 page then says that reason: "your account does not allow this" would send the
    person to an administrator for something no account could do."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
