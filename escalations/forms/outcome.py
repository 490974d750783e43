"""Forms for the raiser's decisions: the outcome of a stage, closing a referral, and taking back,
re-delegating or reopening a task."""

from __future__ import annotations

import datetime as dt

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Fieldset,
    Layout,
    Size,
    Submit,
)
from django import forms
from django.utils.dateformat import format as format_date
from django.utils.html import escape

from escalations import rules
from escalations.models import Concern, Outcome, Stage, Task
from escalations.services import RETRACT_REASONS
from prp.fields import GovukDateField
from prp.forms import LockVersionField
from prp.models import OPERATIONAL_ROLES, ProtocolStage, User

from .concern import due_reason_hint
from .people import person_label

DATE_HINT = "For example, 27 3 2026"
YES_NO = [("yes", "Yes"), ("no", "No")]


def long_date(day: dt.date) -> str:
    return format_date(day, "j F Y")


def delegate_people():
    """Everyone a stage can be delegated to: active people with an operational role."""
    return (
        User.objects.filter(is_active=True, roles__code__in=OPERATIONAL_ROLES)
        .distinct()
        .select_related("team")
        .order_by("full_name", "pk")
    )


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


def yes_no_field(label: str, required_message: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": required_message},
    )


def _helper(*fields, submit: str, submit_class: str = "") -> FormHelper:
    helper = FormHelper()
    helper.label_size = Size.SMALL
    helper.layout = Layout(*fields, Submit("submit", submit, css_class=submit_class))
    return helper


# The outcome of a stage ------------------------------------------------------------------------


class OutcomeForm(forms.Form):
    """The raiser's decision on the current stage.

    Every question is on the page whatever the choice (it works without JavaScript); the
    escalation questions are only checked when the outcome is an escalation.
    """

    outcome = forms.ChoiceField(
        label="What is the outcome of this stage?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome", "invalid_choice": "Select the outcome"},
    )
    target_level = forms.TypedChoiceField(
        label="Which stage should it go to?",
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select the stage to escalate to"},
    )
    delegate_to = PersonField(
        label="Who should the next stage be delegated to?",
        queryset=None,
        required=False,
        empty_label="Use the default person for the stage",
        error_messages={"invalid_choice": "Select a person from the list"},
    )
    agreed_due_on = GovukDateField(
        label="Agreed response date",
        subject="The agreed response date",
        required=False,
    )
    copy_to = forms.TypedMultipleChoiceField(
        label="Add people to the next stage’s copy list (optional)",
        help_text="They are sent a copy of the email telling the manager of the next stage, as "
        "the people the protocol copies in are.",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select people from the list"},
    )
    bypass_reason = forms.CharField(
        label="Why are you escalating to this stage yourself?",
        required=False,
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"max_length": "The reason must be 5,000 characters or fewer"},
    )
    due_reason = forms.CharField(
        label="Why is the agreed date later than the limit?",
        required=False,
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"max_length": "The reason must be 5,000 characters or fewer"},
    )
    cafcass_consulted = PersonField(
        label="Who did you consult about the referral?",
        queryset=None,
        required=False,
        empty_label="Select a person",
        error_messages={"invalid_choice": "Select a person from the list"},
    )
    cafcass_consulted_on = GovukDateField(
        label="When did you consult them?",
        subject="The date you consulted them",
        required=False,
    )
    impact_for_child = forms.CharField(
        label="If resolved: what has it changed for the child?",
        required=False,
        widget=forms.Textarea,
        max_length=20000,
        error_messages={"max_length": "The impact must be 20,000 characters or fewer"},
    )
    comments = forms.CharField(
        label="Your comments on the outcome",
        help_text="Why you made this decision and what it means for the child.",
        widget=forms.Textarea,
        max_length=20000,
        error_messages={
            "required": "Enter your comments on the outcome",
            "max_length": "Your comments must be 20,000 characters or fewer",
        },
    )
    legal_advice_sought = yes_no_field(
        "Was independent legal advice sought?",
        "Select yes if independent legal advice was sought",
    )
    cafcass_considered = yes_no_field(
        "Was a referral to CAFCASS considered?",
        "Select yes if a referral to CAFCASS was considered",
    )
    outcome_on = GovukDateField(
        label="Date of the outcome",
        subject="The date of the outcome",
        help_text=DATE_HINT,
    )
    external_response = forms.CharField(
        required=False,
        widget=forms.Textarea,
        max_length=20000,
        error_messages={"max_length": "The response must be 20,000 characters or fewer"},
    )
    lock_version = LockVersionField()

    def __init__(
        self,
        data=None,
        *,
        concern: Concern,
        stage: Stage,
        later_stages: list[ProtocolStage],
        defaults: dict[int, User | None],
        raisable: set[int],
        bypass: set[int] = frozenset(),
        copy_people=(),
        **kwargs,
    ):
        kwargs.setdefault(
            "initial", {"outcome_on": rules.today(), "lock_version": concern.lock_version}
        )
        super().__init__(data, **kwargs)
        self.stage = stage
        self.later_stages = later_stages
        self.defaults = defaults
        self.raisable = raisable
        self.bypass = bypass
        self._copy_people = {person.pk: person for person in copy_people}
        self.next_stage = later_stages[0] if later_stages else None
        bypass = later_stages[1:]
        self.target_stage: ProtocolStage | None = None

        choices = [(Outcome.RESOLVED.value, Outcome.RESOLVED.label)]
        if self.next_stage is not None:
            label = f"Not resolved: escalate to {self.next_stage.label}"
            choices.append((Outcome.ESCALATE_NEXT.value, label))
        if bypass:
            choices.append((Outcome.ESCALATE_TO.value, Outcome.ESCALATE_TO.label))
        choices += [
            (Outcome.REFER_CAFCASS.value, Outcome.REFER_CAFCASS.label),
            (Outcome.WITHDRAWN.value, Outcome.WITHDRAWN.label),
        ]
        self.fields["outcome"].choices = choices
        self.fields["target_level"].choices = [(ps.level, ps.label) for ps in bypass]

        external_body = stage.protocol_stage.external_body
        if external_body:
            # crispy-forms-gds marks labels and hints safe: escape what an administrator typed.
            body = escape(external_body)
            self.fields["external_response"].label = f"Response from {body}"
            self.fields["external_response"].help_text = f"Record {body}'s reply on its behalf."
        else:
            del self.fields["external_response"]

        escalation = []
        if later_stages:
            self.fields["delegate_to"].queryset = delegate_people()
            self.fields["delegate_to"].help_text = self._delegate_hint()
            escalation.append(Field.select("delegate_to"))
            self.fields["copy_to"].choices = [
                (person.pk, person_label(person)) for person in self._copy_people.values()
            ]
            escalation.append(Field.checkboxes("copy_to", legend_size=Size.SMALL, small=True))
            agreed = [ps for ps in later_stages if ps.is_agreed]
            if agreed:
                names = ", ".join(escape(ps.label) for ps in agreed)
                self.fields["agreed_due_on"].help_text = (
                    f"Only for {names}, where the response date is agreed with the manager. "
                    f"{DATE_HINT}"
                )
                escalation.append(Field("agreed_due_on"))
                self.fields["due_reason"].help_text = (
                    f"Only needed if the agreed date is more than "
                    f"{concern.protocol.formal_limit_days} working days after the formal stages "
                    "began."
                )
                escalation.append(Field.textarea("due_reason", rows=3))
            else:
                del self.fields["agreed_due_on"]
                del self.fields["due_reason"]
        else:
            del self.fields["delegate_to"]
            del self.fields["copy_to"]
            del self.fields["agreed_due_on"]
            del self.fields["due_reason"]
        if not concern.protocol.resolution_records_impact:
            del self.fields["impact_for_child"]
        if self.bypass:
            names = ", ".join(escape(ps.label) for ps in later_stages if ps.pk in self.bypass)
            self.fields["bypass_reason"].help_text = (
                f"Only for {names}, which someone else normally raises. You may escalate to it "
                "yourself (IRO Handbook 6.2): they will be copied in."
            )
            escalation.append(Field.textarea("bypass_reason", rows=4))
        else:
            del self.fields["bypass_reason"]

        consult = self._consult_fields(concern)
        outcome_choices = []
        for value, label in choices:
            if value == Outcome.ESCALATE_TO:
                outcome_choices.append(
                    ConditionalQuestion(label, Field.radios("target_level", small=True))
                )
            elif value == Outcome.REFER_CAFCASS and consult:
                outcome_choices.append(ConditionalQuestion(label, *consult))
            else:
                outcome_choices.append(label)
        fields = []
        if external_body:
            fields.append(Field.textarea("external_response", rows=6))
        fields.append(ConditionalRadios("outcome", *outcome_choices))
        if "impact_for_child" in self.fields:
            fields.append(Field.textarea("impact_for_child", rows=4))
        if escalation:
            fields.append(
                Fieldset(*escalation, legend="If you escalate the concern", legend_size=Size.MEDIUM)
            )
        fields += [
            Field.textarea("comments", rows=6),
            Field.radios("legal_advice_sought", legend_size=Size.SMALL, inline=True),
            Field.radios("cafcass_considered", legend_size=Size.SMALL, inline=True),
            Field("outcome_on"),
            "lock_version",
        ]
        self.helper = _helper(*fields, submit="Record the outcome")

    def _consult_fields(self, concern: Concern) -> list:
        """Seed 000 §4.2: who the IRO consulted about a referral to CAFCASS, and when."""
        role = concern.protocol.cafcass_consult_role
        self.consult_role = role
        if role is None:
            del self.fields["cafcass_consulted"]
            del self.fields["cafcass_consulted_on"]
            return []
        field = self.fields["cafcass_consulted"]
        field.queryset = (
            User.objects.filter(is_active=True, roles=role)
            .select_related("team")
            .order_by("full_name", "pk")
        )
        field.help_text = f"The {escape(str(role))} you discussed the referral with."
        field.initial = rules.cafcass_consultee(concern)
        self.fields["cafcass_consulted_on"].initial = rules.today()
        self.fields["cafcass_consulted_on"].help_text = DATE_HINT
        return [Field.select("cafcass_consulted"), Field("cafcass_consulted_on")]

    def _clean_consultation(self, data) -> None:
        if data.get("outcome") != Outcome.REFER_CAFCASS or self.consult_role is None:
            data["cafcass_consulted"] = data["cafcass_consulted_on"] = None
            return
        if data.get("cafcass_consulted") is None and "cafcass_consulted" not in self.errors:
            self.add_error("cafcass_consulted", f"Select the {self.consult_role} you consulted")
        day = data.get("cafcass_consulted_on")
        if "cafcass_consulted_on" not in self.errors:
            if day is None:
                self.add_error("cafcass_consulted_on", "Enter the date you consulted them")
            elif day > rules.today():
                self.add_error(
                    "cafcass_consulted_on", "The date you consulted them must be today or earlier"
                )

    def _delegate_hint(self) -> str:
        people = []
        for ps in self.later_stages:
            person = self.defaults.get(ps.pk)
            if ps.external_body:
                who = f"you record {ps.external_body}'s reply, nobody is delegated"
            else:
                who = str(person) if person else "no one is set up, so choose someone"
            people.append(f"{escape(ps.label)}: {escape(who)}")
        return "If you do not choose, it goes to the usual person for the stage. " + (
            "; ".join(people) + "."
        )

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        target = None
        if outcome == Outcome.ESCALATE_NEXT:
            target = self.next_stage
        elif outcome == Outcome.ESCALATE_TO:
            level = data.get("target_level")
            if level is None:
                if "target_level" not in self.errors:
                    self.add_error("target_level", "Select the stage to escalate to")
            else:
                target = next((ps for ps in self.later_stages if ps.level == level), None)
        self.target_stage = target
        if target is None:
            # Answers to the escalation questions mean nothing for any other outcome.
            data["delegate_to"] = None
            data["agreed_due_on"] = None
            data["bypass_reason"] = ""
            data["copy_to"] = []
        else:
            data["copy_to"] = [self._copy_people[pk] for pk in data.get("copy_to") or []]
            self._clean_escalation(data, target)
        self._clean_consultation(data)
        self._clean_outcome_on(data.get("outcome_on"))
        return data

    def _clean_escalation(self, data, target: ProtocolStage) -> None:
        if target.pk not in self.raisable:
            self.add_error(
                "outcome",
                f"You cannot escalate to {target.label}. Ask someone who can, such as your manager",
            )
        if target.pk not in self.bypass:
            data["bypass_reason"] = ""
        elif not (data.get("bypass_reason") or "").strip() and "bypass_reason" not in self.errors:
            self.add_error(
                "bypass_reason", f"Enter why you are escalating to {target.label} yourself"
            )
        if data.get("delegate_to") is None and "delegate_to" not in self.errors:
            default = self.defaults.get(target.pk)
            needs_someone = not (target.delegation_optional or target.external_body)
            if default is None and needs_someone:
                self.add_error("delegate_to", f"Select who to delegate {target.label} to")
            data["delegate_to"] = default
        if not target.is_agreed:
            data["agreed_due_on"] = None
        elif "agreed_due_on" not in self.errors:
            agreed = data.get("agreed_due_on")
            if agreed is None:
                self.add_error(
                    "agreed_due_on", f"Enter the date the {target.label} response is agreed for"
                )
            elif agreed < rules.today():
                self.add_error(
                    "agreed_due_on", "The agreed response date must be today or in the future"
                )

    def _clean_outcome_on(self, day: dt.date | None) -> None:
        if day is None:
            return
        if day > rules.today():
            self.add_error("outcome_on", "The date of the outcome must be today or in the past")
        elif day < self.stage.opened_on:
            self.add_error(
                "outcome_on",
                f"The date of the outcome must be on or after {long_date(self.stage.opened_on)}, "
                f"when {self.stage.protocol_stage.label} opened",
            )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        target = self.target_stage
        return {
            "lock_version": data["lock_version"],
            "outcome": data["outcome"],
            "comments": data["comments"],
            "legal_advice_sought": data["legal_advice_sought"],
            "cafcass_considered": data["cafcass_considered"],
            "outcome_on": data["outcome_on"],
            "target_level": target.level if data["outcome"] == Outcome.ESCALATE_TO else None,
            "delegate_to": data.get("delegate_to"),
            "agreed_due_on": data.get("agreed_due_on"),
            "copy_to": data.get("copy_to") or [],
            "external_response": data.get("external_response", ""),
            "bypass_reason": data.get("bypass_reason") or "",
            "cafcass_consulted": data.get("cafcass_consulted"),
            "cafcass_consulted_on": data.get("cafcass_consulted_on"),
            "due_reason": data.get("due_reason") or "",
            "impact_for_child": data.get("impact_for_child") or "",
        }


class ReferralCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="How did the referral end?",
        choices=[
            (Outcome.RESOLVED.value, "Resolved"),
            (Outcome.WITHDRAWN.value, "Withdrawn"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the concern was resolved or withdrawn",
            "invalid_choice": "Select whether the concern was resolved or withdrawn",
        },
    )
    comments = forms.CharField(
        label="Your comments",
        help_text="What CAFCASS did and what it means for the child.",
        widget=forms.Textarea,
        max_length=20000,
        error_messages={
            "required": "Enter your comments",
            "max_length": "Your comments must be 20,000 characters or fewer",
        },
    )
    lock_version = LockVersionField()

    def __init__(self, data=None, *, concern: Concern, **kwargs):
        kwargs.setdefault("initial", {"lock_version": concern.lock_version})
        super().__init__(data, **kwargs)
        self.helper = _helper(
            Field.radios("outcome", legend_size=Size.SMALL),
            Field.textarea("comments", rows=6),
            "lock_version",
            submit="Close the referral",
        )


# Taking back, re-delegating and reopening tasks --------------------------------------------------


class RetractForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why are you taking the task back?",
        choices=list(RETRACT_REASONS.items()),
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select why you are retracting the task",
            "invalid_choice": "Select why you are retracting the task",
        },
    )
    note = forms.CharField(
        label="Note for the person the task is taken from",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={
            "required": "Enter a note for the person the task is taken from",
            "max_length": "The note must be 5,000 characters or fewer",
        },
    )
    lock_version = LockVersionField()

    def __init__(self, data=None, *, task: Task, **kwargs):
        kwargs.setdefault("initial", {"lock_version": task.lock_version})
        super().__init__(data, **kwargs)
        self.helper = _helper(
            Field.radios("reason", legend_size=Size.SMALL),
            Field.textarea("note", rows=5),
            "lock_version",
            submit="Take back the task",
            submit_class="govuk-button--warning",
        )


class RedelegateForm(forms.Form):
    assignee = PersonField(
        label="Who should the task go to?",
        queryset=None,
        empty_label="Select a person",
        error_messages={
            "required": "Select who to delegate the task to",
            "invalid_choice": "Select who to delegate the task to",
        },
    )
    note = forms.CharField(
        label="Why is the task moving?",
        help_text="Both people will see this note.",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={
            "required": "Enter a note saying why the task is moving",
            "max_length": "The note must be 5,000 characters or fewer",
        },
    )
    agreed_due_on = GovukDateField(
        label="Agreed response date",
        subject="The agreed response date",
        required_message="Enter the date the response is agreed for",
        help_text=DATE_HINT,
    )
    due_reason = forms.CharField(
        label="Why is the date later than the usual time?",
        required=False,
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"max_length": "The reason must be 5,000 characters or fewer"},
    )
    lock_version = LockVersionField()

    def __init__(self, data=None, *, concern: Concern, stage: Stage, suggested=None, **kwargs):
        ps = stage.protocol_stage
        initial = {"lock_version": concern.lock_version, "assignee": suggested}
        if ps.is_agreed:
            today = rules.today()
            due = stage.due_on
            initial["agreed_due_on"] = (
                due
                if due and due >= today
                else rules.suggested_agreed_date(ps, stage.opened_on, concern)
            )
        kwargs.setdefault("initial", initial)
        super().__init__(data, **kwargs)
        self.fields["assignee"].queryset = delegate_people()
        fields = [Field.select("assignee"), Field.textarea("note", rows=4)]
        if ps.is_agreed:
            fields.append(Field("agreed_due_on"))
            self.fields["due_reason"].help_text = due_reason_hint(ps)
            fields.append(Field.textarea("due_reason", rows=3))
        else:
            del self.fields["agreed_due_on"]
            del self.fields["due_reason"]
        self.helper = _helper(*fields, "lock_version", submit="Re-delegate the task")

    def clean_agreed_due_on(self):
        day = self.cleaned_data.get("agreed_due_on")
        if day is not None and day < rules.today():
            raise forms.ValidationError("The agreed response date must be today or in the future")
        return day

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "lock_version": data["lock_version"],
            "assignee": data["assignee"],
            "note": data["note"],
            "agreed_due_on": data.get("agreed_due_on"),
            "due_reason": data.get("due_reason") or "",
        }


def reopened_due_date(stage: Stage) -> dt.date | None:
    """The default new due date: the stage's usual time to respond, counted from today, within
    the formal limit while it lasts."""
    ps, today = stage.protocol_stage, rules.today()
    if ps.is_agreed:
        return rules.suggested_agreed_date(ps, today, stage.concern)
    return rules.plan_due(stage.concern, ps, today, None).due_on


class ReactivateForm(forms.Form):
    due_on = GovukDateField(
        label="When is the new response due?",
        subject="The new response date",
        help_text=DATE_HINT,
    )
    due_reason = forms.CharField(
        label="Why is the date later than the usual time?",
        required=False,
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"max_length": "The reason must be 5,000 characters or fewer"},
    )
    lock_version = LockVersionField()

    def __init__(self, data=None, *, task: Task, **kwargs):
        kwargs.setdefault(
            "initial",
            {"due_on": reopened_due_date(task.stage), "lock_version": task.lock_version},
        )
        super().__init__(data, **kwargs)
        self.fields["due_reason"].help_text = due_reason_hint(task.stage.protocol_stage)
        self.helper = _helper(
            Field("due_on"),
            Field.textarea("due_reason", rows=3),
            "lock_version",
            submit="Reopen the response",
        )

    def clean_due_on(self):
        day = self.cleaned_data["due_on"]
        if day < rules.today():
            raise forms.ValidationError("The new response date must be today or in the future")
        return day


# Passing a task on, and taking it back (Gloucestershire Formal 3) -----------------------------


class PassOnForm(forms.Form):
    assignee = PersonField(
        label="Who should respond?",
        queryset=None,
        empty_label="Select a person",
        error_messages={
            "required": "Select who should respond",
            "invalid_choice": "Select who should respond",
        },
    )
    note = forms.CharField(
        label="Note for them",
        help_text="You stay accountable: you are copied on everything and can take it back.",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={
            "required": "Enter a note for the person you are passing it to",
            "max_length": "The note must be 5,000 characters or fewer",
        },
    )
    lock_version = LockVersionField()

    def __init__(self, data=None, *, task: Task, roles: list, **kwargs):
        kwargs.setdefault("initial", {"lock_version": task.lock_version})
        super().__init__(data, **kwargs)
        self.fields["assignee"].queryset = (
            User.objects.filter(is_active=True, roles__in=roles)
            .exclude(pk=task.assignee_id)
            .distinct()
            .select_related("team")
            .order_by("full_name", "pk")
        )
        self.fields["assignee"].help_text = f"A {escape(rules.role_names(roles))}."
        self.helper = _helper(
            Field.select("assignee"),
            Field.textarea("note", rows=4),
            "lock_version",
            submit="Pass the task on",
        )


class TakeBackForm(forms.Form):
    lock_version = LockVersionField()

    def __init__(self, data=None, *, task: Task, **kwargs):
        kwargs.setdefault("initial", {"lock_version": task.lock_version})
        super().__init__(data, **kwargs)
        self.helper = _helper("lock_version", submit="Take the task back")
