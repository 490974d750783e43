"""Downloads of the children lists (my children, reviews due): every row the list's current filters
find (not just the page), as CSV or Excel, on prp.exports.

Each takes the queryset the list's own selector built, so a download holds only what the list
shows. Children with restricted records are left out of every download, as files travel further
than pages: the lists say so beside the link.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from prp.exports import download, in_rows, stamp


def children(request, children: QuerySet, *, fmt: str) -> HttpResponse:
    today = timezone.localdate()

    def lines():
        for child in in_rows(children.exclude(restricted=True)):
            yield [
                child.full_name,
                child.reference,
                child.date_of_birth,
                child.get_status_display(),
                child.get_legal_status_display(),
                child.review_due_on,
                str(child.reviewing_officer or "Not allocated"),
                str(child.social_worker or "Not allocated"),
                str(child.team or "No team"),
            ]

    headers = [
        "Name",
        "Case reference",
        "Date of birth",
        "Status",
        "Legal status",
        "Next review",
        "IRO or CP Chair",
        "Social worker",
        "Team",
    ]
    return download(
        request,
        headers,
        lines(),
        filename=f"children-{stamp(today)}",
        fmt=fmt,
        title="Children",
    )


def reviews_due(request, children: QuerySet, *, fmt: str) -> HttpResponse:
    today = timezone.localdate()

    def lines():
        for child in in_rows(children.exclude(restricted=True)):
            late = (today - child.review_due_on).days
            yield [
                child.full_name,
                child.reference,
                child.review_due_on,
                late if late > 0 else None,
                child.review_due_reason,
                str(child.reviewing_officer or "Not allocated"),
                str(child.social_worker or "Not allocated"),
                str(child.team or "No team"),
            ]

    headers = [
        "Child",
        "Case reference",
        "Review due",
        "Days overdue",
        "Why",
        "IRO or CP Chair",
        "Social worker",
        "Team",
    ]
    return download(
        request,
        headers,
        lines(),
        filename=f"reviews-due-{stamp(today)}",
        fmt=fmt,
        title="Reviews due",
    )
