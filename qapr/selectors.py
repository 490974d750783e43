"""Every list or lookup of QAPRs goes through here: a QAPR is visible to whoever may see its
child (cases.selectors.visibility), so restricted children stay hidden everywhere."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from cases.selectors import child_queryset
from prp.audit import refusals_recorded
from prp.hierarchy import span_team_ids
from prp.models import User

from .models import Qapr, QaprState, Recommendation


def qapr_queryset(user: User) -> QuerySet[Qapr]:
    return Qapr.objects.filter(child__in=child_queryset(user).values("pk"))


@refusals_recorded(Qapr)
def qapr_get(user: User, pk: int) -> Qapr:
    qapr = (
        qapr_queryset(user)
        .select_related(
            "child__team__manager",
            "child__social_worker",
            "child__reviewing_officer",
            "author__team",
            "concern",
            "good_practice_category",
            "good_practice_note",
            "finalised_by",
            "reopened_by",
        )
        .filter(pk=pk)
        .first()
    )
    if qapr is None:
        raise Http404("No QAPR found")
    return qapr


def qaprs_for_child(user: User, child) -> QuerySet[Qapr]:
    return qapr_queryset(user).filter(child=child).select_related("author").order_by("-created_at")


@refusals_recorded(Recommendation)
def recommendation_get(user: User, pk: int) -> Recommendation:
    found = (
        Recommendation.objects.filter(qapr__in=qapr_queryset(user).values("pk"), pk=pk)
        .select_related("qapr__child", "owner")
        .first()
    )
    if found is None:
        raise Http404("No recommendation found")
    return found


def open_recommendations(user: User) -> QuerySet[Recommendation]:
    """The author's tracking list: recommendations from their finalised QAPRs not yet done."""
    return (
        Recommendation.objects.filter(
            qapr__in=qapr_queryset(user).values("pk"),
            qapr__author=user,
            qapr__state=QaprState.FINALISED,
            done_on__isnull=True,
            archived_at__isnull=True,
        )
        .select_related("qapr__child", "owner")
        .order_by("due_on", "id")
    )


# The "QAPRs due" page and the QAPR's own page ----------------------------------------------------


def children_qapr_due(user: User, *, team: bool = False) -> QuerySet:
    """Children with a QAPR due, soonest (and so most overdue) first.

    Mine: the children this person is the reviewing officer for. Team: the children of every
    reviewing officer in their span (all of them for service-wide roles). Always within the
    children they may see.
    """
    children = child_queryset(user).filter(qapr_due_on__isnull=False)
    if not team:
        children = children.filter(reviewing_officer=user)
    elif not user.is_service_wide:
        children = children.filter(reviewing_officer__team_id__in=span_team_ids(user))
    return children.select_related("team", "social_worker", "reviewing_officer").order_by(
        "qapr_due_on", "last_name", "first_name", "id"
    )


def drafts_for_children(user: User, child_ids) -> dict[int, Qapr]:
    """The draft QAPR of each of these children, by child id (one query)."""
    drafts = (
        qapr_queryset(user)
        .filter(child_id__in=list(child_ids), state=QaprState.DRAFT)
        .select_related("author")
        .order_by("created_at", "id")
    )
    return {draft.child_id: draft for draft in drafts}


def drafts_by(user: User) -> QuerySet[Qapr]:
    """The QAPRs this person has started and not finalised."""
    return (
        qapr_queryset(user)
        .filter(author=user, state=QaprState.DRAFT)
        .select_related("child")
        .order_by("created_at", "id")
    )


def recommendations_for(qapr: Qapr) -> QuerySet[Recommendation]:
    return qapr.recommendations.filter(archived_at__isnull=True).select_related("owner")


def qaprs_raising(user: User, concern_id: int) -> QuerySet[Qapr]:
    """The QAPRs that raised this concern, of children this person may see."""
    return qapr_queryset(user).filter(concern_id=concern_id).order_by("created_at", "id")
