"""Downloads of the QAPR lists (QAPRs due, recommendations): every row the list's current filters
find (not just the page), as CSV or Excel, on prp.exports.

Each takes the queryset the list's own selector built, so a download holds only what the list
shows. Children with restricted records are left out of every download, as files travel further
than pages: the lists say so beside the link.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpResponse
from django.utils import timezone

from prp.exports import download, in_rows, stamp

from .models import Qapr, QaprState


def qaprs_due(request, children: QuerySet, *, fmt: str) -> HttpResponse:
    today = timezone.localdate()
    draft = Qapr.objects.filter(child_id=OuterRef("pk"), state=QaprState.DRAFT)
    wanted = children.exclude(restricted=True).annotate(has_draft=Exists(draft))

    def lines():
        for child in in_rows(wanted):
            late = (today - child.qapr_due_on).days
            yield [
                child.full_name,
                child.reference,
                child.get_status_display(),
                str(child.reviewing_officer or "Not allocated"),
                child.qapr_due_on,
                late if late > 0 else None,
                "Yes" if child.has_draft else "No",
            ]

    headers = [
        "Child",
        "Case reference",
        "Status",
        "IRO or CP Chair",
        "QAPR due by",
        "Days overdue",
        "Draft started",
    ]
    return download(
        request,
        headers,
        lines(),
        filename=f"qaprs-due-{stamp(today)}",
        fmt=fmt,
        title="QAPRs due",
    )


def recommendations(request, recommendations: QuerySet, *, fmt: str) -> HttpResponse:
    today = timezone.localdate()

    def lines():
        for item in in_rows(recommendations.exclude(qapr__child__restricted=True)):
            yield [
                item.qapr.child.full_name,
                item.qapr.reference,
                item.text,
                str(item.owner),
                item.due_on,
                "Yes" if item.is_overdue_on(today) else "No",
            ]

    headers = ["Child", "QAPR", "Recommendation", "Who", "Due", "Overdue"]
    return download(
        request,
        headers,
        lines(),
        filename=f"qapr-recommendations-{stamp(today)}",
        fmt=fmt,
        title="QAPR recommendations",
    )
