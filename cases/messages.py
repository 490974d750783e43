"""Messages about reviews and significant changes. Called by cases.services inside the
transaction of the change, so a message exists only if the change was saved."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from notifications.models import Kind
from notifications.services import Message, notify

from .models import ReviewStep, SignificantChange
from .reviewer import Reviewer, reviewer_for


def _reviews_url(child) -> str:
    return reverse("cases:child_reviews", args=[child.pk])


def _may_see(person, child) -> bool:
    """Nothing about a child goes to someone who may not see them (a restricted record)."""
    from .selectors import child_queryset

    return child_queryset(person).filter(pk=child.pk).exists()


def review_decisions(step: ReviewStep) -> None:
    """The team manager has the decisions: consider them by the due date, or they stand."""
    if step.assignee is None or not _may_see(step.assignee, step.review.child):
        return
    review = step.review
    notify(
        Message(
            step.assignee,
            Kind.REVIEW_DECISIONS,
            f"review_decisions:step:{step.pk}:{step.due_on.isoformat()}",
            {"step": step, "review": review, "child": review.child},
            url=_reviews_url(review.child),
            child=review.child,
        )
    )


def agreed_by_silence(step: ReviewStep, *, send_after: dt.datetime | None = None) -> None:
    review = step.review
    people = {
        p.pk: p
        for p in (step.assignee, review.chair)
        if p is not None and _may_see(p, review.child)
    }
    notify(
        *(
            Message(
                person,
                Kind.AGREED_BY_SILENCE,
                f"agreed_by_silence:step:{step.pk}:{person.pk}",
                {"step": step, "review": review, "child": review.child},
                url=_reviews_url(review.child),
                child=review.child,
                send_after=send_after,
            )
            for person in people.values()
        )
    )


def significant_change(change: SignificantChange, *, reviewer: Reviewer | None = None) -> None:
    """Sent at once to the child's IRO or CP Chair; when none is allocated, to the reviewing
    service manager for the child's type, who decides or allocates (seed 000 §6)."""
    reviewer = reviewer or reviewer_for(change.child)
    notify(
        *(
            Message(
                person,
                Kind.SIGNIFICANT_CHANGE,
                f"significant_change:{change.pk}:{person.pk}",
                {"change": change, "child": change.child, "reviewer": reviewer},
                url=reverse("cases:change_decide", args=[change.pk]),
                child=change.child,
            )
            for person in reviewer.people
        )
    )


def early_review_decision(change: SignificantChange) -> None:
    """The person who told the reviewing officer hears what they decided."""
    if change.recorded_by_id == change.decided_by_id:
        return
    notify(
        Message(
            change.recorded_by,
            Kind.EARLY_REVIEW_DECISION,
            f"early_review_decision:{change.pk}",
            {"change": change, "child": change.child},
            url=_reviews_url(change.child),
            child=change.child,
        )
    )
