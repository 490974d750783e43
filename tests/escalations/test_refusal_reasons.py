"""Issue 19: when the record's state is why something is refused, the page says that, not
"Your account does not allow this"."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from escalations import services
from escalations.models import Outcome, TaskState
from prp.refusals import StateRefused
from tests.builders import fresh, outcome_recorded, raised_task, responded_task

FRIDAY = dt.datetime(2023, 12, 8, 10, 4)
ACCOUNT = "Your account does not allow this action"


@pytest.fixture
def task(gloucestershire, iro, team_manager, child):
    with time_machine.travel(FRIDAY, tick=False):
        yield raised_task(iro, [child], delegate_to=team_manager)


def test_adding_to_a_closed_concern_says_it_is_closed(client, task, iro):
    concern = task.stage.concern
    responded_task(task)
    outcome_recorded(concern, iro, Outcome.RESOLVED)
    with pytest.raises(StateRefused, match="closed on 8 December 2023"):
        services.discussion_add(
            concern=fresh(concern),
            by=iro,
            held_on=dt.date(2023, 12, 8),
            held_with="Sam Worker",
            summary="Too late",
        )
    client.force_login(iro)
    url = reverse("escalations:discussion_add", args=[concern.pk])
    response = client.post(url, {"summary": "Typed after it closed"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "This concern was closed on 8 December 2023" in page
    assert ACCOUNT not in page


def test_answering_a_task_already_answered_says_so(client, task, team_manager):
    responded_task(task)
    client.force_login(team_manager)
    response = client.post(
        reverse("escalations:task_detail", args=[task.pk]),
        {"response": "A second answer", "lock_version": fresh(task).lock_version, "send": "Send"},
    )
    page = response.content.decode()
    assert response.status_code == 403
    assert "This task was already answered on 8 December 2023" in page
    assert ACCOUNT not in page
    assert fresh(task).state == TaskState.RESPONDED
    assert fresh(task).response == "Agreed"


def test_someone_else_still_hears_about_their_account(client, task, iro):
    client.force_login(iro)
    response = client.post(
        reverse("escalations:task_detail", args=[task.pk]),
        {"response": "Not mine to answer", "lock_version": task.lock_version},
    )
    assert response.status_code == 403
    assert ACCOUNT in response.content.decode()
