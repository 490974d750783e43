"""People, roles, teams and the management hierarchy, and the authority's closure days."""

from auditlog.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property

from .email_address import is_plain, normalise_email, validate_plain
from .frozen import FrozenQuerySet, FrozenWhenInUse


class RoleCode(models.TextChoices):
    # Raisers: the reviewing service.
    IRO = "iro", "Independent Reviewing Officer"
    CP_CHAIR = "cp_chair", "Child Protection Chair"
    FGC_COORDINATOR = "fgc_coordinator", "Family Group Conference Coordinator"
    REVIEWING_TEAM_MANAGER = "reviewing_team_manager", "IRO and CP Chair Team Manager"
    REVIEWING_SERVICE_MANAGER = "reviewing_service_manager", "Reviewing Service Manager"
    REVIEWING_HEAD_OF_SERVICE = "reviewing_head_of_service", "Head of Reviewing Service"
    # Operational managers: they receive delegated stages.
    SOCIAL_WORKER = "social_worker", "Social Worker"
    TEAM_MANAGER = "team_manager", "Team Manager"
    GROUP_MANAGER = "group_manager", "Group Manager"
    SERVICE_MANAGER = "service_manager", "Service Manager"
    SENIOR_MANAGER = "senior_manager", "Senior Manager"
    HEAD_OF_SERVICE = "head_of_service", "Head of Service"
    ASSISTANT_DIRECTOR = "assistant_director", "Assistant Director"
    DIRECTOR = "director", "Director of Safeguarding and Care"
    DIRECTOR_CHILDRENS_SERVICES = "director_childrens_services", "Director of Children's Services"
    SERVICE_DIRECTOR = "service_director", "Service Director"
    EXECUTIVE_DIRECTOR = "executive_director", "Executive Director"
    # Oversight and administration.
    PERFORMANCE = "performance", "Performance and Quality Officer"
    ADMINISTRATOR = "administrator", "Administrator"


RAISER_ROLES = frozenset(
    {
        RoleCode.IRO,
        RoleCode.CP_CHAIR,
        RoleCode.FGC_COORDINATOR,
        RoleCode.REVIEWING_TEAM_MANAGER,
        RoleCode.REVIEWING_SERVICE_MANAGER,
        RoleCode.REVIEWING_HEAD_OF_SERVICE,
    }
)
OPERATIONAL_ROLES = frozenset(
    {
        RoleCode.SOCIAL_WORKER,
        RoleCode.TEAM_MANAGER,
        RoleCode.GROUP_MANAGER,
        RoleCode.SERVICE_MANAGER,
        RoleCode.SENIOR_MANAGER,
        RoleCode.HEAD_OF_SERVICE,
        RoleCode.ASSISTANT_DIRECTOR,
        RoleCode.DIRECTOR,
        RoleCode.DIRECTOR_CHILDRENS_SERVICES,
        RoleCode.SERVICE_DIRECTOR,
        RoleCode.EXECUTIVE_DIRECTOR,
    }
)
# People who see every (unrestricted) child in the authority: the reviewing service's managers,
# performance staff and administrators.
SERVICE_WIDE_ROLES = frozenset(
    {
        RoleCode.REVIEWING_SERVICE_MANAGER,
        RoleCode.REVIEWING_HEAD_OF_SERVICE,
        RoleCode.PERFORMANCE,
        RoleCode.ADMINISTRATOR,
    }
)
DASHBOARD_ROLES = SERVICE_WIDE_ROLES | {
    RoleCode.SERVICE_MANAGER,
    RoleCode.HEAD_OF_SERVICE,
    RoleCode.GROUP_MANAGER,
    RoleCode.SENIOR_MANAGER,
    RoleCode.ASSISTANT_DIRECTOR,
    RoleCode.DIRECTOR,
    RoleCode.DIRECTOR_CHILDRENS_SERVICES,
    RoleCode.SERVICE_DIRECTOR,
    RoleCode.EXECUTIVE_DIRECTOR,
}


class Role(models.Model):
    """A job a person does in the pathway. Rows match RoleCode and are made by a migration."""

    code = models.CharField(max_length=40, primary_key=True, choices=RoleCode.choices)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.get_code_display()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required")
        validate_plain(email)
        user = self.model(email=normalise_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        """The account signing in: an exact match on the normalised address. An address that
        is not ASCII is nobody's, however a database would fold it."""
        if not is_plain(email):
            raise self.model.DoesNotExist("An email address that is not ASCII has no account.")
        return self.get(email=normalise_email(email))


class User(AbstractBaseUser, PermissionsMixin):
    """A member of staff. Signs in with their work email address."""

    email = models.EmailField("email address", unique=True, validators=[validate_plain])
    full_name = models.CharField(max_length=150)
    job_title = models.CharField(max_length=150, blank=True)
    team = models.ForeignKey(
        "Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        help_text="The team this person works in.",
    )
    line_manager = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users")
    wants_daily_digest = models.BooleanField(
        "daily digest instead of separate reminders",
        default=False,
        help_text="Reminders and chases arrive together in one email each working morning.",
    )
    is_active = models.BooleanField(
        default=True, help_text="Untick instead of deleting: records keep their history."
    )
    is_staff = models.BooleanField("can use the admin", default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # The version the admin form was loaded at: a save from an older one is refused.
    lock_version = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="prp_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = normalise_email(self.email)

    def save(self, *args, **kwargs):
        # Every path that makes or changes an account (admin, single sign-on, imports,
        # factories) stores the one spelling the sign-in looks up, and none that is not ASCII:
        # checked as given, since normalising can turn a look-alike into ASCII.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "email" in update_fields:
            validate_plain(self.email)
            self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def role_codes(self) -> frozenset[str]:
        """The person's roles, loaded once per request."""
        return frozenset(self.roles.values_list("code", flat=True))

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes.intersection(codes))

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.has_role(RoleCode.ADMINISTRATOR)

    @property
    def is_service_wide(self) -> bool:
        return self.is_superuser or bool(self.role_codes & SERVICE_WIDE_ROLES)


class OrgUnit(models.Model):
    """A node of the management hierarchy above teams: a directorate, service or group."""

    class Kind(models.TextChoices):
        DIRECTORATE = "directorate", "Directorate"
        SERVICE = "service", "Service"
        GROUP = "group", "Group"

    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    is_reviewing_service = models.BooleanField(
        default=False, help_text="The IRO and Child Protection Chair service."
    )
    # The version the admin form was loaded at: a save from an older one is refused.
    lock_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "unit of the management hierarchy"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="prp_orgunit_not_own_parent"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display().lower()})"


class Team(models.Model):
    """A team of practitioners with one team manager, inside a service or group."""

    class Kind(models.TextChoices):
        OPERATIONAL = "operational", "Operational (social work)"
        REVIEWING = "reviewing", "Reviewing (IROs and CP Chairs)"

    name = models.CharField(max_length=150, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OPERATIONAL)
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="teams",
        help_text="The service or group this team belongs to.",
    )
    manager = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="managed_teams"
    )
    is_active = models.BooleanField(default=True)
    # The version the admin form was loaded at: a save from an older one is refused.
    lock_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Post(models.Model):
    """A management post held in a unit, e.g. the Head of Service for the Children in Care service.

    Posts answer "who is the Head of Service / Group Manager / Assistant Director for this
    child's team": walk up from the team's unit to the nearest unit with a post in that role.
    """

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="posts")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="posts")
    holder = models.ForeignKey(User, on_delete=models.PROTECT, related_name="posts")

    class Meta:
        ordering = ["unit__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "role"], name="prp_post_one_holder_per_role"),
        ]

    def __str__(self):
        return f"{self.role} for {self.unit.name}: {self.holder}"


class ClosureDay(models.Model):
    """A day the authority's offices are closed, on top of bank holidays (e.g. 29 December)."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=150)

    class Meta:
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%-d %B %Y}: {self.reason}"


class JobHeartbeat(models.Model):
    """The last time each scheduled job finished, so monitoring can tell a stalled scheduler."""

    name = models.CharField(max_length=100, primary_key=True)
    last_success_at = models.DateTimeField()

    def __str__(self):
        return self.name


# Protocols: each council's resolution ladder ------------------------------------------------


class ChildType(models.TextChoices):
    """How a protocol tells children apart when it picks who a stage is delegated to."""

    CHILD_PROTECTION = "child_protection", "Child protection"
    CHILD_IN_CARE = "child_in_care", "Child in care"
    OTHER = "other", "Other"


class ProtocolQuerySet(FrozenQuerySet):
    protocol_field = "pk"


class Protocol(FrozenWhenInUse):
    """One version of a council's resolution ladder.

    A concern keeps the version it opened under. A version that any concern uses is frozen
    (prp.frozen, by every path): to change the ladder, an administrator copies it to a new
    version and activates that.
    """

    name = models.CharField(max_length=150, help_text="For example, Progress Resolution Pathway.")
    authority = models.CharField(max_length=150, help_text="The council the ladder comes from.")
    version = models.PositiveIntegerField(default=1)
    description = models.TextField(blank=True)
    formal_limit_days = models.PositiveIntegerField(
        "formal stages limit (working days)",
        default=20,
        help_text="The formal stages together never take longer than this from the formal "
        "start: each formal stage's date is capped at the limit's end, and a date agreed beyond "
        "it needs a recorded reason.",
    )
    informal_guideline_days = models.PositiveIntegerField(
        "informal stage guideline (working days)",
        null=True,
        blank=True,
        help_text="An informal response date later than this needs a recorded reason and is "
        "flagged in the weekly clinic. Empty: the council sets no guideline.",
    )
    write_up_days = models.PositiveIntegerField(
        "informal write-up within (days)",
        null=True,
        blank=True,
        help_text="The raiser writes the informal challenge within this many days of the review "
        "that prompted it (the date of concern). Empty: no such deadline.",
    )
    informal_limit_days = models.PositiveIntegerField(
        "informal stage maximum (working days)",
        default=20,
        help_text="An informal response date later than this is refused: the informal stage "
        "must not create drift. A date after the informal stage's guideline needs a reason.",
    )
    resolution_records_impact = models.BooleanField(
        "resolving records the impact for the child",
        default=False,
        help_text="When the raiser resolves a stage they say what difference it made to the child.",
    )
    review_rules = models.JSONField(
        "review timescales",
        default=dict,
        blank=True,
        help_text="The council's review timescales, applied to the review rules when this "
        'protocol is made active, e.g. {"cic_second": [91, "calendar_days"]}.',
    )
    is_active = models.BooleanField(
        default=False, help_text="New concerns use the active protocol. Only one can be active."
    )
    # Seed 000 §4.2: an IRO refers to CAFCASS in consultation with one manager, and tells others.
    cafcass_consult_role = models.ForeignKey(
        Role,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="consulted before a CAFCASS referral",
        help_text="Who the IRO consults before referring to CAFCASS; recorded on the referral.",
    )
    cafcass_told_roles = models.ManyToManyField(
        Role,
        blank=True,
        related_name="+",
        verbose_name="told of a CAFCASS referral",
        help_text="Who is told when a concern is referred to CAFCASS.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The version the admin form was loaded at: a save from an older one is refused.
    lock_version = models.PositiveIntegerField(default=0, editable=False)

    objects = ProtocolQuerySet.as_manager()

    class Meta:
        ordering = ["authority", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "name", "version"], name="prp_protocol_unique_version"
            ),
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="prp_protocol_one_active",
            ),
        ]

    def __str__(self):
        return f"{self.authority}: {self.name} (version {self.version})"

    def _frozen_protocol_id(self):
        return self.pk


class ProtocolStage(FrozenWhenInUse):
    """One rung of a ladder: level 0 is the informal stage, 1..N the formal stages."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="stages")
    level = models.PositiveSmallIntegerField(help_text="0 for the informal stage, then 1, 2, …")
    label = models.CharField(max_length=100, help_text="For example, Formal stage 2.")
    raised_by = models.ManyToManyField(
        Role,
        related_name="+",
        help_text="Who may raise or escalate a concern to this stage.",
    )
    delegate_role_child_protection = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delegate_role_child_in_care = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delegate_role_other = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    response_days = models.PositiveSmallIntegerField(
        "response time (working days)",
        null=True,
        blank=True,
        help_text="Leave empty when the response date is agreed with the manager.",
    )
    guideline_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="For agreed dates: the usual time in working days, offered as a suggestion "
        "(empty: no suggestion). At the informal stage a later date needs a reason.",
    )
    copy_to = models.ManyToManyField(
        Role, blank=True, related_name="+", help_text="Who is copied in when it is delegated."
    )
    external_body = models.CharField(
        max_length=100,
        blank=True,
        help_text="An outside body (e.g. CAFCASS) whose reply the raiser records on its behalf.",
    )
    delegation_optional = models.BooleanField(
        default=False,
        help_text="The raiser may record the manager's agreed answer without delegating.",
    )
    may_pass_to = models.ManyToManyField(
        Role,
        blank=True,
        related_name="+",
        verbose_name="may be passed to",
        help_text="The person it is delegated to may pass the task to someone in one of these "
        "roles, and stays accountable for it.",
    )
    unresolved_tells_reviewer = models.BooleanField(
        "tell the IRO if it ends unresolved",
        default=False,
        help_text="If this stage ends without resolution for a child in care, the child's IRO is "
        "told to seek independent legal advice and consider CAFCASS.",
    )
    guidance = models.TextField(blank=True)

    objects = FrozenQuerySet.as_manager()

    class Meta:
        ordering = ["protocol", "level"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "level"], name="prp_stage_unique_level"),
        ]

    def __str__(self):
        return self.label

    @property
    def is_informal(self) -> bool:
        return self.level == 0

    @property
    def is_agreed(self) -> bool:
        """The response date is agreed by the raiser, not counted from the protocol."""
        return self.response_days is None

    def delegate_role_id_for(self, child_type: str) -> str | None:
        return {
            ChildType.CHILD_PROTECTION: self.delegate_role_child_protection_id,
            ChildType.CHILD_IN_CARE: self.delegate_role_child_in_care_id,
        }.get(child_type, self.delegate_role_other_id) or self.delegate_role_other_id


class ProtocolCategory(FrozenWhenInUse):
    """A theme concerns are filed under, for the monthly themes report."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=150)
    position = models.PositiveSmallIntegerField(default=0)
    is_suggestion = models.BooleanField(
        "suggestion",
        default=False,
        help_text="Not from the council's own documents: shipped as a suggestion for the council "
        "to replace with its own.",
    )

    objects = FrozenQuerySet.as_manager()

    class Meta:
        ordering = ["protocol", "position", "name"]
        verbose_name_plural = "protocol categories"
        constraints = [
            models.UniqueConstraint(fields=["protocol", "name"], name="prp_category_unique_name"),
        ]

    def __str__(self):
        return self.name


class ResponseOption(FrozenWhenInUse):
    """What a manager can answer, e.g. "Agree and able to implement"."""

    protocol = models.ForeignKey(
        Protocol, on_delete=models.CASCADE, related_name="response_options"
    )
    label = models.CharField(max_length=150)
    position = models.PositiveSmallIntegerField(default=0)

    objects = FrozenQuerySet.as_manager()

    class Meta:
        ordering = ["protocol", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "label"], name="prp_response_unique_label"),
        ]

    def __str__(self):
        return self.label


class FormSubmission(models.Model):
    """A creating form's one-time token and where its first submission led.

    Every form that adds a record carries a fresh token (prp.submissions). The first post claims
    it and saves; the same form posted again (a double click, or back and submit again) finds it
    claimed and goes to the same place, so nothing is added twice.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    token = models.UUIDField()
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="prp_form_submitted_once"),
        ]

    def __str__(self):
        return f"{self.token} by {self.user_id}"


class Download(LogEntry):
    """Marks an audit entry as a downloaded list or table (its record type in the trail).

    A download is about many records, or about figures, so it names no one record: the entry
    says which list, with which filters, how many rows, in which format. No table of its own.
    """

    class Meta:
        proxy = True
        verbose_name = "download"
