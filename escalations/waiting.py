"""The home page's counts of tasks and concerns waiting for someone (see prp.waiting).

Each count is the length of the list its link opens: the same selector, with the same filters.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode

from prp.models import OPERATIONAL_ROLES, RAISER_ROLES, User
from prp.waiting import Waiting

from . import selectors

OUTCOME_FILTERS = {"scope": "mine", "state": "open", "awaiting": "outcome"}


def tasks_url(due: str) -> str:
    return f"{reverse('escalations:task_inbox')}?{urlencode({'due': due})}"


def outcomes_url() -> str:
    return f"{reverse('escalations:concern_list')}?{urlencode(OUTCOME_FILTERS)}"


def waiting(user: User) -> list[Waiting]:
    found = []
    if user.role_codes & OPERATIONAL_ROLES:
        week = selectors.task_inbox(user, due="week").count()
        overdue = selectors.task_inbox(user, due="overdue").count()
        found.append(Waiting(10, "Tasks due this week", week, tasks_url("week")))
        found.append(Waiting(20, "Overdue tasks", overdue, tasks_url("overdue")))
    if user.role_codes & RAISER_ROLES:
        outcomes = selectors.concern_list(
            user, scope="mine", state="open", awaiting_outcome=True
        ).count()
        found.append(Waiting(30, "Concerns waiting for your outcome", outcomes, outcomes_url()))
    return found
