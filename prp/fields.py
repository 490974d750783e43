"""GOV.UK form fields every app shares."""

from __future__ import annotations

import datetime as dt

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator


class GovukDateField(DateInputField):
    """The GOV.UK date input (day, month and year boxes) with GOV.UK error messages.

    `subject` names the date in messages, e.g. "The date of the discussion", giving
    "The date of the discussion must include a month" and "… must be a real date".
    `required_message` is shown when all three boxes are empty, e.g. "Enter the date of the
    discussion". Posted as `<name>_0` (day), `<name>_1` (month) and `<name>_2` (year).
    """

    def __init__(self, *, subject: str = "The date", required_message: str = "", **kwargs):
        self.subject = subject
        digits = RegexValidator(r"^\s*[0-9]+\s*$", f"{subject} must be a real date")
        parts = (
            forms.CharField(
                label="Day",
                error_messages={"incomplete": f"{subject} must include a day"},
                validators=[digits],
            ),
            forms.CharField(
                label="Month",
                error_messages={"incomplete": f"{subject} must include a month"},
                validators=[digits],
            ),
            forms.CharField(
                label="Year",
                error_messages={"incomplete": f"{subject} must include a year"},
                validators=[digits],
            ),
        )
        required = required_message or f"Enter {subject[0].lower()}{subject[1:]}"
        error_messages = {"required": required, "incomplete": required}
        kwargs.setdefault("require_all_fields", False)
        # Skip DateInputField.__init__ (it builds generic sub-fields); keep its clean().
        forms.MultiValueField.__init__(self, fields=parts, error_messages=error_messages, **kwargs)
        for box in self.widget.widgets:
            box.attrs["inputmode"] = "numeric"

    def clean(self, value):
        """One message for the date however many of its boxes are wrong (GOV.UK asks for one
        per field in the error summary): a missing part first, as the more useful to fix. The
        boxes that are wrong are still marked, each on its own widget."""
        try:
            return super().clean(value)
        except ValidationError as error:
            errors = error.error_list
            missing = [
                e for e in errors if str(e.message).startswith(f"{self.subject} must include")
            ]
            first = (missing or errors)[0]
            raise ValidationError(first.message, code=first.code, params=first.params) from None

    def compress(self, data_list):
        if not data_list or not all(data_list):
            return None
        day, month, year = (part.strip() for part in data_list)
        if len(year) != 4:
            raise ValidationError(f"{self.subject} must include a year with 4 numbers")
        try:
            return dt.date(int(year), int(month), int(day))
        except (ValueError, OverflowError):
            # OverflowError: a day or month too long for the C int dt.date takes.
            raise ValidationError(f"{self.subject} must be a real date") from None
