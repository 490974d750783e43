"""Immediate safeguarding concerns (a protocol setting, on for Blackpool; seed 004): "If there
are immediate safeguarding concerns … the SQR Service Manager should contact the Social Care
Service Manager within 24 hrs."

A concern marked immediate when raised tells both service managers at once, at any hour (no
sending hours: the clock is real hours). Until the contact is recorded (when, by whom, what was
agreed) it is chased every hour and sits at the top of the clinic list and the dashboard.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cases.reviewer import service_managers_for
from prp.hierarchy import manager_for_team
from prp.locking import STALE_MESSAGE, lock_row
from prp.models import RoleCode, User

from . import messages, rules
from .models import LIVE_STATES, Concern, Event, SafeguardingContact

CONTACT_HOURS = 24
CHASE_EVERY = dt.timedelta(hours=1)
# A beat run a few minutes early still counts as the next hour.
_SLACK = dt.timedelta(minutes=5)


def _social_care_manager(concern: Concern) -> User | None:
    """The service manager over the child's team (the head of service where there is none)."""
    child = rules.primary_child(concern)
    team = child.team if child else None
    return manager_for_team(team, RoleCode.SERVICE_MANAGER) or manager_for_team(
        team, RoleCode.HEAD_OF_SERVICE
    )


def _reviewing_manager(concern: Concern) -> User | None:
    """The SQR (reviewing service) manager above the raiser, else the one for the child."""
    person = manager_for_team(concern.raised_by.team, RoleCode.REVIEWING_SERVICE_MANAGER)
    if person is None:
        child = rules.primary_child(concern)
        found = service_managers_for(child) if child else []
        person = found[0] if found else None
    return person


def immediate_start(*, concern: Concern, by: User) -> SafeguardingContact:
    """Called by concern_raise in its transaction when the raiser marks the concern immediate."""
    if not concern.protocol.immediate_safeguarding:
        raise ValidationError({"immediate": "This protocol has no immediate safeguarding route."})
    now = timezone.now()
    contact = SafeguardingContact.objects.create(
        concern=concern,
        raised_at=now,
        due_at=now + dt.timedelta(hours=CONTACT_HOURS),
        reviewing_manager=_reviewing_manager(concern),
        social_care_manager=_social_care_manager(concern),
    )
    told = ", ".join(str(p) for p in _managers(contact)) or "nobody: no service manager found"
    Event.objects.create(
        concern=concern,
        kind=Event.Kind.IMMEDIATE,
        actor=by,
        summary=f"Marked as an immediate safeguarding concern. Told at once: {told}. "
        f"Contact between the service managers due by {_when(contact.due_at)}.",
    )
    messages.immediate_safeguarding(contact, _managers(contact))
    return contact


def _managers(contact: SafeguardingContact) -> list[User]:
    people = (contact.reviewing_manager, contact.social_care_manager)
    return list({p.pk: p for p in people if p is not None and p.is_active}.values())


def _when(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def may_record_contact(user: User, contact: SafeguardingContact) -> bool:
    if contact.is_recorded:
        return False
    named = user.pk in (contact.reviewing_manager_id, contact.social_care_manager_id)
    return (
        named
        or rules.may_manage(user, contact.concern)
        or user.has_role(RoleCode.REVIEWING_SERVICE_MANAGER)
    )


@transaction.atomic
def contact_record(
    *,
    contact: SafeguardingContact,
    by: User,
    lock_version: int,
    contacted_at: dt.datetime,
    contacted_by: User,
    agreed: str,
) -> SafeguardingContact:
    """Stop the clock: when the managers spoke, who made the contact and what they agreed."""
    contact = lock_row(SafeguardingContact, contact, lock_version, "contact", message=STALE_MESSAGE)
    if not may_record_contact(by, contact):
        raise PermissionDenied("You cannot record this contact.")
    if contacted_at > timezone.now():
        raise ValidationError({"contacted_on": "The contact must be now or in the past"})
    if contacted_at < contact.raised_at - dt.timedelta(minutes=1):
        raised = _when(contact.raised_at)
        message = f"The contact must be after the concern was raised, {raised}"
        raise ValidationError({"contacted_on": message})
    if not agreed.strip():
        raise ValidationError({"agreed": "Enter what was agreed"})
    contact.contacted_at, contact.contacted_by, contact.agreed = contacted_at, contacted_by, agreed
    contact.recorded_by, contact.recorded_at = by, timezone.now()
    contact.full_clean()
    contact.save()
    late = " (after the 24 hours)" if contacted_at > contact.due_at else ""
    Event.objects.create(
        concern=contact.concern,
        kind=Event.Kind.CONTACT_RECORDED,
        actor=by,
        summary=f"Safeguarding contact made by {contacted_by} at {_when(contacted_at)}{late}. "
        f"Agreed: {agreed}",
    )
    return contact


def awaiting_contact() -> QuerySet[SafeguardingContact]:
    return SafeguardingContact.objects.filter(
        contacted_at__isnull=True, concern__state__in=LIVE_STATES
    )


def chase(now: dt.datetime | None = None) -> int:
    """Chase both managers every hour until the contact is recorded, at any hour of any day.
    Compare-and-set on last_chased_at, so two runs at once chase each contact once."""
    now = now or timezone.now()
    due = awaiting_contact().filter(
        Q(last_chased_at__isnull=True) | Q(last_chased_at__lte=now - CHASE_EVERY + _SLACK),
        raised_at__lte=now - CHASE_EVERY + _SLACK,
    )
    chased = 0
    for pk in due.values_list("pk", flat=True):
        chased += _chase_one(pk, now)
    return chased


@transaction.atomic
def _chase_one(pk: int, now: dt.datetime) -> int:
    contact = (
        # Only the contact's row is locked (PostgreSQL cannot lock the nullable side of a join).
        SafeguardingContact.objects.select_for_update(of=("self",))
        .select_related("concern", "reviewing_manager", "social_care_manager")
        .filter(pk=pk, contacted_at__isnull=True)
        .first()
    )
    if contact is None:
        return 0
    last = contact.last_chased_at
    if last is not None and last > now - CHASE_EVERY + _SLACK:
        return 0
    contact.last_chased_at = now
    contact.save(update_fields=["last_chased_at"])
    messages.safeguarding_contact_due(contact, _managers(contact), now)
    return 1
