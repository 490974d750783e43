"""A concern as the lists show it (the concern list, the weekly clinic, their downloads): its
children, categories, the task waiting for a response, when it is due and how long it has been
open, worked out from what the list's selector prefetched (no query per row)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cases.models import Child
from prp import workdays

from .models import LIVE_STATES, Concern, Task


@dataclass(frozen=True)
class ConcernRow:
    """One concern as a list shows it, worked out from what the selector prefetched."""

    concern: Concern
    children: list[Child]
    categories: list[str]
    task: Task | None  # the task at the current stage waiting for a response, if any
    due_on: dt.date | None
    working_days_open: int | None


def concern_rows(concerns, today: dt.date | None = None) -> list[ConcernRow]:
    today = today or timezone.localdate()
    rows = []
    for concern in concerns:
        stage = concern.current_stage
        live = concern.state in LIVE_STATES
        tasks = getattr(stage, "live_tasks", []) if stage is not None and live else []
        task = tasks[0] if tasks else None
        due_on = task.due_on if task else (stage.due_on if live and stage.is_open else None)
        days_open = None
        if concern.opened_on:
            end = concern.closed_on or today
            days_open = workdays.working_days_between(concern.opened_on, end)
        categories = list(dict.fromkeys(sub.category.name for sub in concern.sub_concerns.all()))
        rows.append(
            ConcernRow(
                concern=concern,
                children=[link.child for link in concern.concern_children.all()],
                categories=categories,
                task=task,
                due_on=due_on,
                working_days_open=days_open,
            )
        )
    return rows
