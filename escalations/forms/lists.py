"""The filters on the concerns list: a GET form, so a filtered list has a link of its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms

from cases.models import ChildStatus
from escalations.models import ConcernState, FormalLimit
from prp.models import OPERATIONAL_ROLES, RAISER_ROLES, OrgUnit, Protocol, Team, User

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
    ("closed", "Closed (resolved or withdrawn)"),
    ("any", "Any"),
]
# Narrowing the dashboard's links add (kept as hidden fields when the filters are changed).
DATED = [
    ("opened", "raised"),
    ("closed", "closed"),
    ("decided", "with a stage decided"),
]
ENDED = [
    ("informal", "Closed at the informal stage"),
    ("formal", "Closed after a formal stage"),
    ("formal_within_target", "Closed after formal stages done within the target"),
]
DECISIONS = [
    ("refer_cafcass", "Referred to CAFCASS"),
    ("legal_advice", "Legal advice sought"),
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
    team_id: int | None = None
    service_id: int | None = None
    child_status: str = ""
    dated: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    ended: str = ""
    decision: str = ""
    assignee_id: int | None = None
    include_archived: bool = False
    formal_limit: str = ""
    awaiting_outcome: bool = False

    def selector_kwargs(self) -> dict:
        return {
            "scope": self.scope,
            "state": "" if self.state == "any" else self.state,
            "level": self.level,
            "category_id": self.category_id,
            "overdue_only": self.overdue_only,
            "team_id": self.team_id,
            "service_id": self.service_id,
            "child_status": self.child_status,
            "dated": self.dated,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "ended": self.ended,
            "decision": self.decision,
            "assignee_id": self.assignee_id,
            "include_archived": self.include_archived,
            "formal_limit": self.formal_limit,
            "awaiting_outcome": self.awaiting_outcome,
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
    # From the dashboard's links: hidden, listed above the results, kept when filters change.
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Select a team from the list"},
    )
    service = forms.ModelChoiceField(
        queryset=OrgUnit.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Select a service from the list"},
    )
    child_status = forms.ChoiceField(
        label="Type of child",
        choices=[("", ""), *ChildStatus.choices],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Select a type of child from the list"},
    )
    dated = forms.ChoiceField(
        choices=[("", ""), *DATED],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Select which date to narrow by"},
    )
    date_from = forms.DateField(
        required=False,
        widget=forms.HiddenInput,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "The start of the period must be a real date"},
    )
    date_to = forms.DateField(
        required=False,
        widget=forms.HiddenInput,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "The end of the period must be a real date"},
    )
    ended = forms.ChoiceField(
        choices=[("", ""), *ENDED],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Select where the concerns ended"},
    )
    decision = forms.ChoiceField(
        choices=[("", ""), *DECISIONS],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Select a decision from the list"},
    )
    assignee = forms.ModelChoiceField(
        queryset=User.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Select a person from the list"},
    )
    formal_limit = forms.ChoiceField(
        choices=[("", ""), *[(c.value, c.label) for c in FormalLimit if c.value]],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Select where the concerns stand against the limit"},
    )
    archived = forms.ChoiceField(
        choices=[("", ""), ("include", "Including archived concerns")],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Select whether to include archived concerns"},
    )
    awaiting = forms.ChoiceField(
        choices=[("", ""), ("outcome", "Waiting for your outcome")],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Select what the concerns are waiting for"},
    )

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
        self.helper.render_hidden_fields = True
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
            team_id=cleaned["team"].pk if cleaned.get("team") else None,
            service_id=cleaned["service"].pk if cleaned.get("service") else None,
            child_status=cleaned.get("child_status") or "",
            dated=cleaned.get("dated") or "",
            date_from=cleaned.get("date_from"),
            date_to=cleaned.get("date_to"),
            ended=cleaned.get("ended") or "",
            decision=cleaned.get("decision") or "",
            assignee_id=cleaned["assignee"].pk if cleaned.get("assignee") else None,
            include_archived=cleaned.get("archived") == "include",
            formal_limit=cleaned.get("formal_limit") or "",
            awaiting_outcome=cleaned.get("awaiting") == "outcome",
        )

    def narrowing(self) -> list[str]:
        """The hidden narrowing a dashboard link added, in words, for the page to list."""
        if not self.is_bound:
            return []
        self.is_valid()
        data = self.cleaned_data
        words = []
        if data.get("service"):
            words.append(f"Service: {data['service'].name}")
        if data.get("team"):
            words.append(f"Team: {data['team'].name}")
        if data.get("child_status"):
            words.append(f"Type of child: {ChildStatus(data['child_status']).label}")
        if data.get("ended"):
            words.append(dict(ENDED)[data["ended"]])
        if data.get("decision"):
            words.append(dict(DECISIONS)[data["decision"]])
        if data.get("assignee"):
            words.append(f"Waiting for a response from {data['assignee']}")
        if data.get("formal_limit"):
            words.append(f"Formal stages: {FormalLimit(data['formal_limit']).label.lower()}")
        if data.get("dated") and (data.get("date_from") or data.get("date_to")):
            words.append(f"{dict(DATED)[data['dated']].capitalize()} {_period(data)}")
        if data.get("archived") == "include":
            words.append("Including archived concerns")
        if data.get("awaiting") == "outcome":
            words.append("Waiting for your outcome")
        return words


def _period(data) -> str:
    start, end = data.get("date_from"), data.get("date_to")
    if start and end:
        return f"between {_day(start)} and {_day(end)}"
    return f"from {_day(start)}" if start else f"up to {_day(end)}"


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"
