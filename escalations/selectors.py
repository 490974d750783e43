"""Every list or lookup of concerns and tasks goes through here: one visibility rule each.

A concern is visible to its raiser, to anyone who has (or had) a task on it, to the reviewing
managers above the raiser, and to anyone who can see every one of its children (so a restricted
child's concern stays hidden from people not named on that child).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from cases.models import Child
from cases.selectors import child_queryset, hidden_from_person, restricted_hidden_from
from prp import workdays
from prp.audit import entries_about, refusals_recorded
from prp.hierarchy import span_team_ids
from prp.models import Team, User

from . import rules
from .models import (
    CLOSED_STATES,
    LIVE_STATES,
    OPEN_STATES,
    Action,
    Attachment,
    Concern,
    ConcernChild,
    ConcernState,
    Discussion,
    Event,
    GoodPracticeNote,
    Outcome,
    SafeguardingContact,
    Stage,
    StageCopy,
    SubConcern,
    Task,
    TaskState,
)
from .rules import REVIEWING_ROLES


def about_restricted_child_hidden_from(user: User, concern: str = "pk") -> Exists:
    """The concern (at the path `concern` of the outer query) is about a restricted child this
    person is neither allocated to nor named on."""
    return Exists(
        ConcernChild.objects.filter(
            concern_id=OuterRef(concern), child__in=restricted_hidden_from(user)
        )
    )


def hides_restricted_child(user: User, concern_id: int) -> bool:
    """Whether the concern is about a restricted child this person may not see: nothing about
    it may then reach them, whoever they are to the concern."""
    return ConcernChild.objects.filter(
        concern_id=concern_id, child__in=restricted_hidden_from(user)
    ).exists()


def concern_visibility(user: User, *, row_by_row: bool = False, raised_only: bool = False) -> Q:
    """The rule in the module's docstring, built from id sets that each come from an index (the
    raiser, the task's assignee, the child's team or allocation, the raiser's team), so the
    database reads only the concerns this person may see instead of testing an OR of
    correlated subqueries on every concern of the council.

    `row_by_row`: the same rule tested on each concern instead (_seen_row_by_row), for a list
    whose other filters already keep few concerns of the many this person sees.
    `raised_only`: the concerns this person raised that the rule lets them see (raising one
    is one of the ways of seeing it, so only the rest of the rule is tested)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if raised_only:
        seen = Q(raised_by=user)
    elif row_by_row and not sees_nearly_everything(user):
        seen = _seen_row_by_row(user)
    else:
        seen = _seen(user)
    return seen & _not_withheld(user)


def _not_withheld(user: User) -> Q:
    """The part of the rule that holds whoever the person is to the concern."""
    # A restricted child's concern is for the people named on the child alone: raising it or
    # having had a task on it does not outlast being taken off the child's record. The flag is
    # kept by escalations/restricted.py, so only flagged concerns pay for the check.
    named_on_restricted = Q(about_restricted_child=False) | ~Q(
        about_restricted_child_hidden_from(user)
    )
    # A draft is the raiser's own until it is raised.
    raised_or_own = ~Q(state=ConcernState.DRAFT) | Q(raised_by=user)
    return named_on_restricted & raised_or_own


def _seen(user: User) -> Q:
    """Raised it, had a task on it, sees every one of its children, or (reviewing managers)
    manages the raiser, unless it is about a child they may not see."""
    raised = Concern.objects.filter(raised_by=user).values("pk").order_by()
    involved = Task.objects.filter(assignee=user).values("concern_id").order_by()
    if sees_nearly_everything(user):
        # They see nearly every child, so the concerns with a child they may not see are few:
        # a short list to leave out, tested by hash on each concern. A concern always has a
        # child (concern_start and concern_edit refuse one without), so "every one of its
        # children seen" needs no test that it has one: that test was a list of every
        # concern's id, too long at 500,000 concerns for PostgreSQL to hash, and so walked
        # for each concern (the page never came back).
        hidden = _hidden_from_most(user).values("concern_id").order_by()
        return Q(pk__in=raised.union(involved)) | ~Q(pk__in=hidden)
    # They see a small part of the council: gather its concerns from the indexes (the
    # children they see, and for reviewing managers the raisers they manage), then keep
    # those with no other child hidden from them.
    visible = _visible_children(user)
    reached = [_every_child_seen(ConcernChild.objects.filter(child_id__in=visible), visible)]
    if user.role_codes & REVIEWING_ROLES:
        managed = ConcernChild.objects.filter(concern__raised_by__team_id__in=span_team_ids(user))
        reached.append(_every_child_seen(managed, visible))
    return Q(pk__in=raised.union(involved, *reached))


def _seen_row_by_row(user: User) -> Q:
    """_seen for people who are not service-wide, as a test of each concern: every part is
    one index look-up by the concern's id (its tasks, its children), so a list that its
    filters narrow to a thousand concerns tests a thousand, instead of first gathering the
    fifty thousand a head of service may see."""
    visible = _visible_children(user)
    own_children = ConcernChild.objects.filter(concern_id=OuterRef("pk")).order_by()
    involved = Exists(Task.objects.filter(concern_id=OuterRef("pk"), assignee=user))
    a_child_seen = Exists(own_children.filter(child_id__in=visible))
    no_child_hidden = ~Exists(own_children.exclude(child_id__in=visible))
    reached = a_child_seen
    if user.role_codes & REVIEWING_ROLES:
        reached |= Q(raised_by__team_id__in=span_team_ids(user))
    return Q(raised_by=user) | involved | (Q(reached) & no_child_hidden)


def _visible_children(user: User) -> list[int]:
    """The children this person sees, read once as a list of ids: the database then knows how
    many there are and tests each row by hash and index. Planned from the subquery, its guess
    was four times too many, it charged the subquery's whole cost to every row it tested, and
    chose nested loops over a materialised set: seconds for a head of service's list, minutes
    for an assistant director's dashboard."""
    return list(child_queryset(user).order_by().values_list("pk", flat=True))


def _every_child_seen(rows: QuerySet[ConcernChild], visible) -> QuerySet:
    """The concerns of these rows that have no child outside `visible`.

    The test is a scalar subquery per row on purpose: PostgreSQL turns an EXISTS into an
    anti-join, which it ran by reading every concern's children in the council (350 ms at
    500,000 concerns); a scalar subquery it must run for each row, one index look-up of that
    concern's few children."""
    unseen = (
        ConcernChild.objects.filter(concern_id=OuterRef("concern_id"))
        .exclude(child_id__in=visible)
        .order_by()
        .values("pk")[:1]
    )
    return (
        rows.annotate(first_unseen=Subquery(unseen))
        .filter(first_unseen__isnull=True)
        .values("concern_id")
        .order_by()
    )


def sees_nearly_everything(user: User) -> bool:
    """Service-wide, or most of the council's teams are in their span (an assistant
    director): the children they may not see are then the few, and the rule is asked by the
    concerns to leave out. Worked out once per request and kept on the user object, as their
    span is."""
    if user.is_service_wide:
        return True
    cached = getattr(user, "_sees_nearly_everything", None)
    if cached is None:
        cached = len(span_team_ids(user)) * 2 > Team.objects.count()
        user._sees_nearly_everything = cached
    return cached


def _hidden_from_most(user: User) -> QuerySet[ConcernChild]:
    """The concerns' children a person who sees most of the council may not see."""
    if user.is_service_wide:
        return _hidden_from_service_wide(user)
    children = Child.objects.exclude(pk__in=child_queryset(user).order_by().values("pk"))
    return ConcernChild.objects.filter(child__in=children.values("pk"))


def _hidden_from_service_wide(user: User) -> QuerySet[ConcernChild]:
    """The concerns' children a service-wide person may not see: archived, or restricted and
    they are neither allocated to nor named on the record (cases.selectors.visibility for a
    service-wide role). Found from those few children through the child_id index, instead of
    every concern's child tested against every child they may see."""
    children = Child.objects.filter(Q(archived_at__isnull=False) | hidden_from_person(user.pk))
    return ConcernChild.objects.filter(child__in=children.values("pk"))


def concern_queryset(user: User) -> QuerySet[Concern]:
    return Concern.objects.filter(concern_visibility(user))


def live_concerns(user: User) -> QuerySet[Concern]:
    """The open concerns (and those with CAFCASS) this person may see: a few in each hundred
    of the council's concerns, so the rule is tested on each of them (row_by_row)."""
    visible = concern_visibility(user, row_by_row=True)
    return Concern.objects.filter(visible, state__in=LIVE_STATES)


def concern_queryset_for_system(*, sees_restricted: bool) -> QuerySet[Concern]:
    """What one of the council's systems (an API client) sees: every concern that has been
    raised (a draft is its raiser's own), not archived, and one about a restricted child only
    when an administrator has granted that system restricted records."""
    concerns = Concern.objects.filter(archived_at__isnull=True).exclude(state=ConcernState.DRAFT)
    return concerns if sees_restricted else concerns.filter(about_restricted_child=False)


def _tasks_with_people() -> QuerySet[Task]:
    return Task.objects.select_related(
        "assignee", "delegated_by", "retracted_by", "response_option"
    )


@refusals_recorded(Concern)
def concern_get(user: User, pk: int) -> Concern:
    """The concern with everything its page shows, or 404 for anyone who may not see it."""
    stages = Stage.objects.select_related(
        "protocol_stage",
        "raised_by",
        "outcome_by",
        "agreed_with",
        "accountable_owner",
        "cafcass_consulted",
    ).prefetch_related(
        Prefetch("tasks", queryset=_tasks_with_people().order_by("delegated_at")),
        Prefetch("copies", queryset=StageCopy.objects.select_related("person")),
    )
    concern = (
        concern_queryset(user)
        .select_related(
            "protocol",
            "raised_by__team",
            "current_stage__protocol_stage",
            "safeguarding_contact__reviewing_manager",
            "safeguarding_contact__social_care_manager",
            "safeguarding_contact__contacted_by",
        )
        .prefetch_related(
            Prefetch(
                "concern_children",
                queryset=ConcernChild.objects.select_related("child__team", "child__social_worker"),
            ),
            Prefetch(
                "sub_concerns",
                queryset=SubConcern.objects.filter(archived_at__isnull=True).select_related(
                    "category"
                ),
            ),
            Prefetch("stages", queryset=stages),
            Prefetch(
                "actions",
                queryset=Action.objects.filter(archived_at__isnull=True).select_related("owner"),
            ),
            Prefetch("attachments", queryset=Attachment.objects.filter(archived_at__isnull=True)),
            "discussions",
            Prefetch("events", queryset=Event.objects.select_related("actor").order_by("at", "id")),
        )
        .filter(pk=pk)
        .first()
    )
    if concern is None:
        raise Http404("No concern found")
    return concern


def concern_list(
    user: User,
    *,
    scope: str = "mine",
    state: str = "",
    level: int | None = None,
    category_id: int | None = None,
    overdue_only: bool = False,
    team_id: int | None = None,
    service_id: int | None = None,
    child_status: str = "",
    dated: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    ended: str = "",
    decision: str = "",
    assignee_id: int | None = None,
    include_archived: bool = False,
    formal_limit: str = "",
    awaiting_outcome: bool = False,
) -> QuerySet[Concern]:
    """My concerns (raised by me), my team's (raised in or about my teams), or all I can see.

    `level` is the stage a concern is at now, or ended at (one referred to CAFCASS is with
    CAFCASS, not at a stage); with a `decision` it is the stage that decision was made at.
    The rest narrow as the dashboard counts (dashboards.metrics): the team and service of
    the child when the concern was raised, the child's type, raised (`dated="opened"`), closed
    or decided between two dates, closed at the informal or after a formal stage, a stage that
    referred to CAFCASS or sought legal advice, and a response waiting from one person.
    Archived concerns (closed long ago) are left out unless `include_archived` (the dashboard's
    links ask for them, so a count and the list behind it agree). `awaiting_outcome`: open
    concerns whose current stage has a response and nobody still working on it, so the next
    step is the raiser's outcome.
    """
    if scope == "mine":
        concerns = Concern.objects.filter(concern_visibility(user, raised_only=True))
    elif scope == "team":
        span = span_team_ids(user)
        about_team = ConcernChild.objects.filter(concern_id=OuterRef("pk"), child__team_id__in=span)
        concerns = Concern.objects.filter(
            concern_visibility(user, row_by_row=True),
            Q(raised_by__team_id__in=span) | Q(Exists(about_team)),
        )
    else:
        concerns = concern_queryset(user)
    if not include_archived:
        concerns = concerns.filter(archived_at__isnull=True)
    if state == "open":
        concerns = concerns.filter(state__in=LIVE_STATES)
    elif state == "closed":
        concerns = concerns.filter(state__in=CLOSED_STATES)
    elif state:
        concerns = concerns.filter(state=state)
    if decision or dated == "decided":
        decided = Stage.objects.filter(concern_id=OuterRef("pk"), outcome_on__isnull=False)
        if decision == "refer_cafcass":
            decided = decided.filter(outcome=Outcome.REFER_CAFCASS)
        elif decision == "legal_advice":
            decided = decided.filter(legal_advice_sought=True)
        if level is not None:
            decided = decided.filter(level=level)
        if dated == "decided":
            decided = _between(decided, "outcome_on", date_from, date_to)
        concerns = concerns.filter(Exists(decided))
    elif level is not None:
        concerns = concerns.filter(current_stage__level=level).exclude(state=ConcernState.REFERRED)
    if dated in ("opened", "closed"):
        concerns = _between(concerns, f"{dated}_on", date_from, date_to)
    if team_id is not None:
        concerns = concerns.filter(team_id=team_id)
    if service_id is not None:
        concerns = concerns.filter(team__unit_id=service_id)
    if child_status:
        concerns = concerns.filter(child_status=child_status)
    if formal_limit:
        concerns = concerns.filter(formal_limit=formal_limit)
    if ended == "informal":
        concerns = concerns.filter(closed_level=0)
    elif ended == "formal":
        concerns = concerns.filter(closed_level__gte=1)
    elif ended == "formal_within_target":
        concerns = concerns.filter(
            closed_level__gte=1, formal_working_days__lte=rules.formal_target_days()
        )
    if category_id is not None:
        concerns = concerns.filter(
            Exists(
                SubConcern.objects.filter(
                    concern_id=OuterRef("pk"), category_id=category_id, archived_at__isnull=True
                )
            )
        )
    if overdue_only or assignee_id is not None:
        waiting = Task.objects.filter(stage__concern_id=OuterRef("pk"), state=TaskState.ACTIVE)
        if overdue_only:
            waiting = waiting.filter(due_on__lt=timezone.localdate())
        if assignee_id is not None:
            waiting = waiting.filter(assignee_id=assignee_id)
        concerns = concerns.filter(Exists(waiting))
    if awaiting_outcome:
        current_tasks = Task.objects.filter(stage_id=OuterRef("current_stage_id"))
        concerns = concerns.filter(
            Exists(current_tasks.filter(state=TaskState.RESPONDED)),
            state__in=OPEN_STATES,
            current_stage__outcome="",
        ).exclude(Exists(current_tasks.filter(state=TaskState.ACTIVE)))
    return _for_listing(concerns).order_by("-opened_on", "-created_at", "-id")


def _between(queryset: QuerySet, field: str, start: dt.date | None, end: dt.date | None):
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end is not None:
        queryset = queryset.filter(**{f"{field}__lte": end})
    return queryset


def with_open_actions(concerns: QuerySet[Concern]) -> QuerySet[Concern]:
    """Each concern's agreed actions not yet done (nor removed), for "Resolved - N actions
    being monitored"."""
    open_actions = (
        Action.objects.filter(
            concern_id=OuterRef("pk"), done_on__isnull=True, archived_at__isnull=True
        )
        .order_by()
        .values("concern_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return concerns.annotate(open_actions=Coalesce(Subquery(open_actions), 0))


def _for_listing(concerns: QuerySet[Concern]) -> QuerySet[Concern]:
    live_tasks = _tasks_with_people().filter(state=TaskState.ACTIVE)
    concerns = with_open_actions(concerns)
    return concerns.select_related(
        "raised_by", "current_stage__protocol_stage", "protocol"
    ).prefetch_related(
        Prefetch("concern_children", queryset=ConcernChild.objects.select_related("child")),
        Prefetch("current_stage__tasks", queryset=live_tasks, to_attr="live_tasks"),
        Prefetch(
            "sub_concerns",
            queryset=SubConcern.objects.filter(archived_at__isnull=True).select_related("category"),
        ),
    )


def immediate_awaiting_contact(user: User) -> list[SafeguardingContact]:
    """Immediate safeguarding concerns this person may see whose 24-hour contact between the
    service managers is not yet recorded, the soonest due first (the top of the clinic list
    and the dashboard)."""
    visible = live_concerns(user)
    return list(
        SafeguardingContact.objects.filter(contacted_at__isnull=True, concern__in=visible)
        .select_related("concern", "reviewing_manager", "social_care_manager")
        .order_by("due_at", "pk")
    )


CLINIC_REFERRED = "Referred to CAFCASS"


def _clinic_group() -> Case:
    """The clinic's group of a concern: its stage's label, or "Referred to CAFCASS"."""
    return Case(
        When(state=ConcernState.REFERRED, then=Value(CLINIC_REFERRED)),
        default=F("current_stage__protocol_stage__label"),
        output_field=CharField(),
    )


def _clinic_referred() -> Case:
    return Case(
        When(state=ConcernState.REFERRED, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def weekly_clinic(user: User) -> QuerySet[Concern]:
    """Every open informal and formal concern, and those referred to CAFCASS, in the clinic's
    order: by stage (lowest level first, referred after the stage at their level), then the
    longest open first. Each carries `clinic_group`, the heading it is listed under."""
    return (
        _for_listing(live_concerns(user))
        .annotate(clinic_group=_clinic_group(), clinic_referred=_clinic_referred())
        .order_by("current_stage__level", "clinic_referred", "clinic_group", "opened_on", "id")
    )


def weekly_clinic_groups(user: User) -> list[tuple[str, int]]:
    """Each heading of the weekly clinic with how many concerns it holds, in the list's order:
    one grouped count in SQL, whatever the number of concerns."""
    counts = (
        live_concerns(user)
        .annotate(clinic_group=_clinic_group(), clinic_referred=_clinic_referred())
        .values("clinic_group")
        .annotate(n=Count("id"), level=Min("current_stage__level"), referred=Max("clinic_referred"))
        .order_by("level", "referred", "clinic_group")
    )
    return [(row["clinic_group"], row["n"]) for row in counts]


def end_of_week(today: dt.date) -> dt.date:
    """The Sunday of this week: "due this week" runs from today to then."""
    return today + dt.timedelta(days=6 - today.weekday())


def task_inbox(user: User, *, include_done: bool = False, due: str = "") -> QuerySet[Task]:
    """The tasks delegated to me: waiting ones first, soonest due first. Not those about a
    restricted child I am no longer named on (their pages are hidden from me too).

    `due="week"`: waiting, due from today to Sunday; `due="overdue"`: waiting, due before today.
    """
    # Tasks on archived concerns (closed long ago) have left the working list.
    tasks = Task.objects.filter(assignee=user, stage__concern__archived_at__isnull=True).exclude(
        about_restricted_child_hidden_from(user, "stage__concern_id")
    )
    tasks = tasks if include_done else tasks.filter(state=TaskState.ACTIVE)
    today = timezone.localdate()
    if due == "week":
        tasks = tasks.filter(
            state=TaskState.ACTIVE, due_on__gte=today, due_on__lte=end_of_week(today)
        )
    elif due == "overdue":
        tasks = tasks.filter(state=TaskState.ACTIVE, due_on__lt=today)
    return (
        tasks.select_related("stage__protocol_stage", "stage__concern__raised_by", "delegated_by")
        .prefetch_related(
            Prefetch(
                "stage__concern__concern_children",
                queryset=ConcernChild.objects.select_related("child"),
            )
        )
        .order_by("state", "due_on", "id")
    )


@refusals_recorded(Task)
def task_get(user: User, pk: int) -> Task:
    """A task anyone who can see its concern may open (its assignee always can, unless it is
    about a restricted child they are no longer named on); 404 for everyone else."""
    task = (
        Task.objects.filter(stage__concern__in=concern_queryset(user))
        .select_related(
            "stage__protocol_stage",
            "stage__concern__protocol",
            "stage__concern__raised_by",
            "assignee",
            "delegated_by",
            "response_option",
        )
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404("No task found")
    return task


def load_concern_for_task(task: Task) -> None:
    """Everything the task page shows about its concern, in a fixed number of queries."""
    tasks = Task.objects.select_related(
        "assignee", "delegated_by", "retracted_by", "response_option"
    ).order_by("delegated_at", "id")
    stages = Stage.objects.select_related(
        "protocol_stage", "outcome_by", "raised_by"
    ).prefetch_related(Prefetch("tasks", queryset=tasks))
    children = ConcernChild.objects.select_related("child__team", "child__social_worker").order_by(
        "-is_primary", "id"
    )
    prefetch_related_objects(
        [task.stage.concern],
        Prefetch("concern_children", queryset=children),
        Prefetch(
            "sub_concerns",
            queryset=SubConcern.objects.filter(archived_at__isnull=True).select_related("category"),
        ),
        Prefetch("stages", queryset=stages),
    )


@refusals_recorded(Attachment)
def attachment_get(user: User, pk: int, *, concern_pk: int) -> Attachment:
    """A file on a concern this person may see, or 404 (so for an archived file too)."""
    attachment = Attachment.objects.filter(
        pk=pk,
        concern_id=concern_pk,
        concern__in=concern_queryset(user),
        archived_at__isnull=True,
    ).first()
    if attachment is None:
        raise Http404("No file found")
    return attachment


def good_practice_notes(user: User) -> QuerySet[GoodPracticeNote]:
    """Every good practice note this person may read anything of: not one about a restricted
    child they are neither allocated to nor named on (its text names the child), whoever they
    are to the note. Every list of notes starts here."""
    return GoodPracticeNote.objects.exclude(child__in=restricted_hidden_from(user))


def good_practice_list(user: User) -> QuerySet[GoodPracticeNote]:
    """Notes I wrote, received or was copied into."""
    return (
        good_practice_notes(user)
        .filter(Q(author=user) | Q(recipient=user) | Q(copied_to=user))
        .distinct()
        .select_related("author", "recipient", "child", "category")
        .prefetch_related("copied_to")
        .order_by("-created_at", "-id")
    )


def visible_child_ids(user: User, notes: list[GoodPracticeNote]) -> set[int]:
    """Which of the notes' children this person may see: the others are not named to them."""
    ids = {note.child_id for note in notes if note.child_id}
    if not ids:
        return set()
    return set(child_queryset(user).filter(pk__in=ids).values_list("pk", flat=True))


def good_practice_this_week(user: User) -> QuerySet[GoodPracticeNote]:
    """Good practice notes of the last 7 days for the weekly clinic.

    Service-wide roles see every note; others see notes they are party to, and notes written by
    or to people in the teams in their span. A note about a child they cannot see is left out
    unless they are party to it.
    """
    since = timezone.now() - dt.timedelta(days=7)
    party = Q(author=user) | Q(recipient=user) | Q(copied_to=user)
    if user.is_service_wide:
        in_reach = Q()
    else:
        span = span_team_ids(user)
        in_reach = party | Q(author__team_id__in=span) | Q(recipient__team_id__in=span)
    about_visible_child = Q(child__isnull=True) | Q(child__in=child_queryset(user))
    return (
        good_practice_notes(user)
        .filter(in_reach, about_visible_child | party)
        .filter(created_at__gte=since)
        .distinct()
        .select_related("author", "recipient", "category", "child")
        .order_by("-created_at", "-id")
    )


def due_soon_cutoff(today: dt.date | None = None) -> dt.date:
    return workdays.add_working_days(today or timezone.localdate(), 1)


def concern_audit_entries(concern: Concern) -> QuerySet:
    """The concern's audit trail, newest first, in one query: the concern, the children it is
    about, its concerns, discussions, actions, files, stages, tasks and safeguarding contact."""
    parts = [(Concern, [concern.pk])]
    models = (ConcernChild, SubConcern, Discussion, Action, Attachment, Stage, SafeguardingContact)
    for model in models:
        parts.append((model, model.objects.filter(concern=concern).values("pk")))
    parts.append((Task, Task.objects.filter(stage__concern=concern).values("pk")))
    return entries_about(parts)


def concerns_about_child(user: User, child: Child) -> QuerySet:
    """The concerns about this child that this person may see, newest first."""
    return (
        with_open_actions(concern_queryset(user))
        .filter(concern_children__child=child)
        .select_related("current_stage__protocol_stage")
        .order_by("-created_at", "-id")
    )


def concern_raised_at(concern: Concern) -> dt.datetime | None:
    """When the draft was raised: its "Concern raised" history row."""
    return (
        Event.objects.filter(concern=concern, kind=Event.Kind.RAISED)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
