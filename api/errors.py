"""Every error the API sends is `application/problem+json` (RFC 9457): a title, the status,
a detail in plain English and, for bad input, each field's errors."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Changed since you read it",
    413: "Too big",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
}


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record has changed since you read it. Read it again and retry."


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Another request changed these records at the same time. Send it again."


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send If-Match with the record's ETag to change it."


class Refused(exceptions.APIException):
    """A request refused with a status and errors by field (a bulk write's stale items)."""

    def __init__(self, status_code: int, errors: dict):
        self.status_code = status_code
        super().__init__(errors)


def problem_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_errors(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("No record with this id, or not one this key may see.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    return problem(response.status_code, response.data, headers=response.headers)


def problem(status_code: int, data, *, headers=None) -> Response:
    body = {"type": "about:blank", "title": TITLES.get(status_code, "Error"), "status": status_code}
    if isinstance(data, dict) and set(data) == {"detail"}:
        body["detail"] = str(data["detail"])
    else:
        body["detail"] = "Some of what was sent is not valid. See errors."
        body["errors"] = list(_field_errors(data))
    response = Response(body, status=status_code, content_type=PROBLEM)
    for name, value in (headers or {}).items():
        if name.lower() not in ("content-type",):
            response[name] = value
    return response


def _field_errors(data, pointer: str = ""):
    """Flattens DRF's nested errors into [{"pointer": "/field", "detail": "..."}]."""
    if isinstance(data, dict):
        for key, value in data.items():
            inner = pointer if key == "non_field_errors" else f"{pointer}/{key}"
            yield from _field_errors(value, inner)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, dict | list):
                yield from _field_errors(value, f"{pointer}/{index}")
            else:
                yield {"pointer": pointer or "/", "detail": str(value)}
    else:
        yield {"pointer": pointer or "/", "detail": str(data)}


def _django_errors(exc: DjangoValidationError):
    return exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
