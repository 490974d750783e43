"""The period pickers on the reports: GET forms, so every report has a link of its own.

Each offers a list (months, weeks, reporting years) rather than free text, so a person picks
a period in one go; anything else in the address (month=2026-13) is shown as an error.
"""

from __future__ import annotations

import datetime as dt

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.utils import dateformat

from . import reports

MONTHS_OFFERED = 36
WEEKS_OFFERED = 52
FIRST_REPORTING_YEAR = 2015


class PeriodForm(forms.Form):
    """One select; `period()` gives the chosen value, or the default when nothing was asked."""

    field_name = ""
    submit_label = "Show report"

    def __init__(self, data=None, *, today: dt.date, **kwargs):
        self.today = today
        if data is not None and not data.get(self.field_name):
            data = None  # nothing chosen: the default period, not an error
        super().__init__(data, **kwargs)
        self.fields[self.field_name].choices = self.options()
        self.fields[self.field_name].initial = self.default_value()
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.label_size = Size.SMALL
        self.helper.layout = Layout(
            Field.select(self.field_name),
            Submit("show", self.submit_label, css_class="govuk-button--secondary"),
        )

    # Each report's form (MonthForm, WeekForm, YearForm below) says what its periods are; the
    # base class is never used on its own.
    def options(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def default_value(self) -> str:
        raise NotImplementedError

    def parse(self, value: str):
        raise NotImplementedError

    def period(self):
        """The chosen period, the default if none was chosen, or None if the choice is bad."""
        if not self.is_bound:
            return self.parse(self.default_value())
        if not self.is_valid():
            return None
        return self.parse(self.cleaned_data[self.field_name])


class MonthForm(PeriodForm):
    field_name = "month"
    month = forms.ChoiceField(
        label="Month",
        error_messages={
            "invalid_choice": "Select a month from the list",
            "required": "Select a month",
        },
    )

    def options(self):
        month = self.today.replace(day=1)
        choices = [(f"{month:%Y-%m}", f"{dateformat.format(month, 'F Y')} (so far)")]
        for _ in range(MONTHS_OFFERED):
            month = reports.last_complete_month(month)
            choices.append((f"{month:%Y-%m}", dateformat.format(month, "F Y")))
        return choices

    def default_value(self):
        return f"{reports.last_complete_month(self.today):%Y-%m}"

    def parse(self, value):
        return dt.datetime.strptime(value, "%Y-%m").date()


class WeekForm(PeriodForm):
    field_name = "week"
    submit_label = "Show pack"
    week = forms.ChoiceField(
        label="Week beginning",
        error_messages={
            "invalid_choice": "Select a week from the list",
            "required": "Select a week",
        },
    )

    def options(self):
        monday = reports.week_start(self.today)
        choices = []
        for number in range(WEEKS_OFFERED + 1):
            label = dateformat.format(monday, "l j F Y")
            choices.append((monday.isoformat(), f"{label} (this week)" if number == 0 else label))
            monday -= dt.timedelta(days=7)
        return choices

    def default_value(self):
        return reports.week_start(self.today).isoformat()

    def parse(self, value):
        return dt.date.fromisoformat(value)


class YearForm(PeriodForm):
    field_name = "year"
    year = forms.ChoiceField(
        label="Reporting year (April to March)",
        error_messages={
            "invalid_choice": "Select a reporting year from the list",
            "required": "Select a reporting year",
        },
    )

    def options(self):
        current = reports.reporting_year_of(self.today)
        return [
            (
                str(year),
                f"April {year} to March {year + 1}" + (" (so far)" if year == current else ""),
            )
            for year in range(current, FIRST_REPORTING_YEAR - 1, -1)
        ]

    def __init__(self, data=None, *, today: dt.date, default_year: int | None = None, **kwargs):
        # Worked out by reports.default_reporting_year for the person asking.
        self.default_year = default_year
        super().__init__(data, today=today, **kwargs)

    def default_value(self):
        """The year asked for by the page, else the last complete reporting year."""
        if self.default_year is not None:
            return str(self.default_year)
        return str(reports.reporting_year_of(self.today) - 1)

    def parse(self, value):
        return int(value)
