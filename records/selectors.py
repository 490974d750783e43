"""What the audit trail holds about children: every audited record about them, across every
app, for the audit log's admin (a restricted child's entries are hidden from those who may not
see the child) and for retention."""

from __future__ import annotations

from django.db.models import QuerySet

from cases.models import (
    Allocation,
    Child,
    KeyDate,
    PlannedReview,
    PlannedStep,
    Review,
    ReviewStep,
    SignificantChange,
)
from escalations.models import (
    Action,
    Attachment,
    Concern,
    ConcernChild,
    Discussion,
    ExternalAgencyNote,
    GoodPracticeNote,
    Stage,
    SubConcern,
    Task,
)
from qapr.models import Qapr, Recommendation


def records_about_children(children: QuerySet[Child]) -> list[tuple[type, QuerySet]]:
    """Every audited record about these children, as (model, ids) for prp.audit.entries_about:
    theirs, their reviews, notes, QAPRs, and their concerns with everything on them."""
    ids = children.values("pk")
    concerns = Concern.objects.filter(concern_children__child__in=ids).values("pk")
    parts = [(Child, ids)]
    for model in (Allocation, Review, KeyDate, SignificantChange, ExternalAgencyNote):
        parts.append((model, model.objects.filter(child__in=ids).values("pk")))
    parts += [
        (ReviewStep, ReviewStep.objects.filter(review__child__in=ids).values("pk")),
        (PlannedReview, PlannedReview.objects.filter(child__in=ids).values("pk")),
        (PlannedStep, PlannedStep.objects.filter(planned__child__in=ids).values("pk")),
        (GoodPracticeNote, GoodPracticeNote.objects.filter(child__in=ids).values("pk")),
        (Qapr, Qapr.objects.filter(child__in=ids).values("pk")),
        (Recommendation, Recommendation.objects.filter(qapr__child__in=ids).values("pk")),
        (Concern, concerns),
        (Task, Task.objects.filter(stage__concern__in=concerns).values("pk")),
    ]
    for model in (ConcernChild, SubConcern, Discussion, Action, Attachment, Stage):
        parts.append((model, model.objects.filter(concern__in=concerns).values("pk")))
    return parts
