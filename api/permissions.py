"""What each view needs: a client with the scope the view names (`required_scopes`, by
method: reading or writing)."""

from __future__ import annotations

from rest_framework import permissions

from .models import ApiClient

SAFE = "read"


class HasScope(permissions.BasePermission):
    message = "This API key does not have the scope this request needs."

    def has_permission(self, request, view) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return False
        kind = SAFE if request.method in permissions.SAFE_METHODS else "write"
        needed = view.required_scopes.get(kind)
        if needed is None:
            return False
        self.message = f"This API key does not have the {needed} scope."
        return client.has_scope(needed)
