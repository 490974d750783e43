"""Every list or lookup of QAPRs goes through here: a QAPR is visible to whoever may see its
child (cases.selectors.visibility), so restricted children stay hidden everywhere."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from cases.selectors import child_queryset
from prp.models import User

from .models import Qapr, QaprState, Recommendation


def qapr_queryset(user: User) -> QuerySet[Qapr]:
    return Qapr.objects.filter(child__in=child_queryset(user).values("pk"))


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
