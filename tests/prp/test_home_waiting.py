"""The home page's counts of what is waiting for each person: each is the length of the list
its link opens, and each person sees only the counts their roles do."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import time_machine
from django.urls import reverse

from tests.builders import raised_task, responded_task

FRIDAY = dt.datetime(2023, 12, 1, 10, 0)  # "this week" runs to Sunday 3 December
WAITING = re.compile(
    r'<a class="govuk-link govuk-!-font-weight-bold" href="([^"]+)">([^<]+)'
    r'<span class="govuk-visually-hidden">:</span> <strong[^>]*data-count="(\d+)"'
)


@pytest.fixture
def clock():
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


def waiting_on_home(client, person) -> dict[str, tuple[str, int]]:
    client.force_login(person)
    page = client.get(reverse("home")).content.decode()
    return {title: (html.unescape(url), int(n)) for url, title, n in WAITING.findall(page)}


def listed(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["page"].paginator.count


@pytest.fixture
def work(gloucestershire, iro, team_manager, child, clock):
    """Two overdue tasks, one due this week, one due next week; one concern waiting for the
    IRO's outcome; a QAPR and a review due."""
    clock.move_to(dt.datetime(2023, 11, 1, 10, 0))
    overdue = [raised_task(iro, [child], delegate_to=team_manager) for _ in range(2)]
    clock.move_to(FRIDAY)
    this_week = raised_task(iro, [child], delegate_to=team_manager, level=0, agreed=FRIDAY.date())
    next_week = raised_task(
        iro, [child], delegate_to=team_manager, level=0, agreed=dt.date(2023, 12, 4)
    )
    answered = raised_task(iro, [child], delegate_to=team_manager)
    responded_task(answered)
    type(child).objects.filter(pk=child.pk).update(
        qapr_due_on=dt.date(2023, 12, 8), review_due_on=dt.date(2024, 1, 10)
    )
    return {"overdue": overdue, "this_week": this_week, "next_week": next_week}


def test_the_manager_sees_their_tasks_counted_and_each_count_is_its_list(
    client, work, team_manager
):
    waiting = waiting_on_home(client, team_manager)
    assert set(waiting) == {"Tasks due this week", "Overdue tasks"}
    assert waiting["Tasks due this week"][1] == 1
    assert waiting["Overdue tasks"][1] == 2
    for url, count in waiting.values():
        assert listed(client, url) == count
    page = client.get(waiting["Tasks due this week"][0]).content.decode()
    assert work["this_week"].stage.concern.reference in page
    assert work["next_week"].stage.concern.reference not in page
    assert "waiting for your response: due this week" in page


def test_the_iro_sees_outcomes_qaprs_and_reviews_counted(client, work, iro):
    waiting = waiting_on_home(client, iro)
    assert list(waiting) == ["Concerns waiting for your outcome", "QAPRs due", "Reviews due"]
    assert [count for _, count in waiting.values()] == [1, 1, 1]
    for url, count in waiting.values():
        assert listed(client, url) == count
    page = client.get(waiting["Concerns waiting for your outcome"][0]).content.decode()
    assert "Waiting for your outcome" in page


def test_an_outcome_recorded_leaves_the_count(client, work, iro):
    from escalations.models import Concern, Outcome
    from tests.builders import outcome_recorded

    concern = Concern.objects.get(stages__tasks__state="responded")
    outcome_recorded(concern, iro, Outcome.RESOLVED)
    assert waiting_on_home(client, iro)["Concerns waiting for your outcome"][1] == 0


def test_a_social_worker_elsewhere_sees_their_own_zeros(client, work, unrelated_colleague):
    waiting = waiting_on_home(client, unrelated_colleague)
    assert list(waiting) == ["Tasks due this week", "Overdue tasks", "Reviews due"]
    assert [count for _, count in waiting.values()] == [0, 0, 0]


def test_someone_with_no_role_sees_no_counts(client, work, outsider):
    client.force_login(outsider)
    assert "Waiting for you" not in client.get(reverse("home")).content.decode()


def test_a_bad_due_filter_shows_every_waiting_task(client, work, team_manager):
    client.force_login(team_manager)
    response = client.get(reverse("escalations:task_inbox") + "?due=someday")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 4


@pytest.mark.parametrize("extra", [0, 5])
def test_the_home_page_queries_do_not_grow(
    client, work, iro, team_manager, child, extra, django_assert_max_num_queries
):
    for _ in range(extra):
        responded_task(raised_task(iro, [child], delegate_to=team_manager))
    for person in (team_manager, iro):
        client.force_login(person)
        with django_assert_max_num_queries(12):
            assert client.get(reverse("home")).status_code == 200
