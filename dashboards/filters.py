"""The dashboard's filters: a GET form (so a filtered dashboard has a link of its own) built by
django-filter, laid out the GOV.UK way, turned into metrics.Filters.

A value that is not valid is shown in the error summary and left out: the figures fall back to
its default, so bad input never breaks the page.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.utils import timezone

from cases.models import ChildStatus
from escalations import rules
from escalations.models import Concern
from prp.fields import GovukDateField
from prp.hierarchy import span_team_ids
from prp.models import OrgUnit, ProtocolCategory, Team, User

from . import metrics, scope


class DateBoxesFilter(django_filters.Filter):
    """A GOV.UK date input (day, month, year). The period narrows each figure differently, so
    it is applied by metrics, not here."""

    field_class = GovukDateField


class DashboardForm(forms.Form):
    """The form django-filter builds the fields into: GOV.UK layout and the period's rules."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.label_size = Size.SMALL
        self.helper.layout = Layout(
            Field("date_from"),
            Field("date_to"),
            Field.select("service"),
            Field.select("team"),
            Field.select("child_status"),
            Field.select("level"),
            Field.select("category"),
            Submit("filter", "Apply filters", css_class="govuk-button--secondary"),
        )

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        today = timezone.localdate()
        if date_from and date_from > today:
            self.add_error("date_from", "The start of the period must be today or in the past")
        elif date_from and date_to and date_to < date_from:
            self.add_error(
                "date_to", "The end of the period must be the same as or after the start"
            )
        return cleaned


class DashboardFilterSet(django_filters.FilterSet):
    date_from = DateBoxesFilter(
        label="From",
        required=False,
        subject="The start of the period",
        help_text="For example, 1 4 2024. Concerns raised or closed, decisions, QAPRs and notes "
        "in the period are counted.",
    )
    date_to = DateBoxesFilter(
        label="To",
        required=False,
        subject="The end of the period",
        help_text="For example, 31 3 2025",
    )
    service = django_filters.ModelChoiceFilter(
        label="Service",
        queryset=OrgUnit.objects.none(),
        empty_label="All services",
        error_messages={"invalid_choice": "Select a service from the list"},
    )
    team = django_filters.ModelChoiceFilter(
        label="Team",
        queryset=Team.objects.none(),
        empty_label="All teams",
        error_messages={"invalid_choice": "Select a team from the list"},
    )
    child_status = django_filters.ChoiceFilter(
        label="Type of child",
        choices=ChildStatus.choices,
        empty_label="All children",
        error_messages={"invalid_choice": "Select a type of child from the list"},
    )
    level = django_filters.TypedChoiceFilter(
        label="Stage",
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Select a stage from the list"},
    )
    category = django_filters.ModelChoiceFilter(
        label="Category",
        queryset=ProtocolCategory.objects.none(),
        empty_label="All categories",
        error_messages={"invalid_choice": "Select a category from the list"},
    )

    class Meta:
        model = Concern
        fields: list[str] = []
        form = DashboardForm

    def __init__(self, data=None, *, user: User, today: dt.date | None = None, **kwargs):
        self.user = user
        self.defaults = metrics.Filters.default(today)
        if data is not None:
            data = _with_default_dates(data.copy(), self.defaults)
        super().__init__(data, queryset=scope.concern_scope(user), **kwargs)

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            self._set_choices(form)
        return self._form

    def _set_choices(self, form) -> None:
        teams = Team.objects.all()
        if not self.user.is_service_wide:
            teams = teams.filter(pk__in=span_team_ids(self.user))
        form.fields["team"].queryset = teams.order_by("name")
        form.fields["service"].queryset = OrgUnit.objects.filter(
            kind=OrgUnit.Kind.SERVICE, pk__in=teams.values("unit_id")
        ).order_by("name")
        protocol = rules.active_protocol()
        stages = list(protocol.stages.order_by("level")) if protocol else []
        form.fields["level"].choices = [("", "All stages")] + [(s.level, s.label) for s in stages]
        form.fields["category"].queryset = ProtocolCategory.objects.filter(protocol=protocol)
        form.fields["date_from"].initial = self.defaults.date_from
        form.fields["date_to"].initial = self.defaults.date_to

    def chosen(self) -> metrics.Filters:
        """The filters to count with: each valid value chosen, the default for the rest."""
        cleaned = {}
        if self.is_bound:
            self.form.is_valid()  # the fields that passed stay in cleaned_data
            cleaned = self.form.cleaned_data
        period_ok = not {"date_from", "date_to"} & set(self.form.errors)
        service, team, category = (
            cleaned.get("service"),
            cleaned.get("team"),
            cleaned.get("category"),
        )
        return metrics.Filters(
            date_from=(period_ok and cleaned.get("date_from")) or self.defaults.date_from,
            date_to=(period_ok and cleaned.get("date_to")) or self.defaults.date_to,
            service_id=service.pk if service else None,
            team_id=team.pk if team else None,
            child_status=cleaned.get("child_status") or "",
            level=cleaned.get("level"),
            category_id=category.pk if category else None,
        )

    def filter_queryset(self, queryset):
        """The concerns in scope narrowed as the figures narrow them (for `.qs`)."""
        return metrics.narrow_concerns(queryset, self.chosen())


def _with_default_dates(data, defaults: metrics.Filters):
    """A dashboard link that leaves out the period gets the default one, shown in the boxes."""
    for name, day in (("date_from", defaults.date_from), ("date_to", defaults.date_to)):
        if not any(data.get(f"{name}_{n}", "").strip() for n in range(3)):
            data[f"{name}_0"], data[f"{name}_1"], data[f"{name}_2"] = (
                str(day.day),
                str(day.month),
                str(day.year),
            )
    return data
