"""The council's other systems that may call the API, and what each may do."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    CHILDREN_READ = "children:read", "Read children"
    CHILDREN_WRITE = "children:write", "Create and update children"
    ALLOCATIONS_WRITE = "allocations:write", "Allocate workers and teams to children"
    REVIEWS_WRITE = "reviews:write", "Record children's key dates and the reviews held"
    CONCERNS_READ = "concerns:read", "Read concerns, their stages, tasks and outcomes"
    FIGURES_READ = "figures:read", "Read the dashboard figures"
    PEOPLE_WRITE = "people:write", "Create, update and deactivate staff accounts"


class ApiClient(models.Model):
    """A system that calls the API with a key. Only a hash of the key is kept: the key itself
    is shown once, when it is made (at creation and at each rotation)."""

    name = models.CharField(max_length=100, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_clients",
        help_text="The person who answers for this system's use of the API.",
    )
    scopes = models.JSONField(default=list, blank=True, help_text="What this system may do.")
    sees_restricted = models.BooleanField(
        "sees restricted children",
        default=False,
        help_text="Only when the council has agreed that this system holds restricted records.",
    )
    expires_at = models.DateTimeField(help_text="The key stops working after this.")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The key's first characters, to find its row without comparing every hash.
    key_prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "API client"

    def __str__(self):
        return self.name

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class IdempotentRequest(models.Model):
    """A POST sent with an `Idempotency-Key`: the same key again from the same client gets the
    first answer back, not a second record."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="api_idempotent_once_per_client")
        ]

    def __str__(self):
        return f"{self.client} {self.key}"


class ScimPerson(models.Model):
    """What the council's directory (Entra ID) says about a person it provisioned, beyond the
    account itself: its own id for them and the name parts it sent, so what is read back is
    what was sent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim"
    )
    external_id = models.CharField(max_length=200, blank=True)
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    # As the directory has them. Neither moves anyone: a team gives access to children, and a
    # line manager may reopen their reports' QAPRs, so both are set here, by a person.
    department = models.CharField(max_length=200, blank=True)
    manager = models.CharField("the directory's id for their manager", max_length=200, blank=True)
    provisioned_by = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "person provisioned by SCIM"
        verbose_name_plural = "people provisioned by SCIM"

    def __str__(self):
        return str(self.user)


class ScimGroup(models.Model):
    """A group in the council's directory, pushed by SCIM. It gives its members a role only
    once an administrator here has said which: a group the directory makes gives nothing."""

    display_name = models.CharField(max_length=200, unique=True)
    external_id = models.CharField(max_length=200, blank=True)
    role = models.ForeignKey(
        "prp.Role",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The role the group's members have here. Empty: none.",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["display_name"]
        verbose_name = "directory group (SCIM)"
        constraints = [
            # Administrators are named in the admin by a person, never by the directory.
            models.CheckConstraint(
                condition=~models.Q(role="administrator"), name="api_scimgroup_never_administrator"
            )
        ]

    def __str__(self):
        return self.display_name
