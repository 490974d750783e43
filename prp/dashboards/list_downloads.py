"""Downloads of the lists people work from: every row the list's current filters find (not just
the page), as CSV or Excel.

Each takes the queryset the list's own selector built, so a download holds only what the list
shows. Rows are read in chunks with the selector's select_related and prefetches (a fixed
number of queries per chunk, never one per row). Children with restricted records are left out
of every download, as files travel further than pages: the lists say so beside the link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpResponse
from django.utils import timezone

from escalations.models import LIVE_STATES, Concern, ConcernState, Task
from qapr.models import Qapr, QaprState

from .exports import download

CHUNK = 2000


def chunks(queryset: QuerySet, size: int = CHUNK) -> Iterator[list]:
    """The queryset's rows in lists of `size`, its prefetches done once per list."""
    batch = []
    for item in queryset.iterator(chunk_size=size):
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _stamp(today: dt.date) -> str:
    return today.isoformat()


# Concerns: the concern list and the weekly clinic -----------------------------------------------

CONCERN_HEADERS = [
    "Concern",
    "Title",
    "Children",
    "Stage",
    "Raised by",
    "Opened",
    "Response due",
    "With",
    "Categories",
    "Closed",
]


def _stage_text(concern: Concern) -> str:
    if concern.state in (ConcernState.INFORMAL, ConcernState.FORMAL) and concern.current_stage:
        return concern.current_stage.protocol_stage.label
    if concern.state == ConcernState.REFERRED:
        return "Referred to CAFCASS"
    return concern.get_state_display()


def _with_text(row) -> str:
    """Who has the next move, as the list's "With" column says it."""
    concern = row.concern
    if row.task:
        return str(row.task.assignee)
    if concern.is_draft:
        return f"{concern.raised_by} (draft)"
    if concern.state in LIVE_STATES:
        return f"{concern.raised_by} (to record the outcome)"
    return "No one (closed)"


def _concern_line(row) -> list:
    concern = row.concern
    return [
        concern.reference,
        concern.title,
        ", ".join(child.full_name for child in row.children),
        _stage_text(concern),
        str(concern.raised_by),
        concern.opened_on,
        row.due_on,
        _with_text(row),
        ", ".join(row.categories),
        concern.closed_on,
    ]


def concerns(request, concerns: QuerySet[Concern], *, fmt: str) -> HttpResponse:
    """The concern list as filtered: its selector's queryset, every page of it."""
    from escalations.views.lists import concern_rows

    today = timezone.localdate()
    wanted = concerns.filter(about_restricted_child=False)

    def lines():
        for batch in chunks(wanted):
            for row in concern_rows(batch, today):
                yield _concern_line(row)

    return download(
        request,
        CONCERN_HEADERS,
        lines(),
        filename=f"concerns-{_stamp(today)}",
        fmt=fmt,
        title="Concerns",
    )


def weekly_clinic(request, groups: Iterable[tuple[str, list]], *, fmt: str) -> HttpResponse:
    """The weekly clinic's concerns (already worked out for the page), grouped by stage."""
    today = timezone.localdate()
    lines = [
        [label, *_concern_line(row)]
        for label, rows in groups
        for row in rows
        if not any(child.restricted for child in row.children)
    ]
    return download(
        request,
        ["Group", *CONCERN_HEADERS],
        lines,
        filename=f"weekly-clinic-{_stamp(today)}",
        fmt=fmt,
        title="Weekly clinic",
    )


# My tasks ---------------------------------------------------------------------------------------


def tasks(request, tasks: QuerySet[Task], *, fmt: str) -> HttpResponse:
    today = timezone.localdate()
    wanted = tasks.filter(stage__concern__about_restricted_child=False)

    def lines():
        for batch in chunks(wanted):
            for task in batch:
                concern = task.stage.concern
                yield [
                    concern.reference,
                    concern.title,
                    ", ".join(link.child.full_name for link in concern.concern_children.all()),
                    task.stage.protocol_stage.label,
                    str(task.delegated_by),
                    timezone.localtime(task.delegated_at).date(),
                    task.due_on,
                    "Overdue" if task.is_overdue else task.get_state_display(),
                    task.working_days_overdue or None,
                ]

    headers = [
        "Concern",
        "Title",
        "Child or children",
        "Stage",
        "Delegated by",
        "Delegated on",
        "Response due",
        "Status",
        "Working days overdue",
    ]
    return download(
        request,
        headers,
        lines(),
        filename=f"my-tasks-{_stamp(today)}",
        fmt=fmt,
        title="My tasks",
    )


# Children: my children, reviews due, QAPRs due ---------------------------------------------------


def _in_rows(queryset: QuerySet) -> Iterator:
    for batch in chunks(queryset):
        yield from batch


def children(request, children: QuerySet, *, fmt: str) -> HttpResponse:
    today = timezone.localdate()

    def lines():
        for child in _in_rows(children.exclude(restricted=True)):
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
        filename=f"children-{_stamp(today)}",
        fmt=fmt,
        title="Children",
    )


def reviews_due(request, children: QuerySet, *, fmt: str) -> HttpResponse:
    today = timezone.localdate()

    def lines():
        for child in _in_rows(children.exclude(restricted=True)):
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
        filename=f"reviews-due-{_stamp(today)}",
        fmt=fmt,
        title="Reviews due",
    )


def qaprs_due(request, children: QuerySet, *, fmt: str) -> HttpResponse:
    today = timezone.localdate()
    draft = Qapr.objects.filter(child_id=OuterRef("pk"), state=QaprState.DRAFT)
    wanted = children.exclude(restricted=True).annotate(has_draft=Exists(draft))

    def lines():
        for child in _in_rows(wanted):
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
        filename=f"qaprs-due-{_stamp(today)}",
        fmt=fmt,
        title="QAPRs due",
    )


def recommendations(request, recommendations: QuerySet, *, fmt: str) -> HttpResponse:
    today = timezone.localdate()

    def lines():
        for item in _in_rows(recommendations.exclude(qapr__child__restricted=True)):
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
        filename=f"qapr-recommendations-{_stamp(today)}",
        fmt=fmt,
        title="QAPR recommendations",
    )
