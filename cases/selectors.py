"""Every list or lookup of children goes through here, so one rule decides who sees whom."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from notifications.audience import deeper
from prp.audit import refusals_recorded
from prp.hierarchy import span_team_ids
from prp.models import RoleCode, User

from .models import (
    Allocation,
    Child,
    KeyDate,
    PlannedReview,
    PlannedStep,
    Review,
    ReviewStep,
    SignificantChange,
)


def _named(user: User) -> Q:
    through = Child.named_users.through
    return Q(Exists(through.objects.filter(child_id=OuterRef("pk"), user_id=user.pk)))


def _allocated(user: User) -> Q:
    return Q(social_worker=user) | Q(reviewing_officer=user)


def visibility(user: User) -> Q:
    """Who may see a child.

    Unrestricted children: the allocated IRO/CP Chair and social worker; the child's team and
    its management line; the reviewing officer's team and its line; service-wide roles.
    Restricted children: only people named on the record or allocated to it.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_service_wide:
        open_rule = Q()
    else:
        span = span_team_ids(user)
        open_rule = _allocated(user) | Q(team_id__in=span) | Q(reviewing_officer__team_id__in=span)
    return (Q(restricted=False) & open_rule) | (
        Q(restricted=True) & (_allocated(user) | _named(user))
    )


def child_queryset(user: User) -> QuerySet[Child]:
    return Child.objects.filter(visibility(user), archived_at__isnull=True)


def child_queryset_for_system(*, sees_restricted: bool) -> QuerySet[Child]:
    """What one of the council's systems (an API client) sees: every child not archived, and a
    restricted child only when an administrator has granted that system restricted records."""
    children = Child.objects.filter(archived_at__isnull=True)
    return children if sees_restricted else children.filter(restricted=False)


def restricted_hidden_from(user: User) -> QuerySet[Child]:
    """Restricted children this person is neither allocated to nor named on. Anything about
    one of them (a concern, a task, a message) is hidden from them, whoever they are."""
    return Child.objects.filter(restricted=True).exclude(visibility(user))


def hidden_from_person(person) -> Q:
    """The rule above as a Q over children, for a person given as a user's id or as an OuterRef
    to one (so the outbox can ask it of every row's own recipient in one query): restricted,
    and the person is neither allocated to nor named on the record."""
    through = Child.named_users.through
    named = through.objects.filter(child_id=OuterRef("pk"), user_id=deeper(person))
    return (
        Q(restricted=True)
        & ~Q(social_worker=person)
        & ~Q(reviewing_officer=person)
        & ~Q(Exists(named))
    )


def may_see_child(user: User, child: Child) -> bool:
    return child_queryset(user).filter(pk=child.pk).exists()


def child_list(user: User, *, search: str = "", mine_only: bool = False) -> QuerySet[Child]:
    children = child_queryset(user).select_related("team", "social_worker", "reviewing_officer")
    if mine_only:
        children = children.filter(_allocated(user))
    terms = search.split()
    for term in terms[:5]:
        children = children.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(reference__iexact=term)
        )
    return children.order_by("last_name", "first_name", "id")


@refusals_recorded(Child)
def child_get(user: User, pk: int) -> Child:
    """The child, or 404 for anyone who may not see them (so a guessed URL reveals nothing)."""
    allocations = Allocation.objects.select_related("worker", "team").order_by("-start_date", "-id")
    child = (
        child_queryset(user)
        .select_related(
            "team__unit", "team__manager", "social_worker", "reviewing_officer", "sibling_group"
        )
        .prefetch_related(Prefetch("allocations", queryset=allocations))
        .filter(pk=pk)
        .first()
    )
    if child is None:
        raise Http404("No child found")
    return child


def sibling_list(user: User, child: Child) -> QuerySet[Child]:
    """The child's brothers and sisters that this person may see."""
    if child.sibling_group_id is None:
        return Child.objects.none()
    return (
        child_queryset(user)
        .filter(sibling_group_id=child.sibling_group_id)
        .exclude(pk=child.pk)
        .order_by("date_of_birth")
    )


def agency_notes_for_child(child: Child) -> QuerySet:
    """Concerns about partner agencies recorded on the child's record, newest first."""
    return child.agency_notes.select_related("recorded_by").order_by("-recorded_on", "-id")


# Reviews, key dates, significant changes ---------------------------------------------------------


def child_reviews_load(child: Child) -> Child:
    """Everything the reviews page shows about a child, fetched in a fixed number of queries.

    The reviews (with their steps), key dates and significant changes are prefetched onto the
    child, so working out the schedule (cases.services.child_schedule) reads them from memory.
    """
    from django.db.models import F, prefetch_related_objects

    from .models import ReviewStep, SignificantChange

    # The team manager's step has no date until the decisions reach them: it goes after those
    # that have one.
    steps = ReviewStep.objects.select_related("assignee", "done_by").order_by(
        F("due_on").asc(nulls_last=True), "id"
    )
    reviews = Review.objects.select_related("chair", "recorded_by").prefetch_related(
        Prefetch("steps", queryset=steps)
    )
    changes = SignificantChange.objects.select_related(
        "recorded_by", "reviewing_officer", "decided_by"
    )
    planned_steps = PlannedStep.objects.select_related("assignee", "done_by").order_by(
        F("due_on").asc(nulls_last=True), "id"
    )
    planned = PlannedReview.objects.select_related("held_review").prefetch_related(
        Prefetch("steps", queryset=planned_steps)
    )
    prefetch_related_objects(
        [child],
        Prefetch("reviews", queryset=reviews),
        Prefetch("planned_reviews", queryset=planned),
        Prefetch("key_dates", queryset=KeyDate.objects.select_related("recorded_by")),
        Prefetch("significant_changes", queryset=changes),
    )
    return child


def child_history(child: Child, *, limit: int = 20) -> QuerySet:
    """The latest lines of the child's review history, newest first."""
    return child.log.select_related("actor").order_by("-at", "-id")[:limit]


def open_change_count(child: Child) -> int:
    """Significant changes the reviewing officer has not yet decided on."""
    return child.significant_changes.filter(decision="").count()


@refusals_recorded(ReviewStep)
def review_step_get(user: User, pk: int):
    """A post-review task about a child this person may see, or 404."""
    step = (
        ReviewStep.objects.filter(pk=pk, review__child__in=child_queryset(user).values("pk"))
        .select_related("review__child__team", "review__chair", "assignee", "done_by")
        .first()
    )
    if step is None:
        raise Http404("No task found")
    return step


@refusals_recorded(PlannedStep)
def planned_step_get(user: User, pk: int):
    """A task before a review, about a child this person may see, or 404."""
    step = (
        PlannedStep.objects.filter(pk=pk, planned__child__in=child_queryset(user).values("pk"))
        .select_related("planned__child__team", "assignee", "done_by")
        .first()
    )
    if step is None:
        raise Http404("No task found")
    return step


@refusals_recorded(SignificantChange)
def significant_change_get(user: User, pk: int):
    """A significant change about a child this person may see, or 404."""
    change = (
        SignificantChange.objects.filter(pk=pk, child__in=child_queryset(user).values("pk"))
        .select_related("child", "recorded_by", "reviewing_officer", "decided_by")
        .first()
    )
    if change is None:
        raise Http404("No change found")
    return change


def reviews_due(user: User, *, team: bool = False) -> QuerySet[Child]:
    """Children with a next review date, soonest (so overdue) first.

    Mine: the children this person reviews (or is the social worker for). Team: the children
    reviewed by anyone in the teams of their span, or held by those teams (service-wide roles:
    every child they can see).
    """
    children = child_queryset(user).filter(review_due_on__isnull=False)
    if not team:
        children = children.filter(_allocated(user))
    elif not user.is_service_wide:
        span = span_team_ids(user)
        children = children.filter(Q(reviewing_officer__team_id__in=span) | Q(team_id__in=span))
    return children.select_related("reviewing_officer", "social_worker", "team").order_by(
        "review_due_on", "last_name", "first_name", "id"
    )


def review_tasks_for(user: User) -> QuerySet:
    """Open post-review tasks assigned to this person that have a due date, soonest first."""
    from .models import ReviewStep

    return (
        ReviewStep.objects.filter(
            assignee=user,
            done_on__isnull=True,
            due_on__isnull=False,
            review__child__in=child_queryset(user).values("pk"),
        )
        .select_related("review__child")
        .order_by("due_on", "id")
    )


def planned_tasks_for(user: User) -> QuerySet:
    """Open tasks before a review assigned to this person, soonest first: those of the child's
    next review, and a visit note still to write after the review was held."""
    return (
        PlannedStep.objects.filter(
            assignee=user,
            done_on__isnull=True,
            due_on__isnull=False,
            planned__child__in=child_queryset(user).values("pk"),
        )
        .filter(
            Q(planned__closed_on__isnull=True)
            | Q(kind=PlannedStep.Kind.VISIT_NOTE, planned__held_review__isnull=False)
        )
        .select_related("planned__child")
        .order_by("due_on", "id")
    )


def _told_of_change(user: User) -> Q:
    """The reviewing officer told of it; a reviewing service manager for a child with none
    (cases.reviewer)."""
    told = Q(reviewing_officer=user)
    if user.has_role(RoleCode.REVIEWING_SERVICE_MANAGER):
        told |= Q(reviewing_officer__isnull=True, child__reviewing_officer__isnull=True)
    return told


def changes_awaiting_decision(user: User) -> QuerySet:
    """Significant changes this person was told of and has not yet decided on, oldest first."""
    from .models import SignificantChange

    return (
        SignificantChange.objects.filter(
            _told_of_change(user),
            decision="",
            child__in=child_queryset(user).values("pk"),
        )
        .select_related("child", "recorded_by")
        .order_by("recorded_at", "id")
    )
