"""Each import run: who or what started it, when, what it found and what it did."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportRun(models.Model):
    class Source(models.TextChoices):
        PAGE = "page", "Import page"
        COMMAND = "command", "Scheduled command"

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed, not confirmed"
        DRY_RUN = "dry_run", "Checked only (dry run)"
        RUNNING = "running", "Importing in the background"
        DONE = "done", "Imported"
        FAILED = "failed", "Not imported: the files have errors"

    kind = models.CharField(max_length=30)
    source = models.CharField(max_length=20, choices=Source.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the council's scheduler ran the command.",
    )
    file_names = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=Status.choices)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    not_in_extract = models.JSONField(
        default=list, blank=True, help_text="Records stored here that the file did not list."
    )
    placeholders = models.JSONField(
        default=list, blank=True, help_text="Children made with a placeholder name to complete."
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["kind", "status", "finished_at"], name="imports_run_idx")]

    def __str__(self):
        return f"{self.kind_label} import of {self.started_at:%-d %B %Y %H:%M}"

    @property
    def kind_label(self) -> str:
        from .kinds import all_kinds

        found = all_kinds().get(self.kind)
        return found.label if found else self.kind


def _upload_path(instance, filename):
    return f"imports/{instance.run_id}/{filename}"


class ImportFile(models.Model):
    """A file uploaded for a preview, kept until the person confirms or it is done with."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    content = models.FileField(upload_to=_upload_path)

    def __str__(self):
        return self.name
