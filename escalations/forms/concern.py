"""Forms for raising a concern: the draft's sections and the "Delegate and raise" page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Fluid,
    Layout,
    Size,
    Submit,
)
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from cases.models import Child
from escalations import rules, services
from escalations.forms.people import person_label
from escalations.models import Concern
from prp.fields import GovukDateField
from prp.forms import GovukFormMixin, LockVersionField
from prp.models import OPERATIONAL_ROLES, ProtocolCategory, ProtocolStage, RoleCode, User
from prp.submissions import SubmitOnceForm

TITLE_MAX = 200


def timescale_hint(stage: ProtocolStage) -> str:
    """How long a stage has for its response, in words."""
    if stage.is_agreed:
        other = stage.external_body or "the manager"
        return f"Response date agreed with {other}"
    days = stage.response_days
    return f"Response within {days} working day{'s' if days != 1 else ''}"


def _legend(field: str, size: str = Size.SMALL) -> Field:
    """A fieldset-style field (radios, checkboxes, date input) with a sized legend."""
    return Field(field, context={"legend_size": Size.for_legend(size)})


def _hidden(field: str) -> Field:
    return Field(field)


def due_reason_hint(stage: ProtocolStage) -> str:
    """When an agreed date needs a reason (issue 14 rules 3 and 4)."""
    protocol = stage.protocol
    if stage.is_informal:
        if protocol.informal_guideline_days:
            return (
                f"Only needed if the date is more than {protocol.informal_guideline_days} "
                "working days away. The informal stage must not create drift: a date more than "
                f"{protocol.informal_limit_days} working days away is not accepted."
            )
        return (
            f"The informal stage must not create drift: a date more than "
            f"{protocol.informal_limit_days} working days away is not accepted."
        )
    return (
        f"Only needed if the date is more than {protocol.formal_limit_days} working days after "
        "the formal stages began: the formal stages together should not take longer."
    )


class ConcernDetailsForm(GovukFormMixin, SubmitOnceForm):
    """Who the concern is about, its title and the stage to start at (start and edit)."""

    submit_label = "Save and continue"

    children = forms.MultipleChoiceField(
        label="Which children is the concern about?",
        help_text="Select all that apply. The first child selected is the main child.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one child",
            "invalid_choice": "Select children from the list",
        },
    )
    title = forms.CharField(
        label="Title",
        help_text="A short summary, for example: Permanence plan not agreed.",
        max_length=TITLE_MAX,
        error_messages={
            "required": "Enter a short title for the concern",
            "max_length": f"Title must be {TITLE_MAX} characters or fewer",
        },
    )
    start_level = forms.TypedChoiceField(
        label="Which stage do you want to start at?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the stage to start at",
            "invalid_choice": "Select the stage to start at",
        },
    )
    date_of_concern = GovukDateField(
        label="Date of concern (optional)",
        subject="The date of concern",
        required=False,
        help_text="The day the concern arose, for example the date of the review that prompted "
        "it. The response deadline counts from it. For example, 27 3 2024.",
    )

    def __init__(
        self,
        data=None,
        *,
        candidates: Sequence[Child],
        stages: Sequence[ProtocolStage],
        primary: Child | None = None,
        lock_version: int | None = None,
        **kwargs,
    ):
        super().__init__(data, **kwargs)
        self._candidates = {child.pk: child for child in candidates}
        self._primary = primary
        self.fields["children"].choices = [(child.pk, child.full_name) for child in candidates]
        self.fields["start_level"].choices = [
            Choice(stage.level, stage.label, hint=self._stage_hint(stage)) for stage in stages
        ]
        if stages and "start_level" not in self.initial:
            self.fields["start_level"].initial = stages[0].level
        layout = [
            _legend("children"),
            Field.text("title", field_width=Fluid.TWO_THIRDS),
            _legend("start_level"),
            _legend("date_of_concern"),
        ]
        if lock_version is not None:
            self.fields["lock_version"] = LockVersionField(initial=lock_version)
            layout.insert(0, _hidden("lock_version"))
        self.helper = self.build_helper(*layout)

    def _stage_hint(self, stage: ProtocolStage) -> str:
        hint = timescale_hint(stage)
        if getattr(stage, "bypass", False):
            # IRO Handbook 6.2: the raiser may start here, giving a reason when they raise it.
            hint += f". Usually raised by the {rules.usual_raisers_label(stage)}: give a reason"
        return hint

    def clean_children(self) -> list[Child]:
        chosen = [self._candidates[int(pk)] for pk in self.cleaned_data["children"]]
        # The child the concern started from stays the main child while they are ticked.
        chosen.sort(key=lambda child: child != self._primary)
        return chosen

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError("Enter a short title for the concern")
        return title

    def clean_date_of_concern(self) -> dt.date | None:
        day = self.cleaned_data.get("date_of_concern")
        if day is not None and day > rules.today():
            raise ValidationError("The date of concern must be today or in the past")
        return day


class SubConcernForm(GovukFormMixin, SubmitOnceForm):
    submit_label = "Add this concern"

    category = forms.TypedChoiceField(
        label="Which category is the concern about?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the category of the concern",
            "invalid_choice": "Select the category of the concern",
        },
    )
    description = forms.CharField(
        label="What is the concern?",
        help_text="Say what is not happening or is going wrong in the child's plan.",
        widget=forms.Textarea,
        error_messages={"required": "Enter what the concern is"},
    )
    impact_on_child = forms.CharField(
        label="What is the impact on the child?",
        help_text="Describe the effect on the child's daily life, safety and long-term outcomes.",
        widget=forms.Textarea,
        error_messages={"required": "Enter the impact on the child"},
    )
    child_views = forms.CharField(
        label="What are the child's views? (optional)",
        help_text="In the child's own words if you can. Say if they have not been asked and why.",
        widget=forms.Textarea,
        required=False,
    )

    def __init__(self, data=None, *, categories: Iterable[ProtocolCategory], **kwargs):
        super().__init__(data, **kwargs)
        self._categories = {category.pk: category for category in categories}
        self.fields["category"].choices = [
            (category.pk, category.name) for category in self._categories.values()
        ]
        self.helper = self.build_helper(
            _legend("category"),
            Field.textarea("description", rows=5),
            Field.textarea("impact_on_child", rows=5),
            Field.textarea("child_views", rows=4),
        )

    def clean_category(self) -> ProtocolCategory:
        return self._categories[self.cleaned_data["category"]]

    def clean(self):
        data = super().clean()
        for name in ("description", "impact_on_child"):
            if name in data and not data[name].strip():
                self.add_error(name, self.fields[name].error_messages["required"])
        return data


class DiscussionForm(GovukFormMixin, SubmitOnceForm):
    submit_label = "Save discussion"

    held_on = GovukDateField(
        label="When was the discussion held?",
        help_text="For example, 27 11 2023",
        subject="The date of the discussion",
    )
    held_with = forms.CharField(
        label="Who was it with?",
        help_text="Their name and role, for example: Sam Worker, social worker.",
        max_length=200,
        error_messages={
            "required": "Enter who the discussion was with",
            "max_length": "Who it was with must be 200 characters or fewer",
        },
    )
    summary = forms.CharField(
        label="What was discussed and agreed?",
        widget=forms.Textarea,
        error_messages={"required": "Enter a summary of the discussion"},
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.helper = self.build_helper(
            _legend("held_on"),
            Field.text("held_with", field_width=Fluid.TWO_THIRDS),
            Field.textarea("summary", rows=5),
        )

    def clean_held_on(self) -> dt.date:
        held_on = self.cleaned_data["held_on"]
        if held_on > rules.today():
            raise ValidationError("The date of the discussion must be today or in the past")
        return held_on


def people_involved(concern: Concern) -> QuerySet[User]:
    """Who an action can be given to: the children's social workers and team managers, the
    raiser, and everyone already involved. Built from the prefetched concern; one query."""
    ids = {concern.raised_by_id}
    for link in concern.concern_children.all():
        ids.add(link.child.social_worker_id)
        if link.child.team is not None:
            ids.add(link.child.team.manager_id)
    for stage in concern.stages.all():
        ids.update(task.assignee_id for task in stage.tasks.all())
    ids.update(action.owner_id for action in concern.actions.all())
    ids.discard(None)
    return User.objects.filter(pk__in=ids, is_active=True).order_by("full_name", "id")


class ActionForm(GovukFormMixin, SubmitOnceForm):
    submit_label = "Save action"

    description = forms.CharField(
        label="What will be done?",
        widget=forms.Textarea,
        error_messages={"required": "Enter what will be done"},
    )
    owner = forms.TypedChoiceField(
        label="Who will do it?",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Select a person from the list"},
    )
    owner_name = forms.CharField(
        label="Or, if they do not have an account here, enter their name and role",
        help_text="For example, Dr Patel, school nurse.",
        max_length=150,
        required=False,
        error_messages={"max_length": "The name must be 150 characters or fewer"},
    )
    due_on = GovukDateField(
        label="By when?",
        help_text="For example, 15 12 2023",
        subject="The date the action is due",
    )

    def __init__(self, data=None, *, people: Iterable[User], **kwargs):
        super().__init__(data, **kwargs)
        self._people = {person.pk: person for person in people}
        self.fields["owner"].choices = [("", "Select a person")] + [
            (person.pk, person.full_name) for person in self._people.values()
        ]
        self.helper = self.build_helper(*self.layout_fields())

    def layout_fields(self) -> list:
        return [
            Field.textarea("description", rows=4),
            Field.select("owner"),
            Field.text("owner_name", field_width=Fluid.TWO_THIRDS),
            _legend("due_on"),
        ]

    def clean_due_on(self) -> dt.date:
        due_on = self.cleaned_data["due_on"]
        if self.initial.get("due_on") == due_on:
            return due_on  # an edit that keeps the date, even one now passed
        try:
            rules.check_action_due_on(due_on)
        except ValidationError as error:
            raise ValidationError(error.message_dict["due_on"]) from None
        return due_on

    def clean(self):
        data = super().clean()
        if "description" in data and not data["description"].strip():
            self.add_error("description", "Enter what will be done")
        owner_pk = data.get("owner")
        name = (data.get("owner_name") or "").strip()
        data["owner_name"] = name
        if "owner" in self.errors:
            return data
        if owner_pk is None and not name:
            self.add_error(
                "owner", "Select who will do it, or enter the name of someone without an account"
            )
        elif owner_pk is not None and name:
            self.add_error("owner_name", "Select a person or enter a name, not both")
        data["owner"] = self._people.get(owner_pk) if owner_pk is not None else None
        return data


class ActionEditForm(ActionForm):
    """The action form filled in with the action as it is, and the version it was read at."""

    submit_label = "Save changes"

    def __init__(self, data=None, *, action, people: Iterable[User], **kwargs):
        people = list(people)
        if action.owner is not None and action.owner not in people:
            people.append(action.owner)
        kwargs.setdefault(
            "initial",
            {
                "description": action.description,
                "owner": action.owner_id,
                "owner_name": action.owner_name,
                "due_on": action.due_on,
                "lock_version": action.lock_version,
            },
        )
        super().__init__(data, people=people, **kwargs)
        # Changing a record, not adding one: the version guards it, not a one-time token.
        del self.fields["submission_token"]
        self.fields["lock_version"] = LockVersionField()
        self.helper = self.build_helper(*self.layout_fields(), _hidden("lock_version"))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        keys = ("description", "owner", "owner_name", "due_on", "lock_version")
        return {key: data[key] for key in keys}


class ActionRemoveForm(GovukFormMixin, forms.Form):
    submit_label = "Remove action"

    reason = forms.CharField(
        label="Why is this action being removed?",
        help_text="It stays in the concern's history with your reason.",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={
            "required": "Enter why the action is being removed",
            "max_length": "The reason must be 2,000 characters or fewer",
        },
    )
    lock_version = LockVersionField()

    def __init__(self, data=None, *, action, **kwargs):
        kwargs.setdefault("initial", {"lock_version": action.lock_version})
        super().__init__(data, **kwargs)
        self.helper = self.build_helper(Field.textarea("reason", rows=3), "lock_version")

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("Enter why the action is being removed")
        return reason


class AttachmentForm(GovukFormMixin, SubmitOnceForm):
    submit_label = "Upload file"

    file = forms.FileField(
        label="Upload a file",
        help_text="PDF, Word, OpenDocument, text, RTF, Excel, PNG or JPEG. Smaller than 10MB.",
        error_messages={
            "required": "Select a file",
            "empty": "The selected file is empty",
            "invalid": "Select a file",
            "missing": "Select a file",
        },
    )

    def __init__(self, data=None, files=None, **kwargs):
        super().__init__(data, files, **kwargs)
        # The form is multipart because of the file field: crispy adds the enctype.
        self.helper = self.build_helper(Field("file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            services.check_attachment(upload)
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("file", error.messages)) from None
        return upload


class ConfirmForm(GovukFormMixin, forms.Form):
    """A yes-I-am-sure form: nothing to fill in, only the version it was built from."""

    submit_label = "Continue"

    def __init__(
        self,
        data=None,
        *,
        lock_version: int | None = None,
        label: str = "",
        warning: bool = False,
        **kwargs,
    ):
        super().__init__(data, **kwargs)
        fields = []
        if lock_version is not None:
            self.fields["lock_version"] = LockVersionField(initial=lock_version)
            fields.append(_hidden("lock_version"))
        self.helper = FormHelper()
        css_class = "govuk-button--warning" if warning else ""
        self.helper.layout = Layout(
            *fields, Submit("submit", label or self.submit_label, css_class=css_class)
        )


def copy_list_people() -> QuerySet[User]:
    """Everyone who may be added to a stage's copy list: the authority's active people, by
    team and name (shown with their role and team)."""
    return (
        User.objects.filter(is_active=True)
        .select_related("team")
        .only("id", "full_name", "job_title", "team__name")
        .order_by("team__name", "full_name", "id")
    )


def operational_people() -> QuerySet[User]:
    """Everyone a stage can be delegated to: active people in operational roles, by name."""
    return (
        User.objects.filter(is_active=True, roles__code__in=OPERATIONAL_ROLES)
        .distinct()
        .select_related("team")
        .only("id", "full_name", "job_title", "team__name")
        .order_by("full_name", "id")
    )


class RaiseForm(GovukFormMixin, forms.Form):
    """Who the first stage goes to and, for an agreed-date stage, when the response is due.

    At an informal stage the raiser may instead record what the manager agreed, with whom and
    when (seed 000 §4.1). An IRO or CP Chair raising a stage someone else normally raises gives
    a reason (IRO Handbook 6.2)."""

    DELEGATE, MYSELF = "delegate", "myself"
    submit_label = "Continue"

    how = forms.ChoiceField(
        label="How do you want to record the response?",
        widget=forms.RadioSelect,
        choices=[
            (DELEGATE, "Delegate to the manager"),
            (MYSELF, "Record the manager's agreed answer myself"),
        ],
        error_messages={
            "required": "Select whether to delegate the response or record it yourself",
            "invalid_choice": "Select whether to delegate the response or record it yourself",
        },
    )
    delegate_to = forms.TypedChoiceField(
        label="Who do you want to delegate it to?",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Select a person from the list"},
    )
    note = forms.CharField(
        label="Notes for the manager (optional)",
        help_text="Anything the manager should know before they respond. They see it on their "
        "task and in the email telling them of it.",
        widget=forms.Textarea,
        required=False,
        max_length=5000,
        error_messages={"max_length": "Notes for the manager must be 5,000 characters or fewer"},
    )
    copy_to = forms.TypedMultipleChoiceField(
        label="Add people to the copy list (optional)",
        help_text="They are sent a copy of the email telling the manager of this task, as the "
        "people copied in above are.",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select people from the list"},
    )
    agreed_answer = forms.CharField(
        label="What did the manager agree?",
        help_text="The answer and the actions agreed, as you will record them.",
        widget=forms.Textarea,
        required=False,
        max_length=20000,
        error_messages={"max_length": "The answer must be 20,000 characters or fewer"},
    )
    agreed_with = forms.TypedChoiceField(
        label="Who agreed it?",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Select a person from the list"},
    )
    agreed_on = GovukDateField(
        label="When was it agreed?",
        subject="The date it was agreed",
        required=False,
    )
    date_of_concern = GovukDateField(
        label="Date of concern",
        subject="The date of concern",
        required=False,
        help_text="The day the concern arose, for example the date of the review. "
        "Empty: the date given on the draft, or today. It cannot be more than 10 working days "
        "ago: the response deadline counts from it.",
    )
    agreed_due_on = GovukDateField(
        label="When is the response due?",
        subject="The date the response is due",
    )
    bypass_reason = forms.CharField(
        label="Why are you raising this stage yourself?",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={
            "required": "Enter why you are raising this stage yourself",
            "max_length": "The reason must be 5,000 characters or fewer",
        },
    )
    due_reason = forms.CharField(
        label="Why is the date later than the usual time?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"max_length": "The reason must be 5,000 characters or fewer"},
    )

    def __init__(
        self,
        data=None,
        *,
        stage: ProtocolStage,
        lock_version: int,
        people: Iterable[User],
        default: User | None,
        role_label: str,
        suggested_due_on: dt.date | None,
        bypass_of: str = "",
        copy_people: Iterable[User] = (),
        **kwargs,
    ):
        super().__init__(data, **kwargs)
        self.stage = stage
        self._copy_people = {person.pk: person for person in copy_people}
        self.fields["copy_to"].choices = [
            (person.pk, person_label(person)) for person in self._copy_people.values()
        ]
        self.fields["lock_version"] = LockVersionField(initial=lock_version)
        layout = [_hidden("lock_version"), _legend("date_of_concern")]
        self.may_delegate = not stage.external_body
        self.may_answer = stage.delegation_optional and self.may_delegate
        self._people: dict[int, User] = {}
        if self.may_delegate:
            self._people = {person.pk: person for person in people}
            if default is not None:
                self._people.setdefault(default.pk, default)
            self._person_choices("delegate_to", default)
            if role_label:
                self.fields[
                    "delegate_to"
                ].help_text = f"The {role_label.lower()} is selected. You can choose someone else."
        if self.may_answer:
            # No answer chosen for them: raising without choosing is an error, not a delegation.
            self._person_choices("agreed_with", default)
            self.fields["agreed_on"].initial = rules.today()
            self.fields["agreed_on"].help_text = f"For example, {rules.today():%-d %-m %Y}"
            layout.append(
                ConditionalRadios(
                    "how",
                    ConditionalQuestion(
                        "Delegate to the manager",
                        Field.select("delegate_to"),
                        Field.textarea("note", rows=4),
                        Field.checkboxes("copy_to", legend_size=Size.SMALL, small=True),
                    ),
                    ConditionalQuestion(
                        "Record the manager's agreed answer myself",
                        Field.textarea("agreed_answer", rows=5),
                        Field.select("agreed_with"),
                        _legend("agreed_on"),
                    ),
                )
            )
        else:
            for name in ("how", "agreed_answer", "agreed_with", "agreed_on"):
                del self.fields[name]
            if self.may_delegate:
                layout += [
                    Field.select("delegate_to"),
                    Field.textarea("note", rows=4),
                    Field.checkboxes("copy_to", legend_size=Size.SMALL, small=True),
                ]
            else:
                del self.fields["delegate_to"]
                del self.fields["note"]
                del self.fields["copy_to"]
        if stage.is_agreed:
            other = stage.external_body or "the manager"
            self.fields["agreed_due_on"].help_text = (
                f"Agree this date with {other}. For example, {suggested_due_on:%-d %-m %Y}."
                if suggested_due_on
                else f"Agree this date with {other}."
            )
            self.fields["agreed_due_on"].initial = suggested_due_on
            layout.append(_legend("agreed_due_on"))
            self.fields["due_reason"].help_text = due_reason_hint(stage)
            layout.append(Field.textarea("due_reason"))
        else:
            del self.fields["agreed_due_on"]
            del self.fields["due_reason"]
        if bypass_of:
            self.fields["bypass_reason"].help_text = (
                f"The {bypass_of} normally raises {stage.label}. You may raise it yourself "
                "(IRO Handbook 6.2): they will be copied in."
            )
            layout.append(Field.textarea("bypass_reason", rows=4))
        else:
            del self.fields["bypass_reason"]
        if stage.protocol.immediate_safeguarding:
            self.fields["immediate"] = forms.BooleanField(
                label="This is an immediate safeguarding concern",
                help_text="The reviewing and the social care service managers are told at once "
                "and must speak within 24 hours.",
                required=False,
            )
            layout.append(Field.checkbox("immediate", small=True))
        self.helper = self.build_helper(*layout)

    def _person_choices(self, name: str, default: User | None) -> None:
        field = self.fields[name]
        field.choices = [("", "Select a person")] + [
            (person.pk, person_label(person))
            for person in sorted(self._people.values(), key=lambda p: (p.full_name, p.pk))
        ]
        if default is not None:
            field.initial = default.pk

    def clean_agreed_due_on(self) -> dt.date:
        due_on = self.cleaned_data["agreed_due_on"]
        if due_on < rules.today():
            raise ValidationError("The date the response is due must be today or in the future")
        return due_on

    def clean_date_of_concern(self) -> dt.date | None:
        day = self.cleaned_data.get("date_of_concern")
        if day is not None and day > rules.today():
            raise ValidationError("The date of concern must be today or in the past")
        return day

    def clean(self):
        data = super().clean()
        data["answer"] = None
        data["copy_to"] = [self._copy_people[pk] for pk in data.get("copy_to") or []]
        if not self.may_delegate or "delegate_to" in self.errors:
            data["delegate_to"] = None
            return data
        if data.get("how") == self.MYSELF:
            data["delegate_to"] = None
            data["note"] = ""
            data["copy_to"] = []
            self._clean_answer(data)
            return data
        if "how" in self.errors:
            return data
        pk = data.get("delegate_to")
        if pk is None:
            self.add_error("delegate_to", "Select who to delegate this stage to")
        data["delegate_to"] = self._people.get(pk)
        return data

    def _clean_answer(self, data) -> None:
        if not (data.get("agreed_answer") or "").strip() and "agreed_answer" not in self.errors:
            self.add_error("agreed_answer", "Enter what the manager agreed")
        if data.get("agreed_with") is None and "agreed_with" not in self.errors:
            self.add_error("agreed_with", "Select who agreed it")
        agreed_on = data.get("agreed_on")
        if "agreed_on" not in self.errors:
            if agreed_on is None:
                self.add_error("agreed_on", "Enter the date it was agreed")
            elif agreed_on > rules.today():
                self.add_error("agreed_on", "The date it was agreed must be today or earlier")
        data["answer"] = services.AgreedAnswer(
            answer=data.get("agreed_answer") or "",
            agreed_with=self._people.get(data.get("agreed_with")),
            agreed_on=agreed_on,
        )


class SafeguardingContactForm(GovukFormMixin, forms.Form):
    """When the two service managers spoke, who made the contact and what they agreed."""

    submit_label = "Record the contact"

    contacted_on = GovukDateField(
        label="What day did they speak?",
        subject="The day of the contact",
        help_text="For example, 3 12 2026",
    )
    contacted_time = forms.RegexField(
        label="What time?",
        help_text="Use the 24-hour clock, for example 14:30",
        regex=r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$",
        max_length=5,
        error_messages={
            "required": "Enter the time of the contact",
            "invalid": "Enter the time like 14:30",
        },
    )
    contacted_by = forms.TypedChoiceField(
        label="Who made the contact?",
        coerce=int,
        error_messages={
            "required": "Select who made the contact",
            "invalid_choice": "Select a person from the list",
        },
    )
    agreed = forms.CharField(
        label="What was agreed?",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={
            "required": "Enter what was agreed",
            "max_length": "What was agreed must be 5,000 characters or fewer",
        },
    )
    lock_version = LockVersionField()

    def __init__(self, data=None, *, contact, people: Iterable[User], **kwargs):
        kwargs.setdefault("initial", {"lock_version": contact.lock_version})
        super().__init__(data, **kwargs)
        self._people = {p.pk: p for p in people}
        self.fields["contacted_by"].choices = [("", "Select a person")] + [
            (p.pk, p.full_name) for p in self._people.values()
        ]
        if contact.reviewing_manager_id in self._people:
            self.fields["contacted_by"].initial = contact.reviewing_manager_id
        self.helper = self.build_helper(
            _legend("contacted_on"),
            Field.text("contacted_time", field_width=5),
            Field.select("contacted_by"),
            Field.textarea("agreed", rows=4),
            "lock_version",
        )

    def clean(self):
        data = super().clean()
        day, time = data.get("contacted_on"), data.get("contacted_time")
        if day is not None and time:
            hour, minute = (int(part) for part in re.split(r"[:.]", time.strip()))
            moment = dt.datetime.combine(day, dt.time(hour, minute))
            data["contacted_at"] = timezone.make_aware(moment)
        if "contacted_by" in data:
            data["contacted_by"] = self._people.get(data["contacted_by"])
        if "agreed" in data and not data["agreed"].strip():
            self.add_error("agreed", "Enter what was agreed")
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        keys = ("lock_version", "contacted_at", "contacted_by", "agreed")
        return {key: data[key] for key in keys}


def contact_people(contact) -> list[User]:
    """Who may have made the contact: the two managers told, then the other service managers."""
    first = [p for p in (contact.reviewing_manager, contact.social_care_manager) if p]
    others = User.objects.filter(
        is_active=True,
        roles__code__in=[RoleCode.REVIEWING_SERVICE_MANAGER, RoleCode.SERVICE_MANAGER],
    ).distinct()
    return list({p.pk: p for p in (*first, *others.order_by("full_name", "pk"))}.values())
