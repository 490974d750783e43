"""Concerns ("PRP forms"), the stages they climb, the tasks delegated at each stage, and notes.

State changes happen only in escalations.services, one transaction each. The FSM fields are
protected: nothing else can set them.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from prp import workdays

USER = settings.AUTH_USER_MODEL


class ConcernState(models.TextChoices):
    DRAFT = "draft", "Draft"
    INFORMAL = "informal", "Informal stage"
    FORMAL = "formal", "Formal stage"
    RESOLVED = "resolved", "Resolved"
    REFERRED = "referred", "Referred to CAFCASS"
    WITHDRAWN = "withdrawn", "Withdrawn"


class FormalLimit(models.TextChoices):
    """Where a concern stands against its protocol's limit for the formal stages together."""

    WITHIN = "", "Within the limit"
    OVER = "over", "Over the limit"  # the limit was used up: a stage got its own days
    AGREED = "agreed", "Beyond the limit, agreed"  # a date agreed past it, with a reason


OPEN_STATES = (ConcernState.INFORMAL, ConcernState.FORMAL)
LIVE_STATES = (ConcernState.INFORMAL, ConcernState.FORMAL, ConcernState.REFERRED)
CLOSED_STATES = (ConcernState.RESOLVED, ConcernState.WITHDRAWN)


class Concern(ConcurrentTransitionMixin, models.Model):
    protocol = models.ForeignKey("prp.Protocol", on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="raised_concerns")
    children = models.ManyToManyField(
        "cases.Child", through="ConcernChild", related_name="concerns"
    )
    title = models.CharField(max_length=200, help_text="A short summary of the concern.")
    state = FSMField(default=ConcernState.DRAFT, choices=ConcernState.choices, protected=True)
    current_stage = models.ForeignKey(
        "Stage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Where the raiser chose to start: the stage the draft will be raised at.
    start_level = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # The Liquidlogic form's first field: when the concern arose (e.g. at the review). The
    # first stage opens on it, so its deadline counts from it.
    date_of_concern = models.DateField(null=True, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    # When it was signed off: at resolution, or (protocol.sign_off_after_actions, Blackpool)
    # when the last agreed action is done.
    signed_off_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    lock_version = models.PositiveIntegerField(default=0)
    # Set some time after it closed (settings.CONCERN_ARCHIVE_AFTER_DAYS): it leaves the
    # working lists but stays on the child's page and in the figures.
    archived_at = models.DateTimeField(null=True, blank=True)
    # When its free text was replaced under the retention schedule (settings.RETENTION_YEARS).
    anonymised_at = models.DateTimeField(null=True, blank=True)
    # Kept by escalations.services for the dashboards, which aggregate them in SQL: the primary
    # child's team and status when the concern was raised, and, once it is closed, the stage it
    # ended at and the working days its formal stages took.
    team = models.ForeignKey(
        "prp.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    child_status = models.CharField(max_length=30, blank=True)
    closed_level = models.PositiveSmallIntegerField(null=True, blank=True)
    formal_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    formal_limit = models.CharField(
        max_length=10, choices=FormalLimit.choices, blank=True, default=FormalLimit.WITHIN
    )
    # True when any child of the concern has a restricted record. Kept by escalations.restricted
    # so the dashboards leave such concerns out with a column filter, not a join per query.
    about_restricted_child = models.BooleanField(
        default=False,
        help_text="Set while any child of the concern has a restricted record.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "opened_on"], name="esc_concern_state_idx"),
            models.Index(fields=["team", "state"], name="esc_concern_team_idx"),
            models.Index(fields=["opened_on"], name="esc_concern_opened_idx"),
            models.Index(fields=["closed_on"], name="esc_concern_closed_idx"),
            # The API's pages walk concerns in this order (api.pagination.UpdatedCursor).
            models.Index(fields=["updated_at", "id"], name="esc_concern_updated_idx"),
        ]

    def __str__(self):
        return f"{self.reference}: {self.title}"

    @property
    def reference(self) -> str:
        return f"PRP-{self.pk:06d}" if self.pk else "PRP-new"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_draft(self) -> bool:
        return self.state == ConcernState.DRAFT

    # Transitions only set fields on self; escalations.services does everything around them.
    @transition(field=state, source=ConcernState.DRAFT, target=ConcernState.INFORMAL)
    def raise_informal(self, *, on):
        self.opened_on = on

    @transition(field=state, source=ConcernState.DRAFT, target=ConcernState.FORMAL)
    def raise_formal(self, *, on):
        self.opened_on = on

    @transition(field=state, source=OPEN_STATES, target=ConcernState.FORMAL)
    def escalate(self):
        pass

    @transition(field=state, source=[*OPEN_STATES, ConcernState.REFERRED], target="resolved")
    def resolve(self, *, on):
        self.closed_on = on

    @transition(field=state, source=OPEN_STATES, target=ConcernState.REFERRED)
    def refer_to_cafcass(self):
        pass

    @transition(
        field=state,
        source=[ConcernState.DRAFT, *OPEN_STATES, ConcernState.REFERRED],
        target=ConcernState.WITHDRAWN,
    )
    def withdraw(self, *, on):
        self.closed_on = on


class ConcernChild(models.Model):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="concern_children")
    child = models.ForeignKey("cases.Child", on_delete=models.PROTECT, related_name="+")
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "child"], name="esc_concern_child_unique"),
            models.UniqueConstraint(
                fields=["concern"], condition=Q(is_primary=True), name="esc_one_primary_child"
            ),
        ]

    def __str__(self):
        return f"{self.child} in {self.concern.reference}"


class SubConcern(models.Model):
    """One of the things wrong with the plan, filed under a category."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="sub_concerns")
    category = models.ForeignKey("prp.ProtocolCategory", on_delete=models.PROTECT, related_name="+")
    description = models.TextField("what is the concern")
    impact_on_child = models.TextField("impact on the child")
    child_views = models.TextField("the child's views", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Removing a sub-concern archives it: who removed it and when.
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.category}: {self.description[:60]}"


class Discussion(models.Model):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="discussions")
    held_on = models.DateField()
    held_with = models.CharField(max_length=200)
    summary = models.TextField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self):
        return f"Discussion with {self.held_with} on {self.held_on:%-d %B %Y}"


class Action(models.Model):
    """An agreed action: what, by whom, by when, and whether it is done."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="actions")
    stage = models.ForeignKey(
        "Stage", on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    description = models.TextField("what will be done")
    owner = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    owner_name = models.CharField(
        "by whom", max_length=150, blank=True, help_text="Someone without an account here."
    )
    due_on = models.DateField("by when")
    done_on = models.DateField(null=True, blank=True)
    # The working day the overdue chase last went: chased every N working days until done,
    # also after the concern is resolved.
    last_chased_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    # Removed: kept, with who removed it and why, and left out of lists and chases.
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    archive_reason = models.TextField(blank=True)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["done_on", "due_on"], name="esc_action_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | ~Q(owner_name=""), name="esc_action_has_owner"
            ),
        ]

    def __str__(self):
        return f"{self.description[:60]} ({self.who}, by {self.due_on:%-d %B %Y})"

    @property
    def who(self) -> str:
        return str(self.owner) if self.owner_id else self.owner_name

    @property
    def is_overdue(self) -> bool:
        return self.done_on is None and self.due_on < timezone.localdate()


class SafeguardingContact(models.Model):
    """An immediate safeguarding concern (Blackpool, seed 004: "the SQR Service Manager should
    contact the Social Care Service Manager within 24 hrs"). Both are told when it is raised;
    a clock of 24 real hours runs until the contact is recorded, chased every hour."""

    concern = models.OneToOneField(
        Concern, on_delete=models.CASCADE, related_name="safeguarding_contact"
    )
    raised_at = models.DateTimeField()
    due_at = models.DateTimeField()
    # Who were told: the reviewing (SQR) service manager and the social care service manager.
    reviewing_manager = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    social_care_manager = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contacted_at = models.DateTimeField("when the contact was made", null=True, blank=True)
    contacted_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agreed = models.TextField("what was agreed", blank=True)
    recorded_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    last_chased_at = models.DateTimeField(null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["contacted_at", "due_at"], name="esc_safeguarding_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(contacted_at__isnull=True)
                | (Q(contacted_by__isnull=False) & ~Q(agreed="")),
                name="esc_safeguarding_contact_complete",
            ),
        ]

    def __str__(self):
        return f"Immediate safeguarding contact for {self.concern.reference}"

    @property
    def is_recorded(self) -> bool:
        return self.contacted_at is not None

    def hours_left(self, now=None) -> int:
        """Whole hours to the deadline (negative once it has passed)."""
        seconds = (self.due_at - (now or timezone.now())).total_seconds()
        return int(seconds // 3600)


def _attachment_path(instance, filename):
    # A random name: the original is kept in the database, never trusted as a path.
    return f"concerns/{instance.concern_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class Attachment(models.Model):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Removing a file archives it (who and when); the file is kept until the retention
    # schedule removes its content, when the row stays as a record that there was one.
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    content_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class Outcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    ESCALATE_NEXT = "escalate_next", "Not resolved: escalate to the next stage"
    ESCALATE_TO = "escalate_to", "Not resolved: escalate straight to a later stage"
    REFER_CAFCASS = "refer_cafcass", "Refer to CAFCASS"
    WITHDRAWN = "withdrawn", "Withdraw the concern"


class DueBeyond(models.TextChoices):
    GUIDELINE = "guideline", "Later than the informal guideline, agreed"
    LIMIT = "limit", "Beyond the formal limit, agreed"


class Stage(models.Model):
    """One rung climbed: when it opened, when the response is due, and what the raiser decided."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="stages")
    protocol_stage = models.ForeignKey(
        "prp.ProtocolStage", on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField()
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    # A date later than the informal guideline or the formal limit, and why it was agreed.
    due_beyond = models.CharField(max_length=10, choices=DueBeyond.choices, blank=True)
    due_reason = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_comments = models.TextField(blank=True)
    legal_advice_sought = models.BooleanField(null=True)
    cafcass_considered = models.BooleanField(null=True)
    outcome_on = models.DateField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    external_response = models.TextField(
        blank=True, help_text="An outside body's reply (e.g. CAFCASS), recorded by the raiser."
    )
    # Seed 000 §4.1: the raiser may record what the team manager agreed instead of delegating.
    agreed_answer = models.TextField("what the manager agreed", blank=True)
    agreed_with = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agreed_on = models.DateField(null=True, blank=True)
    # IRO Handbook 6.2: an IRO or CP Chair may raise a stage someone else normally raises.
    bypass_reason = models.TextField(blank=True)
    # Who passed the task on and stays accountable for it (Gloucestershire Formal 3).
    accountable_owner = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A referral to CAFCASS: who the IRO consulted, and when (seed 000 §4.2).
    cafcass_consulted = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cafcass_consulted_on = models.DateField(null=True, blank=True)
    impact_for_child = models.TextField(
        blank=True, help_text="What resolving it changed for the child (where the protocol asks)."
    )
    # Working days from opening to the outcome, stored when the outcome is recorded so the
    # dashboards can take medians in SQL.
    working_days_taken = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["opened_on", "level", "id"]
        indexes = [
            models.Index(fields=["level", "working_days_taken"], name="esc_stage_taken_idx"),
            models.Index(fields=["outcome_on"], name="esc_stage_outcome_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome_on__isnull=True) | Q(outcome_on__gte=models.F("opened_on")),
                name="esc_stage_outcome_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(due_on__gte=models.F("opened_on")),
                name="esc_stage_due_after_opening",
            ),
        ]

    def __str__(self):
        return f"{self.protocol_stage.label} of {self.concern.reference}"

    @property
    def is_open(self) -> bool:
        return not self.outcome

    @property
    def is_formal(self) -> bool:
        return self.level > 0

    def _end(self):
        return self.outcome_on or timezone.localdate()

    @property
    def calendar_days_open(self) -> int:
        return (self._end() - self.opened_on).days

    @property
    def working_days_open(self) -> int:
        return workdays.working_days_between(self.opened_on, self._end())


class StageCopy(models.Model):
    """Someone copied in on a stage, and why. Worked out once, when the stage opens (and when
    its task is passed on), so the stage always shows who was told."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="copies")
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=250)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "person"], name="esc_stage_copy_unique"),
        ]

    def __str__(self):
        return f"{self.person} copied on {self.stage}"


class TaskState(models.TextChoices):
    ACTIVE = "active", "Waiting for a response"
    RESPONDED = "responded", "Responded"
    RETRACTED = "retracted", "Retracted"


class Task(ConcurrentTransitionMixin, models.Model):
    """A stage delegated to one person for their response."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="tasks")
    # The stage's concern, kept on the task (it never changes; save() fills it in), so the
    # concerns a person had a task on are read from one index instead of through the stages.
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="+", editable=False)
    assignee = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="tasks")
    delegated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    delegated_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField()
    # What the raiser tells the manager when delegating (Liquidlogic's "Notes for Assessor").
    note = models.TextField("notes for the manager", blank=True, max_length=5000)
    state = FSMField(default=TaskState.ACTIVE, choices=TaskState.choices, protected=True)
    response_option = models.ForeignKey(
        "prp.ResponseOption", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    response = models.TextField(blank=True)
    actions_agreed = models.TextField(blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    retract_reason = models.CharField(max_length=100, blank=True)
    retract_note = models.TextField(blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    retracted_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reactivated_at = models.DateTimeField(null=True, blank=True)
    # The working day of the last overdue chase, so chases repeat every N working days.
    last_chased_on = models.DateField(null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["assignee", "state", "due_on"], name="esc_task_inbox_idx"),
            models.Index(fields=["state", "due_on"], name="esc_task_due_idx"),
            models.Index(fields=["assignee", "concern"], name="esc_task_assignee_concern_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["stage"],
                condition=Q(state__in=["active", "responded"]),
                name="esc_one_live_task_per_stage",
            ),
        ]

    def __str__(self):
        return f"{self.stage} for {self.assignee}"

    def save(self, *args, **kwargs):
        if self.concern_id is None:
            self.concern_id = self.stage.concern_id
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        return self.state == TaskState.ACTIVE and self.due_on < timezone.localdate()

    @property
    def working_days_overdue(self) -> int:
        if not self.is_overdue:
            return 0
        return workdays.working_days_between(self.due_on, timezone.localdate())

    @property
    def is_due_soon(self) -> bool:
        """Due today or on the next working day."""
        if self.state != TaskState.ACTIVE or self.is_overdue:
            return False
        return self.due_on <= workdays.add_working_days(timezone.localdate(), 1)

    @property
    def has_draft(self) -> bool:
        return bool(self.response or self.actions_agreed or self.response_option_id)

    @transition(field=state, source=TaskState.ACTIVE, target=TaskState.RESPONDED)
    def respond(self, *, at):
        self.responded_at = at

    @transition(field=state, source=TaskState.ACTIVE, target=TaskState.RETRACTED)
    def retract(self, *, by, at, reason, note):
        # The assignee's draft is left exactly as it was: retraction never destroys work.
        self.retracted_by = by
        self.retracted_at = at
        self.retract_reason = reason
        self.retract_note = note

    @transition(field=state, source=TaskState.RESPONDED, target=TaskState.ACTIVE)
    def reactivate(self, *, at, due_on):
        self.reactivated_at = at
        self.due_on = due_on


class Event(models.Model):
    """The concern's history: one row for everything that happened, in order. Never edited."""

    class Kind(models.TextChoices):
        CREATED = "created", "Draft started"
        EDITED = "edited", "Concern updated"
        RAISED = "raised", "Concern raised"
        DELEGATED = "delegated", "Delegated"
        DRAFT_SAVED = "draft_saved", "Response draft saved"
        RESPONDED = "responded", "Response sent"
        RETRACTED = "retracted", "Task retracted"
        REDELEGATED = "redelegated", "Re-delegated"
        REACTIVATED = "reactivated", "Response reopened"
        OUTCOME = "outcome", "Outcome recorded"
        ESCALATED = "escalated", "Escalated"
        RESOLVED = "resolved", "Resolved"
        REFERRED = "referred", "Referred to CAFCASS"
        WITHDRAWN = "withdrawn", "Withdrawn"
        ACTION_ADDED = "action_added", "Action agreed"
        ACTION_DONE = "action_done", "Action done"
        ACTION_CHANGED = "action_changed", "Action changed"
        ACTION_REMOVED = "action_removed", "Action removed"
        SIGNED_OFF = "signed_off", "Signed off"
        IMMEDIATE = "immediate", "Immediate safeguarding concern"
        CONTACT_RECORDED = "contact_recorded", "Safeguarding contact recorded"
        ATTACHMENT = "attachment", "File attached"
        DISCUSSION = "discussion", "Discussion recorded"
        ARCHIVED = "archived", "Archived"
        ANONYMISED = "anonymised", "Text removed under the retention schedule"
        ANSWER_RECORDED = "answer_recorded", "Agreed answer recorded"
        PASSED_ON = "passed_on", "Task passed on"
        TAKEN_BACK = "taken_back", "Task taken back by the accountable manager"

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="events")
    stage = models.ForeignKey(Stage, on_delete=models.SET_NULL, null=True, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when a scheduled job or command made the change.",
    )
    at = models.DateTimeField(default=timezone.now)
    summary = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["concern", "at"], name="esc_event_timeline_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.summary[:60]}"


class GoodPracticeNote(models.Model):
    """Recognition of good work, sent to a practitioner and copied to their manager."""

    class Direction(models.TextChoices):
        TO_PRACTITIONER = "to_practitioner", "From the reviewing service to a practitioner"
        TO_REVIEWER = "to_reviewer", "From a manager to an IRO or CP Chair"

    direction = models.CharField(max_length=20, choices=Direction.choices)
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="good_practice_received"
    )
    copied_to = models.ManyToManyField(USER, blank=True, related_name="+")
    child = models.ForeignKey(
        "cases.Child", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey("prp.ProtocolCategory", on_delete=models.PROTECT, related_name="+")
    note = models.TextField("what was done well")
    impact_on_child = models.TextField("impact on the child")
    team = models.ForeignKey(
        "prp.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Good practice note to {self.recipient}"


class ExternalAgencyNote(models.Model):
    """A concern about a partner agency: a case note on the child, outside the internal ladder."""

    class Level(models.TextChoices):
        INFORMAL = "informal", "Informal"
        FORMAL = "formal", "Formal"

    child = models.ForeignKey("cases.Child", on_delete=models.PROTECT, related_name="agency_notes")
    agency = models.CharField(max_length=150)
    level = models.CharField(max_length=10, choices=Level.choices)
    summary = models.TextField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_on", "-id"]

    def __str__(self):
        return f"{self.agency} ({self.get_level_display().lower()})"
