"""API clients, one per scope, and a way to call the API with a key."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from api.models import Scope
from api.services import api_client_create
from tests import builders


@pytest.fixture
def make_client(service_manager):
    def make(*scopes, name=None, sees_restricted=False, expires_at=None):
        return api_client_create(
            # A client's name is at most 100 characters: every scope's name together is longer.
            name=name or f"System with {' '.join(scopes) or 'no scopes'}"[:100],
            owner=service_manager,
            scopes=list(scopes),
            expires_at=expires_at or timezone.now() + dt.timedelta(days=90),
            sees_restricted=sees_restricted,
        )

    return make


class KeyClient(Client):
    """Django's test client, sending the key on every request."""

    def __init__(self, key: str, **kwargs):
        super().__init__(HTTP_AUTHORIZATION=f"Bearer {key}", **kwargs)


@pytest.fixture
def api(make_client):
    """A client with every scope, and its HTTP client."""
    client, key = make_client(*Scope.values, name="Case management")
    return client, KeyClient(key)


@pytest.fixture
def raised_concern(gloucestershire, child, iro, team_manager):
    return builders.raised_concern(iro, child, team_manager)


@pytest.fixture
def superuser_or_admin(db):
    from prp.models import User

    return User.objects.create_superuser("root@example.org", "a-long-password-1", full_name="Root")
