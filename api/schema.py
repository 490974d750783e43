"""The OpenAPI 3 schema (drf-spectacular) and the documentation page made from it.

The page is rendered on the server from the schema, with the service's own layout and static
files: no script and no inline style, so it keeps to the Content-Security-Policy that every page
has (Swagger UI and Redoc both inject inline styles, which the policy refuses)."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from prp.security import two_factor

METHODS = ("get", "post", "put", "patch", "delete")


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API client's key."}


class SchemaView(SpectacularAPIView):
    """Open to anyone: it describes the API, and holds no record."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        view.login_required = False
        return view


@functools.cache
def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict) -> list[dict]:
    rows = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            if operation := item.get(method):
                rows.append(
                    {
                        "method": method.upper(),
                        "path": path,
                        "summary": operation.get("summary") or operation.get("description", ""),
                        "parameters": operation.get("parameters", []),
                        "responses": sorted(operation.get("responses", {})),
                    }
                )
    return rows


@require_GET
@login_not_required
@two_factor.two_factor_not_required
def docs(request):
    schema = _schema()
    return render(
        request, "api/docs.html", {"info": schema["info"], "operations": _operations(schema)}
    )


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error (RFC 9457).",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}
ERRORS = {
    "400": "The request is not valid: see errors.",
    "401": "No key, or a key that is not valid, revoked or expired.",
    "403": "The key does not have the scope this needs.",
    "404": "No such record, or not one this key may see.",
    "406": "The Accept header asks for something other than JSON.",
    "405": "The method is not allowed here.",
    "429": "Too many requests: wait for Retry-After seconds.",
}
WRITE_ERRORS = {
    "412": "The record has changed since you read it (If-Match).",
    "413": "The request body is too big.",
    "415": "The body is not JSON.",
    "428": "Send If-Match with the record's ETag.",
}


def add_problems(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation may answer with a problem."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for item in result.get("paths", {}).values():
        for method in METHODS:
            if operation := item.get(method):
                errors = ERRORS | (WRITE_ERRORS if method != "get" else {})
                for code, description in errors.items():
                    operation["responses"].setdefault(
                        code, {"description": description, "content": content}
                    )
    return result
