from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size, Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import EmailValidator

from .email_address import NOT_ASCII, is_plain
from .locking import StaleEdit


class GovukFormMixin:
    """Builds the GOV.UK layout: labels sized, errors shown by each field and in the summary."""

    submit_label = "Continue"

    def build_helper(self, *fields) -> FormHelper:
        helper = FormHelper()
        helper.label_size = Size.SMALL
        if "submission_token" in self.fields:
            # The one-time token of a form that adds a record (prp.submissions).
            fields = (*fields, Field("submission_token"))
        helper.layout = Layout(*fields, Submit("submit", self.submit_label))
        return helper


class SignInEmailField(forms.EmailField):
    """An address that is not ASCII passes the format check here, so that the sign-in tries
    it (and the lockout counts it as a failure: the account lookup refuses it); the form then
    says why it was refused."""

    def run_validators(self, value):
        if not value or is_plain(value):
            return super().run_validators(value)
        # Its length still counts, only not its format.
        everything = self.validators
        self.validators = [v for v in everything if not isinstance(v, EmailValidator)]
        try:
            super().run_validators(value)
        finally:
            self.validators = everything


class SignInForm(GovukFormMixin, AuthenticationForm):
    submit_label = "Sign in"
    error_messages = {
        "invalid_login": "Enter a correct email address and password",
        "inactive": "This account is no longer active. Ask your administrator for help.",
    }

    username = SignInEmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.helper = self.build_helper(
            Field.text("username", field_width=Fluid.TWO_THIRDS),
            Field.text("password", field_width=Fluid.TWO_THIRDS),
        )

    def clean(self):
        typed = self.cleaned_data.get("username")
        if typed is None or is_plain(typed):
            return super().clean()
        with contextlib.suppress(ValidationError):
            super().clean()  # a failed sign-in, counted like any other wrong password
        raise ValidationError({"username": NOT_ASCII})


# Calling a service from a form, safely ------------------------------------------------------


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
