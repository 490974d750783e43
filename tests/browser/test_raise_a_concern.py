"""An IRO finds a child, builds a formal concern through the GOV.UK task list (two concerns and an
agreed action), and delegates it: with scripts, and again in a browser with JavaScript off.

Screenshots: docs/screenshots/iro-raises-a-concern/ and docs/screenshots/no-javascript/.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalations.models import Concern, ConcernState, Task, TaskState
from prp import workdays
from tests.browser.journey import SUB_CONCERNS, Journey, install_protocols, long_date
from tests.builders import allocate
from tests.factories import ChildFactory

TITLE = "Permanence plan not agreed"
ACTION = "Hold a permanence planning meeting"
NOTE = "Please ring the foster carer before you reply"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.journey]


@pytest.fixture
def other_child(team, social_worker, iro):
    """A second child on the IRO's caseload, so the search has something to leave out."""
    return allocate(
        ChildFactory(first_name="Ben", last_name="Taylor"),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )


@pytest.fixture
def page_without_scripts(browser):
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def find_the_child(journey: Journey) -> None:
    page = journey.page
    journey.menu("Children")
    expect(journey.h1()).to_have_text("My children")
    expect(page.get_by_role("status")).to_have_text("2 children allocated to you")
    page.get_by_label("Search by name or case reference").fill("Okafor")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("1 child found for “Okafor” allocated to you")
    expect(page.get_by_role("link", name="Ben Taylor")).to_have_count(0)
    journey.check("search")
    page.get_by_role("link", name="Amara Okafor").click()
    expect(journey.h1()).to_contain_text("Amara Okafor")
    journey.check("child")


def add_sub_concern(
    journey: Journey, category: str, description: str, impact: str, *, empty_first: bool
) -> None:
    page = journey.page
    page.get_by_role("link", name="The concerns").click()
    expect(journey.h1()).to_have_text("Add a concern")
    if empty_first:
        # A submit with nothing filled in comes back with its errors, and says so in the title.
        page.get_by_role("button", name="Add this concern").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("Select the category of the concern")
        expect(summary).to_contain_text("Enter")
        journey.check("add-concern-errors", error=True)
    page.get_by_label(category).check()
    page.get_by_label("What is the concern?").fill(description)
    page.get_by_label("What is the impact on the child?").fill(impact)
    # Still the page that came back with errors until it is sent again.
    journey.check(f"add-concern-{category.lower().replace(' ', '-')}", error=empty_first)
    page.get_by_role("button", name="Add this concern").click()
    journey.banner("Concern added.")
    journey.check()


def raise_and_delegate(journey: Journey, team_manager) -> Concern:
    """From the child's page to a raised concern: the steps both journeys take."""
    page = journey.page
    today = timezone.localdate()
    due = long_date(workdays.add_working_days(today, 5))

    page.get_by_role("link", name="Raise a concern").click()
    expect(journey.h1()).to_have_text("Raise a concern about Amara Okafor")
    page.get_by_label("Amara Okafor").check()
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Formal stage 1", exact=True).check()
    journey.check("start")
    page.get_by_role("button", name="Save and continue").click()
    journey.banner("Draft started")
    expect(page.locator("#task-concerns-status")).to_have_text("Incomplete")
    expect(page.get_by_text("Cannot start yet")).to_be_visible()
    journey.check("task-list")

    for index, (category, description, impact) in enumerate(SUB_CONCERNS):
        add_sub_concern(journey, category, description, impact, empty_first=index == 0)
    expect(page.locator("#task-concerns-status")).to_have_text("Completed")
    expect(page.get_by_text("2 added.")).to_be_visible()

    page.get_by_role("link", name="Agreed actions").click()
    expect(journey.h1()).to_have_text("Add an agreed action")
    page.get_by_label("What will be done?").fill(ACTION)
    page.get_by_label("Who will do it?").select_option(label="Tom Manager")
    journey.fill_date("By when?", today + dt.timedelta(days=14))
    journey.check("add-action")
    page.get_by_role("button", name="Save action").click()
    journey.banner("Action added.")
    expect(page.locator("#task-actions-status")).to_have_text("Completed")
    journey.check("task-list-complete")

    page.get_by_role("link", name="Delegate and raise").click()
    expect(journey.h1()).to_have_text("Delegate and raise")
    delegate = page.get_by_label("Who do you want to delegate it to?")
    expect(delegate).to_have_value(str(team_manager.pk))
    expect(page.locator(".govuk-summary-list")).to_contain_text(due)
    journey.check("delegate-and-raise")
    page.get_by_role("button", name="Continue").click()

    # Check your answers (issue 19): nothing is raised yet. Change a field, come back, raise.
    expect(journey.h1()).to_have_text("Check your answers before raising the concern")
    answers = page.locator("#raise-answers")
    expect(answers).to_contain_text("Tom Manager")
    expect(answers).to_contain_text("None")  # no notes for the manager yet
    assert Concern.objects.get().is_draft
    journey.check("check-your-answers")
    page.get_by_role("link", name="Change notes for the manager").click()
    expect(journey.h1()).to_have_text("Delegate and raise")
    expect(page).to_have_url(re.compile(r"/raise/#id_note$"))
    expect(page.get_by_label("Who do you want to delegate it to?")).to_have_value(
        str(team_manager.pk)
    )
    page.get_by_label("Notes for the manager (optional)").fill(NOTE)
    page.get_by_role("button", name="Continue").click()
    expect(journey.h1()).to_have_text("Check your answers before raising the concern")
    expect(answers).to_contain_text(NOTE)
    journey.check("check-your-answers-changed")
    page.get_by_role("button", name="Raise the concern").click()

    journey.banner(f"Concern raised and delegated to Tom Manager. Response due {due}.")
    expect(journey.h1()).to_contain_text(TITLE)
    expect(page.get_by_text("Tom Manager, for a response")).to_be_visible()
    expect(page.get_by_text(due).first).to_be_visible()
    for _, description, _ in SUB_CONCERNS:
        expect(page.get_by_text(description)).to_be_visible()
    journey.check("raised")
    return Concern.objects.get()


def assert_stored(concern: Concern, team_manager) -> None:
    due = workdays.add_working_days(timezone.localdate(), 5)
    assert concern.state == ConcernState.FORMAL
    assert concern.title == TITLE
    assert sorted(concern.sub_concerns.values_list("category__name", flat=True)) == [
        "Drift and delay",
        "Process",
    ]
    assert list(concern.actions.values_list("description", "owner")) == [(ACTION, team_manager.pk)]
    task = Task.objects.get()
    assert (task.assignee_id, task.state, task.due_on) == (team_manager.pk, TaskState.ACTIVE, due)
    assert task.note == NOTE


def test_iro_finds_the_child_and_raises_a_concern(
    page, live_server, page_checks, child, other_child, iro, team_manager
):
    install_protocols()
    journey = Journey(page, live_server.url, "iro-raises-a-concern", page_checks)
    journey.sign_in(iro, "sign-in")
    # The scripts ran (the journey without them checks the opposite).
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    find_the_child(journey)
    concern = raise_and_delegate(journey, team_manager)
    assert_stored(concern, team_manager)
    assert journey.errors == []


def test_the_raise_journey_works_without_javascript(
    page_without_scripts, live_server, page_checks, child, other_child, iro, team_manager
):
    install_protocols()
    page = page_without_scripts
    # Watched from its first page, so the Nu checker gets the HTML each form's answer sent.
    page_checks.watch(page)
    # No script runs, so the focus cannot be cleared before a picture: nothing has focus anyway.
    journey = Journey(page, live_server.url, "no-javascript", page_checks, blur=False)
    journey.sign_in(iro, "sign-in")
    # GOV.UK Frontend's scripts never ran: the body has no js-enabled class.
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    expect(page.locator("body.govuk-frontend-supported")).to_have_count(0)
    find_the_child(journey)
    concern = raise_and_delegate(journey, team_manager)
    assert_stored(concern, team_manager)
    assert journey.errors == []
