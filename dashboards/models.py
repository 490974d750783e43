"""The scheduled packs (issue 20 part 2): who gets them, and which periods have been sent.

An administrator sets who gets each pack (`PackRecipients`, in the admin): people with chosen
roles (the reviewing service's managers by default) and named people, never a person who may
not see the figures. `PackSending` records each period a pack went out for: it is unique by
pack and period, so a job run twice, or after a missed day, sends each period once.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class PackKind(models.TextChoices):
    CLINIC_PACK = "clinic_pack", "Weekly clinic pack"
    THEMES_REPORT = "themes_report", "Monthly themes report"


class PackRecipients(models.Model):
    """Who gets one pack by email: everyone active with one of `roles`, and `people`."""

    pack = models.CharField(max_length=20, choices=PackKind.choices, unique=True)
    roles = models.ManyToManyField(
        "prp.Role",
        blank=True,
        related_name="+",
        help_text="Everyone with one of these roles gets the pack.",
    )
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="These people get it too, whatever their role.",
    )
    lock_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["pack"]
        verbose_name = "pack recipients"
        verbose_name_plural = "pack recipients"

    def __str__(self):
        return f"Who gets the {self.get_pack_display().lower()}"


class PackSending(models.Model):
    """One period of one pack, sent (or being sent) to its recipients."""

    pack = models.CharField(max_length=20, choices=PackKind.choices)
    period_start = models.DateField(help_text="The Monday of the week, or the 1st of the month.")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="When every recipient's message was queued."
    )
    recipients = models.PositiveIntegerField(default=0, help_text="Messages queued.")

    class Meta:
        ordering = ["-period_start", "pack"]
        constraints = [
            models.UniqueConstraint(fields=["pack", "period_start"], name="pack_period_once")
        ]

    def __str__(self):
        return f"{self.get_pack_display()} for {self.period_start:%d %B %Y}"
