"""Forms for the QAPR pages: the IRO's form, raising a concern from it, recommendations,
finalising and reopening.

Saving the form never requires completeness: every answer is optional here and
qapr.services.finalise_problems says what is still missing when the author finalises.
"""

from __future__ import annotations

from collections.abc import Iterable

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    HTML,
    Button,
    ConditionalQuestion,
    ConditionalRadios,
    Div,
    Field,
    Fieldset,
    Layout,
    Size,
)
from django import forms
from django.utils.html import format_html

from cases.models import Child
from cases.selectors import may_see_child
from prp.fields import GovukDateField
from prp.forms import GovukFormMixin, LockVersionField
from prp.models import OPERATIONAL_ROLES, ProtocolCategory, User
from prp.submissions import SubmitOnceForm

from .models import (
    CELEBRATED_GRADES,
    SAFER_QUESTION,
    SECTIONS,
    Grade,
    Qapr,
    RiDecision,
    SaferAnswer,
    SectionRating,
)
from .services import EDITABLE_FIELDS

DATE_HINT = "For example, 27 3 2026"
SMALL_LEGEND = {"legend_size": Size.for_legend(Size.SMALL)}
TEXT_MAX = 20000
VIEWS = (
    ("views_child", "The child"),
    ("views_parents", "Parents"),
    ("views_carers", "Carers"),
    ("views_network", "The professional and community network"),
)
GRADE_HINTS = {
    Grade.OUTSTANDING: "A good practice note goes to the social worker, copied to their "
    "manager, when you finalise.",
    Grade.GOOD: "A good practice note goes to the social worker, copied to their manager, "
    "when you finalise.",
    Grade.REQUIRES_IMPROVEMENT: "Record what you decided to do about it: an informal or formal "
    "concern, or no concern with the reason.",
    Grade.INADEQUATE: "You must raise a formal concern from this QAPR before you can finalise it.",
}


OUT_OF_DATE = "The page was out of date. Refresh it and try again."


def _lock_version() -> LockVersionField:
    return LockVersionField(
        error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE, "min_value": OUT_OF_DATE}
    )


class HiddenErrorsMixin:
    """A hidden field has no place on the page to show its error, and the error summary lists
    only the visible questions: its message goes to the top of the form instead."""

    def full_clean(self):
        super().full_clean()
        if not self.is_bound:
            return
        for field in self.hidden_fields():
            for message in self._errors.pop(field.name, []):
                self.add_error(None, message)


def _text(label: str, *, help_text: str = "", required: bool = False, subject: str = ""):
    subject = subject or label
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.Textarea,
        max_length=TEXT_MAX,
        error_messages={
            "required": f"Enter {subject[0].lower()}{subject[1:]}",
            "max_length": f"{subject} must be {TEXT_MAX:,} characters or fewer",
        },
    )


def _radios(label: str, choices, *, help_text: str = "", message: str = "Select an answer"):
    return forms.ChoiceField(
        label=label,
        help_text=help_text,
        choices=choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": message},
    )


def _hint(text: str) -> HTML:
    return HTML(format_html('<div class="govuk-hint">{}</div>', text))


def _category_field(label: str, categories: Iterable[ProtocolCategory], *, required: bool):
    """A select of the active protocol's categories, giving the category itself (from the list
    already loaded: no query to check the choice)."""
    by_id = {str(category.pk): category for category in categories}
    return forms.TypedChoiceField(
        label=label,
        choices=[("", "Select a category"), *((pk, c.name) for pk, c in by_id.items())],
        coerce=by_id.__getitem__,
        empty_value=None,
        required=required,
        error_messages={
            "required": "Select a category",
            "invalid_choice": "Select a category from the list",
        },
    )


def _grade_choices() -> list[Choice]:
    return [Choice(grade.value, grade.label, hint=GRADE_HINTS[grade]) for grade in Grade]


class QaprForm(HiddenErrorsMixin, forms.Form):
    """The IRO's or CP Chair's whole form on one page, in sections."""

    lock_version = _lock_version()
    social_worker_invited_on = GovukDateField(
        label="When was the social worker invited to give their views?",
        help_text=f"The social worker is always invited, with fair notice. {DATE_HINT}",
        subject="The date the social worker was invited",
        required=False,
    )
    views = forms.MultipleChoiceField(
        label="Whose views did you seek?",
        help_text="Select all that apply.",
        choices=VIEWS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select whose views you sought from the list"},
    )
    views_summary = _text(
        "What did people say?",
        help_text="In the child's own words if you can. Say if someone was not asked and why.",
        subject="What people said",
    )
    grade = _radios("Grade", _grade_choices(), message="Select a grade")
    grade_rationale = _text("Rationale for the grade", subject="The rationale for the grade")
    impact_on_child = _text(
        "What is the impact on the child?",
        help_text="What the child's plan and the work with them mean for their daily life, "
        "safety and future.",
        subject="The impact on the child",
    )
    ri_decision = _radios(
        "What did you decide to do?",
        RiDecision.choices,
        message="Select what you decided to do",
    )
    ri_decision_reason = _text(
        "Reason for your decision",
        help_text="If you are not raising a concern, say why.",
        subject="The reason for your decision",
    )
    good_practice_text = _text(
        "What was done well",
        help_text="This is sent to the social worker when you finalise. You can change it on "
        "the next page.",
        subject="What was done well",
    )

    def __init__(self, data=None, *, qapr: Qapr, categories: Iterable[ProtocolCategory], **kw):
        kw.setdefault("initial", self.initial_for(qapr))
        super().__init__(data, **kw)
        self.qapr = qapr
        sections = []
        for name, title in SECTIONS:
            short = title.split(":")[0]
            self.fields[f"{name}_rating"] = _radios(
                "Rating", SectionRating.choices, message=f"Select a rating for {short.lower()}"
            )
            self.fields[f"{name}_rationale"] = _text(
                "Rationale", subject=f"The rationale for {short.lower()}"
            )
            sections.append(
                Fieldset(
                    Field.radios(f"{name}_rating", legend_size=Size.SMALL),
                    Field.textarea(f"{name}_rationale", rows=5),
                    legend=title,
                    legend_size=Size.MEDIUM,
                    css_id=f"section-{name}",
                )
            )
        if qapr.is_child_protection:
            self.fields["safer"] = _radios(
                "Your answer", SaferAnswer.choices, message="Select yes, partly or no"
            )
            self.fields["safer_rationale"] = _text(
                "Why do you think so?", subject="Why you think so"
            )
            sections.append(
                Fieldset(
                    Field.radios("safer", legend_size=Size.SMALL, inline=True),
                    Field.textarea("safer_rationale", rows=5),
                    legend=SAFER_QUESTION,
                    legend_size=Size.MEDIUM,
                    css_id="section-safer",
                )
            )
        self.fields["good_practice_category"] = _category_field(
            "Area of practice", categories, required=False
        )
        self.helper = FormHelper()
        self.helper.label_size = Size.SMALL
        self.helper.layout = Layout(
            Field("lock_version"),
            *sections,
            Fieldset(
                Field("social_worker_invited_on", context=SMALL_LEGEND),
                Field.checkboxes("views", legend_size=Size.SMALL),
                Field.textarea("views_summary", rows=5),
                legend="Views sought",
                legend_size=Size.MEDIUM,
                css_id="section-views",
            ),
            Fieldset(
                Field.radios("grade", legend_size=Size.SMALL),
                Field.textarea("grade_rationale", rows=5),
                Field.textarea("impact_on_child", rows=5),
                legend="Grade",
                legend_size=Size.MEDIUM,
                css_id="section-grade",
            ),
            Fieldset(
                _hint(
                    "Only if the grade is Requires improvement. For an Inadequate grade you "
                    "must raise a formal concern."
                ),
                # The reason follows "No concern" (GOV.UK conditional reveal): the other
                # answers are followed by the concern itself.
                ConditionalRadios(
                    "ri_decision",
                    RiDecision.INFORMAL.label,
                    RiDecision.FORMAL.label,
                    ConditionalQuestion(
                        RiDecision.NONE.label, Field.textarea("ri_decision_reason", rows=4)
                    ),
                ),
                legend="Requires improvement decision",
                legend_size=Size.MEDIUM,
                css_id="section-ri",
            ),
            Fieldset(
                _hint(
                    "Only if the grade is Good or Outstanding. The note goes to the social "
                    "worker, copied to their manager, when you finalise."
                ),
                Field.select("good_practice_category"),
                Field.textarea("good_practice_text", rows=5),
                legend="Good practice note",
                legend_size=Size.MEDIUM,
                css_id="section-good-practice",
            ),
            Div(
                Button("save", "Save and continue later"),
                Button.secondary("check", "Save and check before finalising"),
                css_class="govuk-button-group",
            ),
        )

    @staticmethod
    def initial_for(qapr: Qapr) -> dict:
        initial = {
            name: getattr(qapr, name)
            for name in EDITABLE_FIELDS
            if not name.startswith("views_") or name == "views_summary"
        }
        initial["good_practice_category"] = qapr.good_practice_category_id
        initial["views"] = [name for name, _ in VIEWS if getattr(qapr, name)]
        initial["lock_version"] = qapr.lock_version
        return initial

    def clean(self):
        data = super().clean()
        # Whitespace alone is no answer: keep it out of the record.
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = value.strip()
        return data

    def service_values(self) -> dict:
        """The answers as qapr.services.qapr_save takes them."""
        data = self.cleaned_data
        values = {
            name: data[name]
            for name in self.fields
            if name not in ("lock_version", "views") and name in data
        }
        chosen = set(data.get("views") or ())
        values.update({name: name in chosen for name, _ in VIEWS})
        return values

    @property
    def wants_check(self) -> bool:
        # Which button was pressed: its name is sent, the other's is not.
        return "check" in self.data


class ConcernFromQaprForm(HiddenErrorsMixin, GovukFormMixin, SubmitOnceForm):
    submit_label = "Start the draft concern"

    level = forms.ChoiceField(
        label="Is it an informal or a formal concern?",
        choices=[
            Choice("formal", "Formal", hint="Goes to the first formal stage of the protocol."),
            Choice("informal", "Informal", hint="Starts at the informal stage of the protocol."),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the concern is informal or formal",
            "invalid_choice": "Select whether the concern is informal or formal",
        },
    )
    lock_version = _lock_version()

    def __init__(self, data=None, *, qapr: Qapr, categories: Iterable[ProtocolCategory], **kw):
        level = ""
        if qapr.grade == Grade.INADEQUATE or qapr.ri_decision == RiDecision.FORMAL:
            level = "formal"
        elif qapr.ri_decision == RiDecision.INFORMAL:
            level = "informal"
        kw.setdefault("initial", {"lock_version": qapr.lock_version, "level": level})
        super().__init__(data, **kw)
        self.qapr = qapr
        self.fields["category"] = _category_field(
            "Which category is the concern about?", categories, required=True
        )
        if qapr.grade == Grade.INADEQUATE:
            self.fields["level"].help_text = "An Inadequate grade needs a formal concern."
        self.helper = self.build_helper(
            Field("lock_version"),
            Field.radios("level", legend_size=Size.SMALL),
            Field.select("category"),
        )

    def clean_level(self) -> str:
        level = self.cleaned_data["level"]
        if self.qapr.grade == Grade.INADEQUATE and level != "formal":
            raise forms.ValidationError("An Inadequate grade needs a formal concern. Select formal")
        return level


def owner_choices(child: Child, people: Iterable[User]) -> tuple[list, dict[int, User]]:
    """Who a recommendation can be given to: the people around the child first, then everyone
    in an operational role. Returns the grouped choices and the people by id."""
    close = [child.social_worker, child.team.manager if child.team else None]
    close.append(child.reviewing_officer)
    close = [person for person in dict.fromkeys(close) if person and person.is_active]
    if child.restricted:
        # Only the people named on a restricted record are offered as working with the child.
        close = [person for person in close if may_see_child(person, child)]
    others = [person for person in people if person not in close]
    by_id = {person.pk: person for person in (*close, *others)}

    def label(person: User) -> str:
        return f"{person.full_name} ({person.job_title})" if person.job_title else person.full_name

    choices: list = [("", "Select a person")]
    if close:
        choices.append(
            (f"People working with {child.first_name}", [(p.pk, label(p)) for p in close])
        )
    if others:
        choices.append(("Everyone else", [(p.pk, label(p)) for p in others]))
    return choices, by_id


def operational_people():
    return (
        User.objects.filter(is_active=True, roles__code__in=OPERATIONAL_ROLES)
        .distinct()
        .only("id", "full_name", "job_title", "is_active")
        .order_by("full_name", "id")
    )


class RecommendationForm(GovukFormMixin, SubmitOnceForm):
    submit_label = "Add recommendation"

    text = _text("What is the recommendation?", required=True, subject="The recommendation")
    owner = forms.TypedChoiceField(
        label="Who will do it?",
        coerce=int,
        error_messages={
            "required": "Select who will do it",
            "invalid_choice": "Select a person from the list",
        },
    )
    due_on = GovukDateField(
        label="By when?",
        help_text=DATE_HINT,
        subject="The date the recommendation is due",
    )

    def __init__(self, data=None, *, child: Child, people: Iterable[User], **kw):
        super().__init__(data, **kw)
        choices, self._people = owner_choices(child, people)
        self.fields["owner"].choices = choices
        self.helper = self.build_helper(
            Field.textarea("text", rows=4),
            Field.select("owner"),
            Field("due_on", context=SMALL_LEGEND),
        )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Enter the recommendation")
        return text

    def clean_owner(self) -> User:
        person = self._people.get(self.cleaned_data["owner"])
        if person is None:
            raise forms.ValidationError("Select a person from the list")
        return person


class RecommendationDoneForm(HiddenErrorsMixin, GovukFormMixin, forms.Form):
    submit_label = "Mark as done"

    done_on = GovukDateField(
        label="When was it done?",
        help_text=DATE_HINT,
        subject="The date it was done",
    )
    note = _text("What was done? (optional)", subject="What was done")
    lock_version = _lock_version()

    def __init__(self, data=None, **kw):
        super().__init__(data, **kw)
        self.helper = self.build_helper(
            Field("lock_version"),
            Field("done_on", context=SMALL_LEGEND),
            Field.textarea("note", rows=4),
        )


class FinaliseForm(HiddenErrorsMixin, GovukFormMixin, forms.Form):
    """Finalising; for Good or Outstanding, the good practice note checked on the way."""

    submit_label = "Finalise QAPR"

    lock_version = _lock_version()

    def __init__(self, data=None, *, qapr: Qapr, categories: Iterable[ProtocolCategory], **kw):
        celebrated = qapr.grade in CELEBRATED_GRADES
        initial = {"lock_version": qapr.lock_version}
        if celebrated:
            initial["good_practice_text"] = qapr.good_practice_text or default_note(qapr)
            initial["good_practice_category"] = qapr.good_practice_category_id
        kw.setdefault("initial", initial)
        super().__init__(data, **kw)
        layout = [Field("lock_version")]
        if celebrated:
            self.fields["good_practice_category"] = _category_field(
                "Area of practice", categories, required=True
            )
            self.fields["good_practice_text"] = _text(
                "Good practice note to the social worker",
                help_text="Say what was done well and the difference it made to the child.",
                required=True,
                subject="The good practice note",
            )
            layout += [Field.select("good_practice_category"), Field.textarea("good_practice_text")]
        self.helper = self.build_helper(*layout)

    def clean_good_practice_text(self) -> str:
        text = self.cleaned_data["good_practice_text"].strip()
        if not text:
            raise forms.ValidationError("Enter the good practice note")
        return text

    def note_values(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("good_practice_category", "good_practice_text")
            if name in self.fields
        }


def default_note(qapr: Qapr) -> str:
    """A starting point for the note: the author's own words about the grade."""
    grade = qapr.get_grade_display().lower()
    opening = (
        f"Thank you for your work with {qapr.child.first_name}. "
        f"In my quality assurance review I graded the plan {grade}."
    )
    return f"{opening}\n\n{qapr.grade_rationale}".strip()


class ReopenForm(HiddenErrorsMixin, GovukFormMixin, forms.Form):
    submit_label = "Reopen QAPR"

    reason = _text(
        "Why are you reopening it?",
        help_text="The author is told this reason.",
        required=True,
        subject="Why you are reopening it",
    )
    lock_version = _lock_version()

    def __init__(self, data=None, **kw):
        super().__init__(data, **kw)
        self.helper = self.build_helper(Field("lock_version"), Field.textarea("reason", rows=5))

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter why you are reopening it")
        return reason
