import contextlib

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size, Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from .email_address import NOT_ASCII, is_plain


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
