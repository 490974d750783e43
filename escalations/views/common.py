"""What every escalations view shares: calling a service from a form, safely."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from escalations.services import StaleEdit


def posted(request):
    """What was submitted, or None so a GET shows an unbound form. (Not `request.POST or
    None`: an empty POST must still bind the form, so it shows its errors.)"""
    return request.POST if request.method == "POST" else None


def call_service(form: forms.Form, service: Callable[..., Any], **kwargs) -> Any | None:
    """Run `service`; on a rule it refuses or a stale edit, put the message on the form.

    Returns the service's result, or None if it refused (the form then has errors and the view
    shows it again with the GOV.UK error summary). PermissionDenied is left to become a 403.
    """
    try:
        return service(**kwargs)
    except StaleEdit as stale:
        form.add_error(None, stale.message)
        _carry_current_version(form, stale.current_version)
    except ValidationError as error:
        _add_errors(form, error)
    return None


def _carry_current_version(form: forms.Form, version: int | None) -> None:
    """The page shown again carries the version now saved: sending it again is then a
    deliberate choice made after the warning, never a silent overwrite."""
    if version is not None and "lock_version" in form.fields and form.is_bound:
        form.data = form.data.copy()
        form.data[form.add_prefix("lock_version")] = str(version)


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.error_dict.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target if target != NON_FIELD_ERRORS else None, message)


class LockVersionField(forms.IntegerField):
    """The version of the record the form was built from, sent back to detect stale edits."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault(
            "error_messages",
            {"required": "The page was out of date. Refresh it and try again."},
        )
        super().__init__(**kwargs)
