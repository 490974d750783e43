"""Children, their sibling groups and who is allocated to them over time."""

from django.conf import settings
from django.db import models
from django.db.models import Q
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

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name_plural = "children"
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="cases_child_name_idx"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def reviewing_officer_title(self) -> str:
        if self.status == ChildStatus.CHILD_PROTECTION:
            return "Child Protection Chair"
        return "Independent Reviewing Officer"

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
