"""Good practice notes and external agency concerns."""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Fluid, Size
from django import forms

from cases.models import Child
from cases.selectors import child_queryset, may_see_child
from escalations.forms.people import person_label
from escalations.models import ExternalAgencyNote
from prp.fields import GovukDateField
from prp.forms import GovukFormMixin
from prp.models import (
    OPERATIONAL_ROLES,
    RAISER_ROLES,
    Protocol,
    ProtocolCategory,
    RoleCode,
    User,
)
from prp.submissions import SubmitOnceForm

REVIEWER_ROLES = (RoleCode.IRO, RoleCode.CP_CHAIR, RoleCode.FGC_COORDINATOR)


def recipient_choices(user: User, child: Child | None) -> list:
    """Who a note can go to, the likeliest first.

    From the reviewing service: the child's social worker and team manager, then everyone else.
    From a manager or practitioner: the IROs and CP Chairs (the child's own first).
    """
    staff = User.objects.filter(is_active=True).exclude(pk=user.pk).select_related("team")
    first_ids: list[int | None] = []
    first_heading, others_heading = "", "Everyone else"
    if user.role_codes & OPERATIONAL_ROLES and not user.role_codes & RAISER_ROLES:
        staff = staff.filter(roles__code__in=REVIEWER_ROLES).distinct()
        if child is not None:
            first_ids = [child.reviewing_officer_id]
            first_heading = f"{child.first_name}'s {child.reviewing_officer_title}"
            others_heading = "Other IROs and CP Chairs"
    elif child is not None:
        first_ids = [child.social_worker_id, child.team.manager_id if child.team else None]
        first_heading = f"{child.first_name}'s social worker and team manager"
    people = {person.pk: person for person in staff.order_by("full_name", "pk")}
    first = [people[pk] for pk in dict.fromkeys(first_ids) if pk in people]
    if child is not None and child.restricted:
        # A note about a restricted child can only go to people named on the record.
        first = [person for person in first if may_see_child(person, child)]
    others = [person for person in people.values() if person not in first]
    groups = []
    if first:
        groups.append((first_heading, [(person.pk, person_label(person)) for person in first]))
    return groups + _by_team(others, others_heading if first else "")


def _by_team(people: list[User], heading: str) -> list:
    """One group a team, its name said once in the group's heading rather than after each
    person; people with no team last."""
    teams: dict[str, list] = {}
    for person in people:
        label = f"{person.full_name} ({person.job_title})" if person.job_title else person.full_name
        teams.setdefault(str(person.team or ""), []).append((person.pk, label))
    prefix = f"{heading}: " if heading else ""
    named = sorted((name, choices) for name, choices in teams.items() if name)
    groups = [(f"{prefix}{name}", choices) for name, choices in named]
    if "" in teams:
        groups.append((f"{prefix}No team", teams[""]))
    return groups


class ChildChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.reference})"


class GoodPracticeNoteForm(GovukFormMixin, SubmitOnceForm):
    submit_label = "Send good practice note"

    recipient = forms.TypedChoiceField(
        label="Who is the note for?",
        help_text="Their manager is copied in.",
        coerce=int,
        error_messages={
            "required": "Select who the note is for",
            "invalid_choice": "Select who the note is for",
        },
    )
    category = forms.ModelChoiceField(
        label="Which area of practice is it about?",
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a category", "invalid_choice": "Select a category"},
    )
    note = forms.CharField(
        label="What was done well",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={
            "required": "Enter what was done well",
            "max_length": "What was done well must be 5000 characters or fewer",
        },
    )
    impact_on_child = forms.CharField(
        label="What difference did it make to the child?",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={
            "required": "Enter what difference it made to the child",
            "max_length": "What difference it made must be 5000 characters or fewer",
        },
    )
    child = ChildChoiceField(
        label="Which child is it about? (optional)",
        queryset=None,
        required=False,
        empty_label="Not about one child",
        error_messages={"invalid_choice": "Select a child from the list"},
    )

    def __init__(
        self, *args, user: User, protocol: Protocol | None, child: Child | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        choices = recipient_choices(user, child)
        self.fields["recipient"].choices = [("", "Select a person"), *choices]
        self._people = User.objects.filter(is_active=True).exclude(pk=user.pk)
        self.fields["category"].queryset = (
            protocol.categories.all() if protocol else ProtocolCategory.objects.none()
        )
        self.fields["child"].queryset = child_queryset(user).order_by("last_name", "first_name")
        if child is not None:
            self.fields["child"].initial = child.pk
        self.helper = self.build_helper(
            Field.select("recipient"),
            Field.radios("category", legend_size=Size.SMALL),
            Field.textarea("note", rows=5),
            Field.textarea("impact_on_child", rows=5),
            Field.select("child"),
        )

    def clean_recipient(self):
        person = self._people.filter(pk=self.cleaned_data["recipient"]).first()
        if person is None:
            raise forms.ValidationError("Select who the note is for")
        return person


class AgencyNoteForm(GovukFormMixin, SubmitOnceForm):
    submit_label = "Save external agency concern"

    agency = forms.CharField(
        label="Which agency is the concern about?",
        help_text="For example, the police, a school, a GP practice or a health visitor.",
        max_length=150,
        error_messages={
            "required": "Enter the name of the agency",
            "max_length": "The name of the agency must be 150 characters or fewer",
        },
    )
    level = forms.ChoiceField(
        label="Is it an informal or a formal concern?",
        choices=ExternalAgencyNote.Level.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the concern is informal or formal",
            "invalid_choice": "Select whether the concern is informal or formal",
        },
    )
    summary = forms.CharField(
        label="What is the concern and what has been done about it?",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        error_messages={
            "required": "Enter a summary of the concern",
            "max_length": "The summary must be 10000 characters or fewer",
        },
    )
    recorded_on = GovukDateField(
        label="When was the concern raised with the agency?",
        help_text="For example, 27 3 2026",
        subject="The date the concern was raised",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self.build_helper(
            Field.text("agency", field_width=Fluid.TWO_THIRDS),
            Field.radios("level", legend_size=Size.SMALL, inline=True),
            Field.textarea("summary", rows=6),
            Field("recorded_on"),
        )
