"""The filters on the concerns list: a GET form, so a filtered list has a link of its own."""

from __future__ import annotations

from dataclasses import dataclass

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms

from escalations.models import ConcernState
from prp.models import OPERATIONAL_ROLES, RAISER_ROLES, Protocol, User

SCOPES = [
    ("mine", "Raised by me"),
    ("team", "My teams' concerns"),
    ("all", "All I can see"),
]
STATES = [
    ("open", "Open (informal, formal or referred)"),
    (ConcernState.DRAFT, "Draft"),
    (ConcernState.INFORMAL, "Informal stage"),
    (ConcernState.FORMAL, "Formal stage"),
    (ConcernState.REFERRED, "Referred to CAFCASS"),
    (ConcernState.RESOLVED, "Resolved"),
    (ConcernState.WITHDRAWN, "Withdrawn"),
    ("any", "Any"),
]


def default_scope(user: User) -> str:
    if user.is_service_wide:
        return "all"
    if user.role_codes & RAISER_ROLES:
        return "mine"
    if user.role_codes & OPERATIONAL_ROLES:
        return "team"
    return "all"


@dataclass(frozen=True)
class ConcernFilters:
    """What the list is narrowed to, as escalations.selectors.concern_list takes it."""

    scope: str
    state: str
    level: int | None
    category_id: int | None
    overdue_only: bool

    def selector_kwargs(self) -> dict:
        return {
            "scope": self.scope,
            "state": "" if self.state == "any" else self.state,
            "level": self.level,
            "category_id": self.category_id,
            "overdue_only": self.overdue_only,
        }


class ConcernFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label="Show",
        choices=SCOPES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select which concerns to show"},
    )
    state = forms.ChoiceField(
        label="State",
        choices=STATES,
        required=False,
        error_messages={"invalid_choice": "Select a state from the list"},
    )
    level = forms.TypedChoiceField(
        label="Stage",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Select a stage from the list"},
    )
    category = forms.TypedChoiceField(
        label="Category",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Select a category from the list"},
    )
    overdue = forms.BooleanField(label="Only with overdue responses", required=False)

    def __init__(self, data=None, *, user: User, protocol: Protocol | None, **kwargs):
        self.defaults = {"scope": default_scope(user), "state": "open"}
        if data is not None:
            data = data.copy()
            for name, value in self.defaults.items():
                if not data.get(name):
                    data[name] = value
        super().__init__(data, **kwargs)
        for name, value in self.defaults.items():
            self.fields[name].initial = value
        stages = list(protocol.stages.order_by("level")) if protocol else []
        categories = list(protocol.categories.all()) if protocol else []
        self.fields["level"].choices = [("", "Any stage")] + [(s.level, s.label) for s in stages]
        self.fields["category"].choices = [("", "Any category")] + [
            (c.pk, c.name) for c in categories
        ]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.label_size = Size.SMALL
        self.helper.layout = Layout(
            Field.radios("scope", legend_size=Size.SMALL, small=True, inline=True),
            Field.select("state"),
            Field.select("level"),
            Field.select("category"),
            Field.checkbox("overdue", small=True),
            Submit("filter", "Apply filters", css_class="govuk-button--secondary"),
        )

    def filters(self) -> ConcernFilters:
        """The filters chosen; a value that is not valid falls back to its default."""
        cleaned = {}
        if self.is_bound:
            self.is_valid()  # the fields that passed stay in cleaned_data
            cleaned = self.cleaned_data
        return ConcernFilters(
            scope=cleaned.get("scope") or self.defaults["scope"],
            state=cleaned.get("state") or self.defaults["state"],
            level=cleaned.get("level"),
            category_id=cleaned.get("category"),
            overdue_only=bool(cleaned.get("overdue")),
        )
