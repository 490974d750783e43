"""Forms for a manager's tasks: filtering the inbox and writing a response."""

from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Div, Field, Layout, Size, Submit
from django import forms

from escalations.models import Task
from prp.forms import LockVersionField

SHOW_WAITING = "waiting"
SHOW_ALL = "all"
# From the home page's counts: hidden, said above the list, kept when the filter changes.
DUE_WEEK = "week"
DUE_OVERDUE = "overdue"
DUE_CHOICES = [(DUE_WEEK, "Due this week"), (DUE_OVERDUE, "Overdue")]


class TaskFilterForm(forms.Form):
    show = forms.ChoiceField(
        label="Show",
        choices=[(SHOW_WAITING, "Waiting for your response"), (SHOW_ALL, "All tasks")],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select which tasks to show"},
    )
    due = forms.ChoiceField(
        choices=[("", ""), *DUE_CHOICES],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Select when the tasks are due"},
    )

    def __init__(self, data=None, **kwargs):
        if data is not None and not data.get("show"):
            data = data.copy()
            data["show"] = SHOW_WAITING
        super().__init__(data, **kwargs)
        self.fields["show"].initial = SHOW_WAITING
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.render_hidden_fields = True
        self.helper.layout = Layout(
            Field.radios("show", legend_size=Size.SMALL, small=True, inline=True),
            Submit("filter", "Show tasks", css_class="govuk-button--secondary"),
        )

    def include_done(self) -> bool:
        """Whether to show answered and retracted tasks too; the default if the input is bad."""
        if not self.is_bound or not self.is_valid():
            return False
        return self.cleaned_data["show"] == SHOW_ALL

    def due_choice(self) -> str:
        """ "week", "overdue" or "" (any time); "" if the input is bad."""
        if not self.is_bound or not self.is_valid():
            return ""
        return self.cleaned_data["due"]

    def due_label(self) -> str:
        return dict(DUE_CHOICES).get(self.due_choice(), "")


class ResponseOptionField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class TaskResponseForm(forms.Form):
    """The manager's answer. Saving a draft needs nothing; sending needs an answer."""

    response_option = ResponseOptionField(
        label="Your answer",
        queryset=None,
        required=False,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select your answer"},
    )
    response = forms.CharField(
        label="Your response",
        help_text="What you will do about the concern, or why you do not agree with it.",
        required=False,
        widget=forms.Textarea,
        max_length=20000,
        error_messages={"max_length": "Your response must be 20,000 characters or fewer"},
    )
    actions_agreed = forms.CharField(
        label="Actions you agree to take (optional)",
        help_text="What will be done, by whom and by when.",
        required=False,
        widget=forms.Textarea,
        max_length=10000,
        error_messages={"max_length": "The actions must be 10,000 characters or fewer"},
    )
    lock_version = LockVersionField()

    def __init__(self, data=None, *, task: Task, sending: bool = True, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "response_option": task.response_option_id,
                "response": task.response,
                "actions_agreed": task.actions_agreed,
                "lock_version": task.lock_version,
            },
        )
        super().__init__(data, **kwargs)
        self.sending = sending
        options = task.stage.concern.protocol.response_options.all()
        self.has_options = options.exists()
        fields = ["response", "actions_agreed", "lock_version"]
        if self.has_options:
            self.fields["response_option"].queryset = options
            fields.insert(0, Field.radios("response_option", legend_size=Size.SMALL))
        else:
            del self.fields["response_option"]
        fields[fields.index("response")] = Field.textarea("response", rows=8)
        fields[fields.index("actions_agreed")] = Field.textarea("actions_agreed", rows=5)
        self.helper = FormHelper()
        self.helper.label_size = Size.SMALL
        self.helper.layout = Layout(
            *fields,
            Div(
                Submit("send", "Send response"),
                Submit("save_draft", "Save draft", css_class="govuk-button--secondary"),
                css_class="govuk-button-group",
            ),
        )

    def clean(self):
        cleaned = super().clean()
        if not self.sending:
            return cleaned
        no_answer = self.has_options and cleaned.get("response_option") is None
        if no_answer and "response_option" not in self.errors:
            self.add_error("response_option", "Select your answer")
        if "response" not in self.errors and not (cleaned.get("response") or "").strip():
            self.add_error("response", "Enter your response")
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "lock_version": data["lock_version"],
            "response_option": data.get("response_option"),
            "response": data["response"],
            "actions_agreed": data["actions_agreed"],
        }
