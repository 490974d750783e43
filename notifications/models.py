"""The outbox: one row per message, written in the transaction that caused it.

A row is the message (email and in-app at once). Its `key` is unique, so a job that runs twice,
or two workers at once, can never make the same message twice; the sender claims rows with a
compare-and-set update and a lease (notifications.sender), so a row is sent at least once and
repeated at most once after a sender dies mid-send.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    DELEGATED = "delegated", "Delegated to you"
    COPIED = "copied", "Copied in on a delegation"
    ESCALATED = "escalated", "Escalated to you"
    RESPONDED = "responded", "Response received"
    OUTCOME = "outcome", "Outcome recorded"
    RETRACTED = "retracted", "Task taken back"
    REACTIVATED = "reactivated", "Response reopened"
    REMINDER = "reminder", "Response due tomorrow"
    DUE_TODAY = "due_today", "Response due today"
    OVERDUE = "overdue", "Response overdue"
    OVERDUE_COPY = "overdue_copy", "Response overdue (copy)"
    ESCALATE_PROMPT = "escalate_prompt", "Consider escalating"
    FORMAL_LIMIT_NEAR = "formal_limit_near", "Formal stages near the limit"
    FORMAL_LIMIT_PASSED = "formal_limit_passed", "Formal stages past the limit"
    ACTION_OVERDUE = "action_overdue", "Agreed action overdue"
    GOOD_PRACTICE = "good_practice", "Good practice note"
    DIGEST = "digest", "Daily digest"
    TEAM_DIGEST = "team_digest", "Your team's overdue work"
    SIGNIFICANT_CHANGE = "significant_change", "Significant change for a child"
    EARLY_REVIEW_DECISION = "early_review_decision", "Early review decision"
    REVIEW_DECISIONS = "review_decisions", "Review decisions to consider"
    AGREED_BY_SILENCE = "agreed_by_silence", "Review decisions taken as agreed"
    REVIEW_STEP_DUE = "review_step_due", "Review follow-up due"
    REVIEW_STEP_OVERDUE = "review_step_overdue", "Review follow-up overdue"
    REVIEW_DUE = "review_due", "Statutory review coming due"
    QAPR_DUE = "qapr_due", "QAPR coming due"
    QAPR_REOPENED = "qapr_reopened", "QAPR reopened"
    RECOMMENDATION_OVERDUE = "recommendation_overdue", "QAPR recommendation overdue"
    IMMEDIATE_SAFEGUARDING = "immediate_safeguarding", "Immediate safeguarding concern"
    SAFEGUARDING_CONTACT_DUE = "safeguarding_contact_due", "Safeguarding contact not recorded"
    IMPORT_FINISHED = "import_finished", "Import finished"
    CLINIC_PACK = "clinic_pack", "Weekly clinic pack"
    THEMES_REPORT = "themes_report", "Monthly themes report"


# Reminders and chases about a task: not sent if the task was answered before they went out.
ABOUT_A_LIVE_TASK = frozenset(
    {Kind.REMINDER, Kind.DUE_TODAY, Kind.OVERDUE, Kind.OVERDUE_COPY, Kind.ESCALATE_PROMPT}
)

# Reminders and chases that a person who chose a daily digest gets in it instead. News (a
# significant change, decisions to consider, a QAPR reopened) always goes out on its own.
DIGESTIBLE = frozenset(
    {
        Kind.REMINDER,
        Kind.DUE_TODAY,
        Kind.OVERDUE,
        Kind.OVERDUE_COPY,
        Kind.ACTION_OVERDUE,
        Kind.REVIEW_STEP_DUE,
        Kind.REVIEW_STEP_OVERDUE,
        Kind.REVIEW_DUE,
        Kind.QAPR_DUE,
        Kind.RECOMMENDATION_OVERDUE,
    }
)


# Messages that carry files (the packs, as PDFs): the sender reads their attachments.
WITH_ATTACHMENTS = frozenset({Kind.CLINIC_PACK, Kind.THEMES_REPORT})


class Status(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    IN_DIGEST = "in_digest", "Sent in a digest"
    NOT_NEEDED = "not_needed", "Not sent: no longer needed"


class Delivery(models.TextChoices):
    """What GOV.UK Notify's delivery receipt said (README, "GOV.UK Notify"). Empty: no receipt yet,
    or sent by SMTP, which sends none."""

    DELIVERED = "delivered", "Delivered"
    PERMANENT_FAILURE = "permanent-failure", "Not delivered: the address does not exist"
    TEMPORARY_FAILURE = "temporary-failure", "Not delivered: the inbox was full or unavailable"
    TECHNICAL_FAILURE = "technical-failure", "Not delivered: a problem at GOV.UK Notify"


# Receipts that mean the email will not arrive: administrators are shown these.
UNDELIVERED = frozenset(
    {Delivery.PERMANENT_FAILURE, Delivery.TEMPORARY_FAILURE, Delivery.TECHNICAL_FAILURE}
)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    key = models.CharField(max_length=200, unique=True, help_text="What makes this message unique.")
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField()
    url = models.CharField(max_length=300, blank=True, help_text="The page the message is about.")
    concern = models.ForeignKey(
        "escalations.Concern", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    task = models.ForeignKey(
        "escalations.Task", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    child = models.ForeignKey(
        "cases.Child", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    by_digest = models.BooleanField(
        default=False, help_text="Goes out in the recipient's daily digest, not on its own."
    )
    not_needed_reason = models.CharField(
        max_length=200, blank=True, help_text="Why it was not sent, when it was not needed."
    )
    digest = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        help_text="The daily digest that carried it.",
    )
    listed_concerns = models.ManyToManyField(
        "escalations.Concern",
        blank=True,
        related_name="+",
        help_text="The concerns a team digest lists (checked again before it is sent).",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    send_after = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sender holding it claimed or last renewed it."
    )
    claimed_by = models.CharField(
        max_length=60, blank=True, help_text="The sender holding it while it is being sent."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    # GOV.UK Notify (notifications.govuk_notify): what its template is given, worked out with the
    # subject and body when the row is queued; the id Notify gave the message; its receipt.
    personalisation = models.JSONField(
        default=dict, blank=True, help_text="The fields a GOV.UK Notify template is given."
    )
    notify_id = models.CharField(
        max_length=64, blank=True, help_text="GOV.UK Notify's id for the message, once accepted."
    )
    delivery_status = models.CharField(
        max_length=20, choices=Delivery.choices, blank=True, help_text="GOV.UK Notify's receipt."
    )
    delivery_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last receipt arrived."
    )
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "send_after"], name="notif_outbox_idx"),
            models.Index(fields=["recipient", "read_at"], name="notif_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notif_inbox_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient}: {self.subject}"


class Attachment(models.Model):
    """A file sent with a message (a pack as a PDF, made for its recipient). Kept with the row,
    so a retry sends the very file the first attempt would have sent."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, default="application/pdf")
    content = models.BinaryField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "filename"], name="notif_attachment_once"
            )
        ]

    def __str__(self):
        return self.filename
