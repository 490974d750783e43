"""Every change to an API client: registering one, rotating and revoking its key."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from prp.models import RoleCode, User
from prp.services import (
    NEVER_FROM_A_DIRECTORY,
    person_create,
    person_deactivate,
    person_roles_change,
    person_update,
)

from . import keys
from .models import ApiClient, ScimGroup, ScimPerson, Scope


@transaction.atomic
def api_client_create(
    *,
    name: str,
    owner: User,
    scopes: list[str],
    expires_at: dt.datetime,
    sees_restricted: bool = False,
) -> tuple[ApiClient, str]:
    """The new client and its key (the only time the key is known)."""
    key, prefix, key_hash = keys.new_key()
    client = ApiClient(
        name=name,
        owner=owner,
        scopes=sorted(set(scopes) & set(Scope.values)),
        expires_at=expires_at,
        sees_restricted=sees_restricted,
        key_prefix=prefix,
        key_hash=key_hash,
    )
    client.full_clean()
    client.save()
    return client, key


@transaction.atomic
def api_client_rotate(*, client: ApiClient) -> str:
    """A new key for the client; the old one stops working at once."""
    key, client.key_prefix, client.key_hash = keys.new_key()
    client.save(update_fields=["key_prefix", "key_hash"])
    return key


@transaction.atomic
def api_client_revoke(*, client: ApiClient) -> ApiClient:
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
    return client


def api_client_used(*, client: ApiClient) -> None:
    """Marks the last use, at most once a minute, so a busy client does not write a row each
    call."""
    now = timezone.now()
    if client.last_used_at and now - client.last_used_at < dt.timedelta(minutes=1):
        return
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    client.last_used_at = now


# Staff provisioned by the council's directory (SCIM) ------------------------------------------


class Uniqueness(Exception):
    """Someone here already has this email address."""


class AdministeredHere(Exception):
    """An account that can administer the service: a directory may end it, not change who it
    is nor start it again."""


def _administers(person: User) -> bool:
    return person.is_staff or person.is_superuser or person.has_role(RoleCode.ADMINISTRATOR)


def _email_taken(email: str, person: User | None = None) -> bool:
    others = User.objects.filter(email=email)
    return (others.exclude(pk=person.pk) if person else others).exists()


@transaction.atomic
def scim_person_create(*, client: ApiClient, account: dict, directory: dict) -> User:
    """A new account, with no role, no team and no password, and what the directory says
    about it."""
    if _email_taken(account["email"]):
        raise Uniqueness()
    person = person_create(**account)
    ScimPerson.objects.create(user=person, provisioned_by=client, **directory)
    return person


@transaction.atomic
def scim_person_update(*, client: ApiClient, person: User, account: dict, directory: dict) -> User:
    person = User.objects.select_for_update().get(pk=person.pk)
    if _email_taken(account["email"], person):
        raise Uniqueness()
    if _administers(person) and (
        account["email"] != person.email or (account["is_active"] and not person.is_active)
    ):
        raise AdministeredHere()
    changed = {name: value for name, value in account.items() if getattr(person, name) != value}
    if changed:
        person = person_update(person=person, **changed)
    ScimPerson.objects.update_or_create(
        user=person, defaults=directory, create_defaults={**directory, "provisioned_by": client}
    )
    return person


@transaction.atomic
def scim_person_delete(*, person: User) -> User:
    """A directory deleting a person ends the account; it is never deleted, so the records
    keep who did what."""
    return person_deactivate(person=person)


# Directory groups, and the role an administrator maps each to -------------------------------


def _grant(role_code: str | None, people) -> None:
    if role_code:
        for person in people:
            person_roles_change(person=person, add={role_code})


def _take(role_code: str | None, people, *, group: ScimGroup) -> None:
    """Takes the group's role from people who left it, unless another of their groups gives
    the same role."""
    if not role_code:
        return
    for person in people:
        others = ScimGroup.objects.filter(members=person, role_id=role_code).exclude(pk=group.pk)
        if not others.exists():
            person_roles_change(person=person, remove={role_code})


@transaction.atomic
def scim_group_create(*, display_name: str, external_id: str, members: list[User]) -> ScimGroup:
    """A group from the directory: it gives no role until an administrator maps one."""
    if ScimGroup.objects.filter(display_name__iexact=display_name).exists():
        raise Uniqueness()
    group = ScimGroup(display_name=display_name, external_id=external_id)
    group.full_clean()
    group.save()
    group.members.add(*members)
    return group


@transaction.atomic
def scim_group_update(
    *, group: ScimGroup, display_name: str, external_id: str, members: list[User]
) -> ScimGroup:
    """The group's name and members as the directory has them now; people who joined get the
    group's role, people who left lose it (unless another group gives it)."""
    group = ScimGroup.objects.select_for_update().get(pk=group.pk)
    clash = ScimGroup.objects.filter(display_name__iexact=display_name).exclude(pk=group.pk)
    if clash.exists():
        raise Uniqueness()
    if (group.display_name, group.external_id) != (display_name, external_id):
        group.display_name, group.external_id = display_name, external_id
        group.full_clean()
        group.save()
    before = set(group.members.all())
    after = set(members)
    joined, left = after - before, before - after
    if left:
        group.members.remove(*left)
        _take(group.role_id, left, group=group)
    if joined:
        group.members.add(*joined)
        _grant(group.role_id, joined)
    return group


@transaction.atomic
def scim_group_delete(*, group: ScimGroup) -> None:
    members = list(group.members.all())
    _take(group.role_id, members, group=group)
    group.delete()


@transaction.atomic
def scim_group_map_role(*, group: ScimGroup, role_code: str | None) -> ScimGroup:
    """An administrator says which role the group's members have here (or none): the members
    lose the old one (unless another group gives it) and get the new."""
    if role_code in NEVER_FROM_A_DIRECTORY:
        raise ValueError("The administrator's role is given in the admin, person by person.")
    group = ScimGroup.objects.select_for_update().get(pk=group.pk)
    if group.role_id == role_code:
        return group
    members = list(group.members.all())
    old, group.role_id = group.role_id, role_code
    group.full_clean()
    group.save()
    _take(old, members, group=group)
    _grant(role_code, members)
    return group
