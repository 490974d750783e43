"""Forms for a child's reviews, key dates, post-review tasks and significant changes.

The services in cases.services hold the rules; these forms check what a person typed (real
dates, nothing in the future) so mistakes are shown next to the question.
"""

from __future__ import annotations

import datetime as dt

from crispy_forms_gds.layout import ConditionalQuestion, ConditionalRadios, Field, Size
from django import forms
from django.utils import timezone

from prp.fields import GovukDateField
from prp.forms import GovukFormMixin, LockVersionField
from prp.models import User
from prp.submissions import SubmitOnceForm

from .models import (
    Child,
    ChildStatus,
    KeyDate,
    PlannedStep,
    Review,
    ReviewStep,
    SignificantChange,
)
from .services import change_kinds_for

DATE_HINT = "For example, 27 3 2026"

REVIEW_KINDS = {
    ChildStatus.CHILD_IN_CARE: [Review.Kind.CIC_REVIEW],
    ChildStatus.CHILD_PROTECTION: [Review.Kind.CP_INITIAL, Review.Kind.CP_REVIEW],
}

KEY_DATE_KINDS = {
    ChildStatus.CHILD_IN_CARE: [
        KeyDate.Kind.CAME_INTO_CARE,
        KeyDate.Kind.CARER_CHANGE,
        KeyDate.Kind.PLACEMENT_ORDER,
        KeyDate.Kind.PLACED_FOR_ADOPTION,
        KeyDate.Kind.LEFT_CARE,
    ],
    ChildStatus.CHILD_PROTECTION: [
        KeyDate.Kind.STRATEGY_DISCUSSION,
        KeyDate.Kind.CP_PLAN_ENDED,
        KeyDate.Kind.CAME_INTO_CARE,
    ],
    ChildStatus.CHILD_IN_NEED: [KeyDate.Kind.STRATEGY_DISCUSSION, KeyDate.Kind.CAME_INTO_CARE],
    ChildStatus.CARE_LEAVER: [KeyDate.Kind.LEFT_CARE, KeyDate.Kind.CAME_INTO_CARE],
}


def review_kinds_for(child: Child) -> list:
    """The reviews recorded for this child: none when no statutory schedule applies."""
    return REVIEW_KINDS.get(child.status, [])


def _choice_field(label: str, message: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        widget=forms.RadioSelect,
        error_messages={"required": message, "invalid_choice": message},
    )


def _not_in_future(day: dt.date | None, message: str) -> dt.date | None:
    if day is not None and day > timezone.localdate():
        raise forms.ValidationError(message)
    return day


def _after_birth(day: dt.date | None, child: Child) -> dt.date | None:
    if day is not None and day < child.date_of_birth:
        raise forms.ValidationError("The date must be on or after the child's date of birth")
    return day


class ReviewForm(GovukFormMixin, SubmitOnceForm):
    submit_label = "Record the review"

    kind = _choice_field("Which review was held?", "Select which review was held")
    held_on = GovukDateField(
        label="When was it held?",
        subject="The date it was held",
        required_message="Enter the date the review was held",
        help_text=DATE_HINT,
    )
    early = forms.BooleanField(
        label="It was held early, for example after a significant change", required=False
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        widget=forms.Textarea,
        max_length=10000,
        error_messages={"max_length": "Notes must be 10,000 characters or fewer"},
    )

    def __init__(self, data=None, *, child: Child, **kwargs):
        super().__init__(data, **kwargs)
        kinds = review_kinds_for(child)
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]
        layout = []
        if len(kinds) == 1:
            # Only one kind of review for this child: nothing to ask.
            self.fields["kind"].widget = forms.HiddenInput()
            self.fields["kind"].initial = kinds[0].value
            layout.append("kind")
        else:
            layout.append(Field.radios("kind", legend_size=Size.SMALL))
        layout += [Field("held_on"), Field.checkbox("early"), Field.textarea("notes", rows=5)]
        self.helper = self.build_helper(*layout)

    def clean_held_on(self):
        return _not_in_future(
            self.cleaned_data.get("held_on"), "The date it was held must be today or in the past"
        )


class KeyDateForm(GovukFormMixin, SubmitOnceForm):
    submit_label = "Record the date"

    kind = _choice_field("What happened?", "Select what happened")
    on = GovukDateField(
        label="When did it happen?",
        subject="The date",
        required_message="Enter the date it happened",
        help_text=DATE_HINT,
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=300,
        error_messages={"max_length": "The note must be 300 characters or fewer"},
    )

    def __init__(self, data=None, *, child: Child, **kwargs):
        super().__init__(data, **kwargs)
        self.child = child
        kinds = KEY_DATE_KINDS.get(child.status, list(KeyDate.Kind))
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]
        self.helper = self.build_helper(
            Field.radios("kind", legend_size=Size.SMALL),
            Field("on"),
            Field.text("note"),
        )

    def clean_on(self):
        day = _not_in_future(self.cleaned_data.get("on"), "The date must be today or in the past")
        return _after_birth(day, self.child)


AGREED_LABEL = "Yes, I agree with the decisions"
NOT_AGREED_LABEL = "No, I do not agree with some of the decisions"


class StepCompleteForm(GovukFormMixin, forms.Form):
    """Marks a post-review task as done; the team manager also answers whether they agree."""

    outcome = _choice_field(
        "Do you agree with the review decisions?",
        "Select whether you agree with the review decisions",
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea,
        max_length=10000,
        error_messages={"max_length": "The note must be 10,000 characters or fewer"},
    )
    done_on = GovukDateField(
        label="When was it done?",
        subject="The date it was done",
        required_message="Enter the date it was done",
        help_text=DATE_HINT,
    )
    lock_version = LockVersionField()

    def __init__(self, data=None, *, step: ReviewStep, **kwargs):
        kwargs.setdefault(
            "initial", {"done_on": timezone.localdate(), "lock_version": step.lock_version}
        )
        super().__init__(data, **kwargs)
        self.asks_agreement = step.kind == ReviewStep.Kind.DECISIONS_CONSIDERED
        if self.asks_agreement:
            self.submit_label = "Send your answer"
            self.fields["outcome"].choices = [
                (ReviewStep.Outcome.AGREED.value, AGREED_LABEL),
                (ReviewStep.Outcome.NOT_AGREED.value, NOT_AGREED_LABEL),
            ]
            self.fields["note"].label = "Which decisions do you not agree with, and why?"
            self.fields["done_on"].label = "When did you consider them?"
            layout = [
                ConditionalRadios(
                    "outcome",
                    AGREED_LABEL,
                    ConditionalQuestion(NOT_AGREED_LABEL, Field.textarea("note", rows=5)),
                ),
                Field("done_on"),
            ]
        else:
            self.submit_label = "Mark as done"
            del self.fields["outcome"]
            self.fields["note"].label = "Note (optional)"
            layout = [Field("done_on"), Field.textarea("note", rows=3)]
        self.helper = self.build_helper(*layout, "lock_version")

    def clean_done_on(self):
        return _not_in_future(
            self.cleaned_data.get("done_on"), "The date it was done must be today or in the past"
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        outcome = data.get("outcome") or ReviewStep.Outcome.DONE
        note = data["note"] if outcome != ReviewStep.Outcome.AGREED else ""
        return {
            "lock_version": data["lock_version"],
            "done_on": data["done_on"],
            "outcome": outcome,
            "note": note,
        }


DONE_ON_LABELS = {
    PlannedStep.Kind.IRO_VISIT: "When did you visit?",
    PlannedStep.Kind.VISIT_NOTE: "When was the note recorded?",
    PlannedStep.Kind.INVITATIONS_SENT: "When were the invitations sent?",
    PlannedStep.Kind.DOCUMENTS_SENT: "When were they sent?",
    PlannedStep.Kind.CHILD_CONSULTED: "When did you talk with the child?",
}


class PlannedStepCompleteForm(GovukFormMixin, forms.Form):
    """Marks a task before a review as done (seed 004)."""

    submit_label = "Mark as done"

    done_on = GovukDateField(
        label="When was it done?",
        subject="The date it was done",
        required_message="Enter the date it was done",
        help_text=DATE_HINT,
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        widget=forms.Textarea,
        max_length=10000,
        error_messages={"max_length": "The note must be 10,000 characters or fewer"},
    )
    lock_version = LockVersionField()

    def __init__(self, data=None, *, step: PlannedStep, **kwargs):
        kwargs.setdefault(
            "initial", {"done_on": timezone.localdate(), "lock_version": step.lock_version}
        )
        super().__init__(data, **kwargs)
        self.fields["done_on"].label = DONE_ON_LABELS.get(step.kind, "When was it done?")
        self.helper = self.build_helper(
            Field("done_on"), Field.textarea("note", rows=3), "lock_version"
        )

    def clean_done_on(self):
        return _not_in_future(
            self.cleaned_data.get("done_on"), "The date it was done must be today or in the past"
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "lock_version": data["lock_version"],
            "done_on": data["done_on"],
            "note": data["note"],
        }


class ChangeForm(GovukFormMixin, SubmitOnceForm):
    submit_label = "Tell the reviewing officer"

    kind = _choice_field("What has changed?", "Select what has changed")
    occurred_on = GovukDateField(
        label="When did it happen?",
        subject="The date it happened",
        required_message="Enter the date it happened",
        help_text="If it is proposed and has not happened yet, enter today's date. " + DATE_HINT,
    )
    details = forms.CharField(
        label="What happened, and what does it mean for the child?",
        widget=forms.Textarea,
        max_length=10000,
        error_messages={
            "required": "Enter what happened",
            "max_length": "What happened must be 10,000 characters or fewer",
        },
    )

    def __init__(self, data=None, *, child: Child, **kwargs):
        super().__init__(data, **kwargs)
        self.child = child
        self.fields["kind"].choices = [(k.value, k.label) for k in change_kinds_for(child)]
        self.helper = self.build_helper(
            Field.radios("kind", legend_size=Size.SMALL, small=True),
            Field("occurred_on"),
            Field.textarea("details", rows=6),
        )

    def clean_occurred_on(self):
        day = _not_in_future(
            self.cleaned_data.get("occurred_on"),
            "The date it happened must be today or in the past",
        )
        return _after_birth(day, self.child)


class ChangeDecideForm(GovukFormMixin, forms.Form):
    submit_label = "Record your decision"

    decision = _choice_field(
        "Is an early review needed?", "Select whether an early review is needed"
    )
    early_review_by = GovukDateField(
        label="Early review by",
        subject="The early review date",
        help_text=DATE_HINT,
        required=False,
    )
    reason = forms.CharField(
        label="Why is no early review needed?",
        required=False,
        widget=forms.Textarea,
        max_length=10000,
        error_messages={"max_length": "The reason must be 10,000 characters or fewer"},
    )
    lock_version = LockVersionField()

    def __init__(self, data=None, *, change: SignificantChange, **kwargs):
        kwargs.setdefault("initial", {"lock_version": change.lock_version})
        super().__init__(data, **kwargs)
        Decision = SignificantChange.Decision
        early, no_early = Decision.EARLY_REVIEW, Decision.NO_EARLY_REVIEW
        self.fields["decision"].choices = [
            (early.value, early.label),
            (no_early.value, no_early.label),
        ]
        self.helper = self.build_helper(
            ConditionalRadios(
                "decision",
                ConditionalQuestion(early.label, Field("early_review_by")),
                ConditionalQuestion(no_early.label, Field.textarea("reason", rows=4)),
            ),
            "lock_version",
        )

    def clean(self):
        data = super().clean()
        if data.get("decision") != SignificantChange.Decision.EARLY_REVIEW:
            # A half-typed date under the other answer does not matter.
            self.errors.pop("early_review_by", None)
            data["early_review_by"] = None
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "lock_version": data["lock_version"],
            "decision": data["decision"],
            "early_review_by": data.get("early_review_by"),
            "reason": data.get("reason", ""),
        }


class ReviewerAllocateForm(GovukFormMixin, forms.Form):
    """A reviewing manager allocates an IRO or CP Chair to a child who has none."""

    submit_label = "Allocate"

    officer = forms.ModelChoiceField(
        queryset=None, error_messages={"required": "Select who to allocate"}
    )

    def __init__(self, data=None, *, child: Child, **kwargs):
        from .permissions import reviewer_roles_for

        super().__init__(data, **kwargs)
        field = self.fields["officer"]
        field.label = f"Who will be {child.first_name}'s {child.reviewing_officer_title}?"
        field.error_messages["required"] = f"Select {child.a_reviewing_officer}"
        field.error_messages["invalid_choice"] = f"Select {child.a_reviewing_officer}"
        field.queryset = (
            User.objects.filter(is_active=True, roles__in=reviewer_roles_for(child))
            .distinct()
            .order_by("full_name", "pk")
        )
        self.helper = self.build_helper(Field.select("officer"))
