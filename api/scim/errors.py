"""SCIM's own error form (RFC 7644 section 3.12), not problem+json: Entra ID reads `status`,
`scimType` and `detail` from it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
MEDIA_TYPE = "application/scim+json"


class ScimError(exceptions.APIException):
    """A refusal with SCIM's `scimType` (uniqueness, invalidFilter, invalidValue...)."""

    def __init__(self, status_code: int, detail: str, scim_type: str | None = None):
        self.status_code = status_code
        self.scim_type = scim_type
        super().__init__(detail)


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


def scim_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("No resource with this id.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    scim_type = getattr(exc, "scim_type", None)
    if isinstance(exc, exceptions.ParseError):
        scim_type = "invalidSyntax"
    detail = response.data.get("detail") if isinstance(response.data, dict) else None
    return error(response.status_code, str(detail or response.data), scim_type, response.headers)


def error(status_code: int, detail: str, scim_type=None, headers=None) -> Response:
    body = {"schemas": [ERROR], "status": str(status_code), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    response = Response(body, status=status_code, content_type=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        if name.lower() != "content-type":
            response[name] = value
    return response
