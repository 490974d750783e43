"""`Authorization: Bearer <key>`: the key names an API client that is neither revoked nor
expired. The request's `auth` is the client; its `user` stays anonymous, so no page or
session rule ever mistakes a system for a person."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions

from . import keys
from .models import ApiClient
from .services import api_client_used

BAD_KEY = "The API key is not valid. Check it, or ask an administrator for a new one."
ENDED = "This API key has been revoked or has expired. Ask an administrator for a new one."


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(BAD_KEY)
        client = self._client(header[1])
        if not client.usable():
            raise exceptions.AuthenticationFailed(ENDED)
        api_client_used(client=client)
        return AnonymousUser(), client

    @staticmethod
    def _client(key: str) -> ApiClient:
        prefix = keys.prefix_of(key)
        client = ApiClient.objects.filter(key_prefix=prefix).first() if prefix else None
        if client is None or not keys.matches(key, client.key_hash):
            raise exceptions.AuthenticationFailed(BAD_KEY)
        return client

    def authenticate_header(self, request):
        # Makes a missing or bad key a 401 (with this header), not a 403.
        return f'{self.keyword} realm="api"'
