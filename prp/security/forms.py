from crispy_forms_gds.layout import Field, Fluid
from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm

from prp.forms import GovukFormMixin


class CodeForm(GovukFormMixin, forms.Form):
    """A code from the authenticator app (or, signing in, a backup code)."""

    submit_label = "Continue"

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"}
        ),
        error_messages={"required": "Enter the code from your authenticator app"},
    )

    def __init__(self, *args, hint: str = "", submit_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if hint:
            self.fields["code"].help_text = hint
        if submit_label:
            self.submit_label = submit_label
        self.helper = self.build_helper(Field.text("code", field_width=10))


class ConfirmForm(GovukFormMixin, forms.Form):
    """Just a button: the page says what will happen."""

    def __init__(self, *args, submit_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.submit_label = submit_label
        self.helper = self.build_helper()


class PasswordChangeForm(GovukFormMixin, DjangoPasswordChangeForm):
    """Django's form (it applies AUTH_PASSWORD_VALIDATORS to the new password) in GOV.UK words."""

    submit_label = "Change password"
    error_messages = {
        **DjangoPasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not correct",
        "password_mismatch": "The new passwords do not match",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["old_password"].label = "Current password"
        fields["old_password"].error_messages["required"] = "Enter your current password"
        fields["old_password"].widget.attrs.pop("autofocus", None)
        fields["new_password1"].label = "New password"
        fields["new_password1"].help_text = (
            "At least 12 characters. Three or more random words make a strong password that is "
            "easy to remember. Do not use your name, email address or a common password."
        )
        fields["new_password1"].error_messages["required"] = "Enter a new password"
        fields["new_password2"].label = "Confirm new password"
        fields["new_password2"].help_text = ""
        fields["new_password2"].error_messages["required"] = "Enter the new password again"
        self.helper = self.build_helper(
            Field.text("old_password", field_width=Fluid.TWO_THIRDS),
            Field.text("new_password1", field_width=Fluid.TWO_THIRDS),
            Field.text("new_password2", field_width=Fluid.TWO_THIRDS),
        )

    def clean(self):
        # As Django's, but a too-weak password is reported on the new password itself, where
        # the error summary's link then lands, not on the confirmation.
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)
