"""Staff accounts made, changed and ended by the council's directory (SCIM provisioning, in
`api.scim`). The admin and the staff import keep their own paths; these are for a system that
answers for who works here, never for what they may do: no function here gives a role, a team,
the admin or a superuser's powers, except `person_roles_change`, which is handed the roles a
person (an administrator mapping a directory group) chose."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from .models import Role, RoleCode, User

# The fields a directory may set on an account.
DIRECTORY_FIELDS = frozenset({"email", "full_name", "job_title", "is_active"})
# Given only in the admin, by a person, as for the staff import.
NEVER_FROM_A_DIRECTORY = frozenset({RoleCode.ADMINISTRATOR})


@transaction.atomic
def person_create(*, email: str, full_name: str, job_title: str = "", is_active=True) -> User:
    """A new account with no role, no team and no password: the person signs in with their
    council account (single sign-on) or a password an administrator sets."""
    person = User(email=email, full_name=full_name, job_title=job_title, is_active=is_active)
    person.set_unusable_password()
    person.full_clean(exclude=["password"])
    person.save()
    return person


@transaction.atomic
def person_update(*, person: User, **changes) -> User:
    """Changes what the directory holds about a person. Making them inactive ends their
    access at once (see `person_deactivate`)."""
    unknown = set(changes) - DIRECTORY_FIELDS
    if unknown:
        raise TypeError(f"A directory may not set {', '.join(sorted(unknown))}.")
    was_active = person.is_active
    for name, value in changes.items():
        setattr(person, name, value)
    person.lock_version += 1  # an admin form loaded before this is now stale
    person.full_clean(exclude=["password"])
    person.save()
    if was_active and not person.is_active:
        _sessions_end(person=person)
    return person


@transaction.atomic
def person_deactivate(*, person: User) -> User:
    """The person can no longer sign in, and every session they have ends now, so what their
    allocations, team and roles let them see is closed at once: the visibility rules
    (`cases.selectors.visibility`, `escalations.selectors.concern_visibility`) give an inactive
    person nothing. Their records (allocations, tasks, history) stay as they were."""
    if person.is_active:
        return person_update(person=person, is_active=False)
    _sessions_end(person=person)
    return person


def _sessions_end(*, person: User) -> int:
    """Deletes every live session signed in as the person. Sessions are not indexed by person,
    so each live one is read: a council's staff have thousands at most."""
    live = Session.objects.filter(expire_date__gt=timezone.now())
    ended = [
        session.pk
        for session in live.iterator()
        if session.get_decoded().get("_auth_user_id") == str(person.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


@transaction.atomic
def person_roles_change(*, person: User, add=frozenset(), remove=frozenset()) -> None:
    """Adds and takes away roles (auditlog writes the change of `roles`). Never the
    administrator's role, which a person gives in the admin."""
    if (set(add) | set(remove)) & NEVER_FROM_A_DIRECTORY:
        raise ValueError("The administrator's role is given in the admin, never by a directory.")
    if remove:
        person.roles.remove(*Role.objects.filter(code__in=remove))
    if add:
        person.roles.add(*Role.objects.filter(code__in=add))
    person.__dict__.pop("role_codes", None)  # the cached roles are no longer true
