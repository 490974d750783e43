"""Every change to an API client: registering one, rotating and revoking its key."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from prp.models import User

from . import keys
from .models import ApiClient, Scope


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
