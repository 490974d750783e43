"""A rate limit per client (`API_RATE_LIMIT`, e.g. "600/minute"), counted in the cache."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiClient


class ClientRateThrottle(SimpleRateThrottle):
    scope = "client"

    def get_rate(self):
        # Read at each request, not once at import, so the setting can change under tests.
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiClient):
            return None  # refused by authentication anyway; nothing to count
        # The id and the moment the client was made: a client made later with a reused id (a
        # restored database, a test's) never inherits another's count; rotating keeps it.
        client = request.auth
        ident = f"{client.pk}-{client.created_at.timestamp():.6f}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
