"""Children, their sibling groups and who is allocated to them over time."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


class ChildStatus(models.TextChoices):
    CHILD_IN_CARE = "child_in_care", "Child in care"
    CHILD_PROTECTION = "child_protection", "Child protection plan"
    CHILD_IN_NEED = "child_in_need", "Child in need"
    CARE_LEAVER = "care_leaver", "Care leaver"


class LegalStatus(models.TextChoices):
    NONE = "none", "No order"
    PRE_PROCEEDINGS = "pre_proceedings", "Pre-proceedings (Public Law Outline)"
    SECTION_20 = "section_20", "Accommodated by agreement (section 20)"
    INTERIM_CARE_ORDER = "interim_care_order", "Interim care order"
    CARE_ORDER = "care_order", "Care order (section 31)"
    PLACEMENT_ORDER = "placement_order", "Placement order"
    EMERGENCY_PROTECTION = "emergency_protection", "Emergency protection order"
    POLICE_PROTECTION = "police_protection", "Police protection"
    REMAND = "remand", "Remanded to local authority accommodation"
    LEAVING_CARE = "leaving_care", "Leaving care support"


class SiblingGroup(models.Model):
    """Brothers and sisters the service thinks about together (a concern can name them all)."""

    name = models.CharField(max_length=150, help_text="For example, the family surname.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Child(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    reference = models.CharField(
        "case reference",
        max_length=40,
        unique=True,
        help_text="The child's reference in the council's case-management system.",
    )
    status = models.CharField(max_length=30, choices=ChildStatus.choices)
    legal_status = models.CharField(
        max_length=30, choices=LegalStatus.choices, default=LegalStatus.NONE
    )
    restricted = models.BooleanField(
        default=False,
        help_text="Only people named on the record (and those allocated) can see this child.",
    )
    named_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="named_on_children",
        help_text="People who may see this child when the record is restricted.",
    )
    sibling_group = models.ForeignKey(
        SiblingGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    # The current allocation, kept in step with Allocation by cases.services so lists and
    # access checks read one row. Allocation keeps the history.
    team = models.ForeignKey(
        "prp.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="social_work_children",
    )
    reviewing_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_children",
        help_text="The IRO (child in care) or CP Chair (child protection).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # When the child's free text and identifiers were replaced under the retention schedule.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The version the admin form was loaded at: a save from an older one is refused.
    lock_version = models.PositiveIntegerField(default=0, editable=False)
    # The schedule, kept in step by cases.services (and qapr.services) whenever reviews, key dates,
    # decisions or QAPRs change, so lists and dashboards can filter and sort in SQL.
    review_due_on = models.DateField(null=True, blank=True)
    review_due_reason = models.CharField(max_length=300, blank=True)
    qapr_due_on = models.DateField(null=True, blank=True)
    # QAPR compliance so far: windows that needed a QAPR, and how many had one (dashboards sum
    # them in SQL).
    qapr_windows_due = models.PositiveSmallIntegerField(default=0)
    qapr_windows_done = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name_plural = "children"
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="cases_child_name_idx"),
            models.Index(fields=["review_due_on"], name="cases_child_review_due_idx"),
            models.Index(fields=["qapr_due_on"], name="cases_child_qapr_due_idx"),
            # The API's pages walk children in this order (api.pagination.UpdatedCursor).
            models.Index(fields=["updated_at", "id"], name="cases_child_updated_idx"),
            # The few children a service-wide person may not see (archived, or restricted and
            # they are not named on them) are found from these, not by testing every child:
            # escalations.selectors._hidden_from_service_wide.
            models.Index(
                fields=["id"], condition=Q(restricted=True), name="cases_child_restricted_idx"
            ),
            models.Index(
                fields=["id"],
                condition=Q(archived_at__isnull=False),
                name="cases_child_archived_idx",
            ),
            # The imports find a batch's children by id in any case (imports.kinds.children):
            # without it, each batch of 2,000 read every child.
            models.Index(Lower("reference"), name="cases_child_ref_lower_idx"),
        ]

    def __str__(self):
        return self.full_name

    @classmethod
    def from_db(cls, db, field_names, values):
        child = super().from_db(db, field_names, values)
        # Remembered so saving a change of restriction can update the concerns' flag
        # (escalations.restricted) without a query on every other save.
        child._restricted_when_loaded = child.__dict__.get("restricted")
        return child

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def reviewing_officer_title(self) -> str:
        if self.status == ChildStatus.CHILD_PROTECTION:
            return "Child Protection Chair"
        return "Independent Reviewing Officer"

    @property
    def a_reviewing_officer(self) -> str:
        """For sentences: "allocate an IRO", "select a CP Chair"."""
        if self.status == ChildStatus.CHILD_PROTECTION:
            return "a CP Chair"
        return "an IRO"

    def age_on(self, day) -> int:
        years = day.year - self.date_of_birth.year
        before_birthday = (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day)
        return years - before_birthday


class Allocation(models.Model):
    """Who was allocated to a child, in which role, from when to when."""

    class Kind(models.TextChoices):
        REVIEWING_OFFICER = "reviewing_officer", "IRO or CP Chair"
        SOCIAL_WORKER = "social_worker", "Social worker"
        TEAM = "team", "Team"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="allocations")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
    )
    team = models.ForeignKey(
        "prp.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "kind"],
                condition=Q(end_date__isnull=True),
                name="cases_allocation_one_current_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="cases_allocation_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(kind="team") & Q(team__isnull=False) & Q(worker__isnull=True))
                | (~Q(kind="team") & Q(worker__isnull=False)),
                name="cases_allocation_has_holder",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.holder} from {self.start_date:%-d %B %Y}"

    @property
    def holder(self):
        return self.worker if self.worker_id else self.team

    @property
    def is_current(self) -> bool:
        return self.end_date is None


# Statutory reviews and what surrounds them ------------------------------------------------------


class RuleUnit(models.TextChoices):
    WORKING_DAYS = "working_days", "working days"
    CALENDAR_DAYS = "calendar_days", "calendar days"
    MONTHS = "months", "calendar months"
    TIMES_A_YEAR = "times_a_year", "times a year"


class ReviewRule(models.Model):
    """One timescale the authority can adjust (in the admin): how long after what."""

    class Code(models.TextChoices):
        CIC_FIRST = "cic_first", "Child in care: first review after coming into care"
        CIC_SECOND = "cic_second", "Child in care: second review after the first"
        CIC_LATER = "cic_later", "Child in care: each later review after the last"
        CIC_CARER_CHANGE = "cic_carer_change", "Child in care: review after a change of carer"
        PLACEMENT_ORDER_FIRST = "placement_order_first", "Placement order: review after the order"
        PLACEMENT_ORDER_LATER = "placement_order_later", "Placement order: each later review"
        PLACEMENT_ORDER_NOT_PLACED = (
            "placement_order_not_placed",
            "Placement order: reconsider the plan if not placed by",
        )
        CP_INITIAL = (
            "cp_initial",
            "Child protection: initial conference after the strategy discussion",
        )
        CP_FIRST_REVIEW = "cp_first_review", "Child protection: first review conference"
        CP_LATER = "cp_later", "Child protection: each later review conference"
        DECISIONS_CIRCULATED = "decisions_circulated", "After a review: decisions circulated"
        FULL_RECORD = "full_record", "After a review: full record written"
        DECISIONS_CONSIDERED = (
            "decisions_considered",
            "After a review: team manager considers the decisions (from receiving them)",
        )
        CARE_PLAN_UPDATED = "care_plan_updated", "After a review: care plan updated"
        COPIES_SENT = "copies_sent", "After a review: copies of the record sent"
        CHILD_CONSULTED = (
            "child_consulted",
            "Before a review: social worker consults the child (at least this long before)",
        )
        INVITATIONS_SENT = "invitations_sent", "Before a review: invitations sent"
        DOCUMENTS_INITIAL = (
            "documents_initial",
            "Before an initial review: social worker's report to the reviewing officer",
        )
        DOCUMENTS_LATER = (
            "documents_later",
            "Before a later review: social worker's report to the reviewing officer",
        )
        VISIT_NOTE = "visit_note", "IRO's visit to the child: note recorded (from the visit)"
        VISIT_NOTE_LATEST = (
            "visit_note_latest",
            "IRO's visit to the child: note recorded at the latest (from the visit)",
        )
        QAPR_CP_FIRST_YEAR = "qapr_cp_first_year", "QAPRs in the first year on a protection plan"
        QAPR_CP_LATER_YEARS = "qapr_cp_later_years", "QAPRs in each later year on a protection plan"

    code = models.CharField(max_length=40, choices=Code.choices, unique=True)
    amount = models.PositiveSmallIntegerField()
    unit = models.CharField(max_length=20, choices=RuleUnit.choices)
    updated_at = models.DateTimeField(auto_now=True)
    # The version the admin form was loaded at: a save from an older one is refused.
    lock_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=1), name="cases_rule_amount_positive"),
        ]

    def __str__(self):
        return f"{self.get_code_display()}: {self.amount} {self.get_unit_display()}"


class KeyDate(models.Model):
    """A date the review schedule counts from: coming into care, a strategy discussion, …"""

    class Kind(models.TextChoices):
        CAME_INTO_CARE = "came_into_care", "Came into care"
        CARER_CHANGE = "carer_change", "Change of carer (placement move)"
        PLACEMENT_ORDER = "placement_order", "Placement order made"
        PLACED_FOR_ADOPTION = "placed_for_adoption", "Placed for adoption"
        LEFT_CARE = "left_care", "Left care"
        STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
        CP_PLAN_ENDED = "cp_plan_ended", "Child protection plan ended"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="key_dates")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    on = models.DateField("date")
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["child", "kind", "on"], name="cases_keydate_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.on:%-d %B %Y}"


class Review(models.Model):
    """A statutory review or child protection conference that was held."""

    class Kind(models.TextChoices):
        CIC_REVIEW = "cic_review", "Child in care review"
        CP_INITIAL = "cp_initial", "Initial child protection conference"
        CP_REVIEW = "cp_review", "Review child protection conference"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    held_on = models.DateField()
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    early = models.BooleanField(
        default=False, help_text="Held early, for example after a significant change."
    )
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["child", "held_on"], name="cases_review_child_idx")]
        constraints = [
            # Recording the same review twice (a double-clicked button) is refused.
            models.UniqueConstraint(
                fields=["child", "kind", "held_on"], name="cases_review_once_a_day"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.held_on:%-d %B %Y}"


class ReviewStep(models.Model):
    """Something that must happen after a review, by a date, by someone."""

    class Kind(models.TextChoices):
        DECISIONS_CIRCULATED = "decisions_circulated", "Circulate the review decisions"
        FULL_RECORD = "full_record", "Write the full review record"
        DECISIONS_CONSIDERED = "decisions_considered", "Consider the review decisions"
        CARE_PLAN_UPDATED = "care_plan_updated", "Update the care plan"
        COPIES_SENT = "copies_sent", "Send copies of the review record"

    class Outcome(models.TextChoices):
        DONE = "done", "Done"
        AGREED = "agreed", "Decisions agreed"
        NOT_AGREED = "not_agreed", "Decisions not agreed"
        AGREED_BY_SILENCE = "agreed_by_silence", "Agreed (no reply in time)"

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # Who must do it. The team manager's step waits for the decisions, so has no date until then.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_steps",
    )
    due_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    note = models.TextField(blank=True)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "kind"], name="cases_step_once_per_review"),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True) | ~Q(outcome=""),
                name="cases_step_done_has_outcome",
            ),
        ]
        indexes = [models.Index(fields=["done_on", "due_on"], name="cases_step_open_idx")]

    def __str__(self):
        return self.get_kind_display()

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def is_overdue_on(self, day) -> bool:
        return not self.is_done and self.due_on is not None and self.due_on < day


class PlannedReview(models.Model):
    """The child's next review or conference, before it is held, and the work to prepare for it.

    One open at a time per child. Made and moved by cases.services whenever the schedule is
    worked out again (a review recorded, a key date, a decision, an import); closed when the
    review it prepares for is held, or when no review is due any more."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="planned_reviews")
    kind = models.CharField(max_length=20, choices=Review.Kind.choices)
    # The date the schedule says the review is due by; the steps count back from it.
    due_on = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    # An initial review (the first in care) or initial conference: reports 3 working days before,
    # not 5 (seed 004).
    initial = models.BooleanField(default=False)
    # The last review held when this one was planned: when another is held, this one was.
    after_review = models.ForeignKey(
        Review, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    held_review = models.ForeignKey(
        Review, on_delete=models.PROTECT, null=True, blank=True, related_name="planned"
    )
    closed_on = models.DateField(null=True, blank=True)
    closed_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-due_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(closed_on__isnull=True),
                name="cases_planned_review_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} due by {self.due_on:%-d %B %Y}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class PlannedStep(models.Model):
    """Something that must happen before a review (or after the IRO's visit before it)."""

    class Kind(models.TextChoices):
        CHILD_CONSULTED = (
            "child_consulted",
            "Discuss the review with the child and consult them about invitations",
        )
        INVITATIONS_SENT = "invitations_sent", "Send the invitations"
        IRO_VISIT = "iro_visit", "Visit the child before the review"
        VISIT_NOTE = "visit_note", "Record the note of the visit"
        DOCUMENTS_SENT = "documents_sent", "Send the social worker's report and the plan"

    planned = models.ForeignKey(PlannedReview, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planned_steps",
    )
    # The visit note has no date until the visit is recorded.
    due_on = models.DateField(null=True, blank=True)
    # The most the seed allows (the visit note: 5 working days); later is flagged.
    latest_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["planned", "kind"], name="cases_planned_step_once_per_review"
            ),
        ]
        indexes = [models.Index(fields=["done_on", "due_on"], name="cases_planned_step_open_idx")]

    def __str__(self):
        return self.get_kind_display()

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def is_overdue_on(self, day) -> bool:
        return not self.is_done and self.due_on is not None and self.due_on < day

    def is_beyond_latest_on(self, day) -> bool:
        """Past the most the seed allows: done after it, or still open after it."""
        if self.latest_on is None:
            return False
        return (self.done_on or day) > self.latest_on


class SignificantChange(models.Model):
    """An event the IRO or CP Chair must be told of at once (Gloucestershire section 6)."""

    class Kind(models.TextChoices):
        # Children in care (IRO Handbook 3.74).
        PANEL_OUTCOME = "panel_outcome", "Outcome of a panel or agency decision maker"
        PLACEMENT_UNEXPECTED = "placement_unexpected", "Unexpected change in the placement"
        PLACEMENT_CHANGE = "placement_change", "Change of placement (proposed or actual)"
        COURT_ORDER = "court_order", "Court order or outcome of a hearing"
        REVIEW_DECISIONS_DELAYED = (
            "review_decisions_delayed",
            "Delay in carrying out review decisions",
        )
        MISSING = "missing", "Missing from care"
        MEETING_WITHOUT_IRO = (
            "meeting_without_iro",
            "Strategy discussion or meeting without the IRO",
        )
        EXCLUSION = "exclusion", "Exclusion from school (including informal)"
        HEALTH = "health", "Serious health condition found"
        FAMILY_CHANGE = "family_change", "Unexpected change in family or carer's circumstances"
        ARREST = "arrest", "Arrest, bail or conviction"
        ACCIDENT = "accident", "Serious accident"
        SOCIAL_WORKER_CHANGE = "social_worker_change", "Change of social worker"
        DISCHARGE = "discharge", "Unexpected discharge from care (proposed or actual)"
        COMPLAINT = "complaint", "Complaint by or for the child, parent or carer"
        PARALLEL_PLANNING = (
            "parallel_planning",
            "Parallel planning (education, health, youth justice)",
        )
        # Child protection (Gloucestershire 6.2).
        HARM = "harm", "Death, serious incident or significant harm to the child"
        CARER_ADDRESS = "carer_address", "Change of address of the primary carer or partner"
        MOVED_OUT_OF_AREA = "moved_out_of_area", "Child moved out of the area"
        LOOKED_AFTER_CHANGE = "looked_after_change", "Child became or stopped being looked after"
        PLAN_NOT_POSSIBLE = "plan_not_possible", "The protection plan cannot be carried out"
        CONCERNS_INCREASED = "concerns_increased", "Concerns have increased (early conference?)"
        CONCERNS_DECREASED = "concerns_decreased", "Concerns have decreased (early conference?)"

    class Decision(models.TextChoices):
        EARLY_REVIEW = "early_review", "An early review is needed"
        NO_EARLY_REVIEW = "no_early_review", "No early review is needed"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="significant_changes")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    occurred_on = models.DateField()
    details = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # The reviewing officer at the time it was recorded. None: nobody was allocated, so the
    # reviewing service manager was told instead (cases.reviewer) until one is.
    reviewing_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    early_review_by = models.DateField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="early_review") | Q(early_review_by__isnull=False),
                name="cases_change_early_review_has_date",
            ),
        ]
        indexes = [models.Index(fields=["reviewing_officer", "decision"], name="cases_change_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.occurred_on:%-d %B %Y}"

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)


CIC_CHANGE_KINDS = [
    SignificantChange.Kind.PANEL_OUTCOME,
    SignificantChange.Kind.PLACEMENT_UNEXPECTED,
    SignificantChange.Kind.PLACEMENT_CHANGE,
    SignificantChange.Kind.COURT_ORDER,
    SignificantChange.Kind.REVIEW_DECISIONS_DELAYED,
    SignificantChange.Kind.MISSING,
    SignificantChange.Kind.MEETING_WITHOUT_IRO,
    SignificantChange.Kind.EXCLUSION,
    SignificantChange.Kind.HEALTH,
    SignificantChange.Kind.FAMILY_CHANGE,
    SignificantChange.Kind.ARREST,
    SignificantChange.Kind.ACCIDENT,
    SignificantChange.Kind.SOCIAL_WORKER_CHANGE,
    SignificantChange.Kind.DISCHARGE,
    SignificantChange.Kind.COMPLAINT,
    SignificantChange.Kind.PARALLEL_PLANNING,
]
CP_CHANGE_KINDS = [
    SignificantChange.Kind.HARM,
    SignificantChange.Kind.CARER_ADDRESS,
    SignificantChange.Kind.MOVED_OUT_OF_AREA,
    SignificantChange.Kind.LOOKED_AFTER_CHANGE,
    SignificantChange.Kind.COURT_ORDER,
    SignificantChange.Kind.FAMILY_CHANGE,
    SignificantChange.Kind.SOCIAL_WORKER_CHANGE,
    SignificantChange.Kind.COMPLAINT,
    SignificantChange.Kind.PLAN_NOT_POSSIBLE,
    SignificantChange.Kind.CONCERNS_INCREASED,
    SignificantChange.Kind.CONCERNS_DECREASED,
]


class ChildLog(models.Model):
    """The history of a child's reviews, key dates, changes and QAPRs: who did what, when."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when a scheduled job made the change.",
    )
    summary = models.CharField(max_length=300)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return self.summary
