"""The home page says what is waiting for you, counted, and each count opens the list of exactly
those (issue 19): the team manager's tasks due this week and overdue, the IRO's concerns waiting
for their outcome, QAPRs due and reviews due.

Screenshots: docs/screenshots/home-counts/.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalations.models import Task
from tests.browser.journey import Journey, install_protocols, raise_concern, respond

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.journey]


def waiting_items(journey: Journey) -> dict[str, int]:
    """Each "Waiting for you" link's words and its count."""
    items = {}
    for link in journey.page.locator(".app-waiting a").all():
        count = int(link.locator("[data-count]").get_attribute("data-count"))
        items[link.inner_text().split(":")[0].strip()] = count
    return items


def follow_each_count(journey: Journey, name: str) -> dict[str, list[str]]:
    """Clicks every count in turn: the list it opens has exactly that many rows. Returns the
    rows' text for each count."""
    page = journey.page
    journey.goto("/")
    items = waiting_items(journey)
    assert items, "nothing is counted on the home page"
    journey.check(f"{name}-home")
    shown = {}
    for title, count in items.items():
        journey.goto("/")
        page.locator(".app-waiting a", has_text=title).click()
        rows = page.locator("main table tbody tr")
        expect(rows).to_have_count(count)
        journey.check()
        shown[title] = [row.inner_text() for row in rows.all()]
    return shown


def test_each_count_on_the_home_page_opens_exactly_those(
    page, live_server, page_checks, child, iro, team_manager
):
    install_protocols()
    today = timezone.localdate()
    due_this_week = raise_concern(iro, [child], delegate_to=team_manager, title="Due this week")
    overdue = raise_concern(iro, [child], delegate_to=team_manager, title="Overdue response")
    later = raise_concern(iro, [child], delegate_to=team_manager, title="Due next month")
    # Dates set on the tasks themselves: the week's end is Sunday, whatever day this runs.
    Task.objects.filter(pk=due_this_week.pk).update(due_on=today)
    Task.objects.filter(pk=overdue.pk).update(due_on=today - dt.timedelta(days=1))
    Task.objects.filter(pk=later.pk).update(due_on=today + dt.timedelta(days=40))
    answered = raise_concern(iro, [child], delegate_to=team_manager, title="Answered already")
    respond(answered, team_manager, "We have booked the meeting.")

    journey = Journey(page, live_server.url, "home-counts", page_checks)
    journey.sign_in(team_manager)
    counts = waiting_items(journey)
    assert counts["Tasks due this week"] == 1
    assert counts["Overdue tasks"] == 1
    shown = follow_each_count(journey, "manager")
    assert "Due this week" in shown["Tasks due this week"][0]
    assert "Overdue response" in shown["Overdue tasks"][0]
    journey.sign_out()

    journey.sign_in(iro)
    counts = waiting_items(journey)
    assert counts["Concerns waiting for your outcome"] == 1
    assert {"QAPRs due", "Reviews due"} <= set(counts)
    shown = follow_each_count(journey, "iro")
    assert "Answered already" in shown["Concerns waiting for your outcome"][0]
    assert journey.errors == []
