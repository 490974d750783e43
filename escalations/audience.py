"""Tells the outbox who may hear about a concern: nobody who may not hear about every one of
its children (a restricted child's concern is for the people named on the child alone)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from cases.models import Child
from cases.selectors import hidden_from_person
from notifications import audience

from .models import Concern, ConcernChild

REASON = "the recipient may no longer hear about a child the concern is about (a restricted record)"


def hidden_concern(person) -> Q:
    """Concerns with a child hidden from `person` (a user's id, or an OuterRef to one)."""
    links = ConcernChild.objects.filter(concern_id=OuterRef("pk"))
    children = hidden_from_person(audience.deeper(audience.deeper(person)))
    hidden_child = Child.objects.filter(pk=OuterRef("child_id")).filter(children)
    # The flag escalations.restricted keeps settles most concerns without the subquery.
    return Q(about_restricted_child=True) & Q(Exists(links.filter(Exists(hidden_child))))


def register() -> None:
    # Only a concern flagged about a restricted child is hidden (hidden_concern starts with it).
    audience.register(Concern, hidden_concern, REASON, only_among={"about_restricted_child": True})
