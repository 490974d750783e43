"""Tells the outbox who may hear about a child: the rule that decides who may see one
(cases.selectors), so a message about a restricted child reaches only the people named on or
allocated to the record, when it is queued, listed, counted and sent."""

from __future__ import annotations

from notifications import audience

from .models import Child
from .selectors import hidden_from_person

REASON = "the recipient may no longer hear about this child (a restricted record)"


def register() -> None:
    # Only a restricted record is hidden from anyone (hidden_from_person starts with it).
    audience.register(Child, hidden_from_person, REASON, only_among={"restricted": True})
