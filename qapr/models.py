"""Quality assurance progress reviews (QAPRs): the IRO's or CP Chair's check on a child's
progress between statutory reviews, its grade, and what the grade obliges.

State changes happen only in qapr.services. The FSM field is protected.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

USER = settings.AUTH_USER_MODEL


class QaprState(models.TextChoices):
    DRAFT = "draft", "Draft"
    FINALISED = "finalised", "Finalised"


class Variant(models.TextChoices):
    CHILD_IN_CARE = "child_in_care", "IRO quality assurance progress review"
    CHILD_PROTECTION = "child_protection", "CP Chair quality assurance review"


class Grade(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


CELEBRATED_GRADES = (Grade.OUTSTANDING, Grade.GOOD)


class SectionRating(models.TextChoices):
    STRONG = "strong", "Strong: consistently good for the child"
    ADEQUATE = "adequate", "Adequate: meets the child's needs"
    SOME_CONCERNS = "some_concerns", "Some concerns: needs to improve"
    SERIOUS_CONCERNS = "serious_concerns", "Serious concerns: not meeting the child's needs"


class SaferAnswer(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


class RiDecision(models.TextChoices):
    INFORMAL = "informal", "Raise an informal concern"
    FORMAL = "formal", "Raise a formal concern"
    NONE = "none", "No concern: the reason is recorded"


# The sections every QAPR rates, each with a rationale: (field prefix, question).
SECTIONS = (
    ("participation", "Participation and views of the child"),
    ("progress", "Progress: to what extent are permanence, stability and safety being achieved?"),
    ("records", "Timely and appropriate records"),
)
SAFER_QUESTION = "Is the child safer as a result of our interventions?"


class QaprQuerySet(models.QuerySet):
    def finalised_dates(self) -> list:
        """The days the finalised QAPRs were completed: what the child's QAPR windows count.
        Asked through `child.qaprs` by cases, which sits below qapr and does not import it."""
        return list(self.filter(state=QaprState.FINALISED).values_list("completed_on", flat=True))

    def finalised_dates_by_child(self) -> dict[int, list]:
        """finalised_dates for many children at once (an import's schedule pass): one query."""
        found: dict[int, list] = {}
        for child_id, day in self.filter(state=QaprState.FINALISED).values_list(
            "child_id", "completed_on"
        ):
            found.setdefault(child_id, []).append(day)
        return found


class Qapr(ConcurrentTransitionMixin, models.Model):
    child = models.ForeignKey("cases.Child", on_delete=models.PROTECT, related_name="qaprs")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="qaprs")
    variant = models.CharField(max_length=20, choices=Variant.choices)
    state = FSMField(default=QaprState.DRAFT, choices=QaprState.choices, protected=True)
    # The window it was started in: after one statutory review, before the next is due.
    window_start = models.DateField(null=True, blank=True)
    window_end = models.DateField(null=True, blank=True)

    participation_rating = models.CharField(
        max_length=20, choices=SectionRating.choices, blank=True
    )
    participation_rationale = models.TextField(blank=True)
    progress_rating = models.CharField(max_length=20, choices=SectionRating.choices, blank=True)
    progress_rationale = models.TextField(blank=True)
    records_rating = models.CharField(max_length=20, choices=SectionRating.choices, blank=True)
    records_rationale = models.TextField(blank=True)
    safer = models.CharField(SAFER_QUESTION, max_length=10, choices=SaferAnswer.choices, blank=True)
    safer_rationale = models.TextField(blank=True)

    # Whose views were sought. The social worker is always invited, with fair notice.
    social_worker_invited_on = models.DateField(null=True, blank=True)
    views_child = models.BooleanField("the child", default=False)
    views_parents = models.BooleanField("parents", default=False)
    views_carers = models.BooleanField("carers", default=False)
    views_network = models.BooleanField("the professional and community network", default=False)
    views_summary = models.TextField("what people said", blank=True)

    grade = models.CharField(max_length=25, choices=Grade.choices, blank=True)
    grade_rationale = models.TextField(blank=True)
    impact_on_child = models.TextField(blank=True)

    # Requires improvement: what the reviewing officer decided to do about it.
    ri_decision = models.CharField(max_length=10, choices=RiDecision.choices, blank=True)
    ri_decision_reason = models.TextField(blank=True)
    # Inadequate (and an escalation after Requires improvement): the concern it raised.
    concern = models.ForeignKey(
        "escalations.Concern",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="qaprs",
    )
    # Good or Outstanding: the note to the social worker, editable until it is sent.
    good_practice_text = models.TextField(blank=True)
    good_practice_category = models.ForeignKey(
        "prp.ProtocolCategory", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    good_practice_note = models.ForeignKey(
        "escalations.GoodPracticeNote",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    completed_on = models.DateField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    lock_version = models.PositiveIntegerField(default=0)

    objects = QaprQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "QAPR"
        verbose_name_plural = "QAPRs"
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="finalised") | Q(completed_on__isnull=False) & ~Q(grade=""),
                name="qapr_finalised_has_date_and_grade",
            ),
        ]
        indexes = [
            models.Index(fields=["child", "state", "completed_on"], name="qapr_child_idx"),
            models.Index(fields=["author", "state"], name="qapr_author_idx"),
        ]

    def __str__(self):
        return f"QAPR-{self.pk:06d}" if self.pk else "QAPR"

    @property
    def reference(self) -> str:
        return str(self)

    @property
    def is_draft(self) -> bool:
        return self.state == QaprState.DRAFT

    @property
    def is_child_protection(self) -> bool:
        return self.variant == Variant.CHILD_PROTECTION

    @property
    def views_sought(self) -> list[str]:
        names = ("views_child", "views_parents", "views_carers", "views_network")
        return [self._meta.get_field(n).verbose_name for n in names if getattr(self, n)]

    @transition(field=state, source=QaprState.DRAFT, target=QaprState.FINALISED)
    def finalise(self, *, by, at, on):
        self.finalised_by = by
        self.finalised_at = at
        self.completed_on = on

    @transition(field=state, source=QaprState.FINALISED, target=QaprState.DRAFT)
    def reopen(self, *, by, at, reason):
        self.reopened_by = by
        self.reopened_at = at
        self.reopen_reason = reason


class Recommendation(models.Model):
    """An action or recommendation from a QAPR: what, who, by when, and when it was done."""

    qapr = models.ForeignKey(Qapr, on_delete=models.PROTECT, related_name="recommendations")
    text = models.TextField("recommendation")
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="qapr_recommendations")
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    done_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["done_on", "due_on"], name="qapr_rec_open_idx")]

    def __str__(self):
        return self.text[:80]

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def is_overdue_on(self, day) -> bool:
        return not self.is_done and self.due_on < day
