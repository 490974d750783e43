"""The child's audit page's query: the trail of the child's record across every app. A page-level
module: it reads the concerns and QAPRs above cases, as the page shows them."""

from __future__ import annotations

from django.db.models import QuerySet

from escalations.models import Concern, ExternalAgencyNote, GoodPracticeNote
from escalations.selectors import concern_queryset
from prp.audit import entries_about
from prp.models import User
from qapr.models import Qapr, Recommendation
from qapr.selectors import qapr_queryset

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


def child_audit_entries(user: User, child: Child) -> QuerySet:
    """The audit trail of the child's record, newest first, in one query: the child, their
    allocations, reviews and their steps, key dates, significant changes, agency notes and
    good practice notes, and the QAPRs (with recommendations) and concerns this person may see."""
    qaprs = qapr_queryset(user).filter(child=child).values("pk")
    concerns = concern_queryset(user).filter(concern_children__child=child).values("pk")
    return entries_about(
        [
            (Child, [child.pk]),
            (Allocation, Allocation.objects.filter(child=child).values("pk")),
            (Review, Review.objects.filter(child=child).values("pk")),
            (ReviewStep, ReviewStep.objects.filter(review__child=child).values("pk")),
            (PlannedReview, PlannedReview.objects.filter(child=child).values("pk")),
            (PlannedStep, PlannedStep.objects.filter(planned__child=child).values("pk")),
            (KeyDate, KeyDate.objects.filter(child=child).values("pk")),
            (SignificantChange, SignificantChange.objects.filter(child=child).values("pk")),
            (ExternalAgencyNote, ExternalAgencyNote.objects.filter(child=child).values("pk")),
            (GoodPracticeNote, GoodPracticeNote.objects.filter(child=child).values("pk")),
            (Qapr, qaprs),
            (Recommendation, Recommendation.objects.filter(qapr__in=qaprs).values("pk")),
            (Concern, concerns),
        ]
    )
