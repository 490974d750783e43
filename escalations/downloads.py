"""Downloads of the concern list, the weekly clinic and my tasks: every row the list's current
filters find (not just the page), as CSV or Excel, on prp.exports.

Each takes the queryset the list's own selector built, so a download holds only what the list
shows. Children with restricted records are left out of every download, as files travel further
than pages: the lists say so beside the link.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from prp.exports import chunks, download, stamp

from .models import LIVE_STATES, Concern, ConcernState, Task
from .rows import concern_rows

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
        filename=f"concerns-{stamp(today)}",
        fmt=fmt,
        title="Concerns",
    )


def weekly_clinic(request, concerns: QuerySet[Concern], *, fmt: str) -> HttpResponse:
    """The weekly clinic's concerns, every page of them, each with its heading (`clinic_group`,
    from the clinic's selector), in batches."""
    today = timezone.localdate()
    wanted = concerns.filter(about_restricted_child=False)

    def lines():
        for batch in chunks(wanted):
            for row in concern_rows(batch, today):
                yield [row.concern.clinic_group, *_concern_line(row)]

    return download(
        request,
        ["Group", *CONCERN_HEADERS],
        lines(),
        filename=f"weekly-clinic-{stamp(today)}",
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
        filename=f"my-tasks-{stamp(today)}",
        fmt=fmt,
        title="My tasks",
    )
