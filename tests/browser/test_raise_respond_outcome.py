"""The core journey in a real browser: an IRO raises a formal concern, the team manager answers
it, and the IRO records that it is resolved.

Everything goes through the pages (sign-in included) of Django's live server, in headless
Chromium. The journey's screenshots are saved under docs/screenshots/raise-respond-outcome/.
"""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from escalations.models import Concern, ConcernState, Outcome, Task, TaskState
from prp import workdays
from prp.presets import install_presets
from tests.factories import DEFAULT_PASSWORD

JOURNEY = "raise-respond-outcome"
TITLE = "Permanence plan not agreed"
RESPONSE = "I will hold a permanence planning meeting with the social worker this week."

# Not an error page, and no markup leaking into the title from a misplaced block.
PAGE_TITLE = re.compile(rf"^(?!Error: )[^<>\n]+ – {re.escape(settings.SERVICE_NAME)}$")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.journey]


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


class Journey:
    """The page, with the checks every step makes and the numbered screenshots."""

    def __init__(self, page: Page, base_url: str, screenshot, page_checks):
        self.page = page
        self.page_checks = page_checks
        self.base_url = base_url
        self._screenshot = screenshot
        self.number = 0
        self.errors: list[str] = []
        page.on("response", self._on_response)

    def _on_response(self, response) -> None:
        # Every document, and every file the pages load from the service (styles, scripts,
        # images), must load without an HTTP error.
        same_site = response.url.startswith(self.base_url)
        if response.status >= 400 and (response.request.resource_type == "document" or same_site):
            self.errors.append(f"{response.status} {response.request.method} {response.url}")

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def check(self, name: str | None = None) -> None:
        """The page loaded without an error, has one main heading and a plain-text title
        ("<page> - <service>", with the GOV.UK en dash), passes axe and goes to the Nu HTML
        checker; then the screenshot."""
        assert self.errors == []
        expect(self.page.locator("h1")).to_have_count(1)
        expect(self.page).to_have_title(PAGE_TITLE)
        self.page_checks.check(self.page)
        if name is not None:
            # No focus ring from the last click in the documentation's pictures.
            self.page.evaluate("document.activeElement && document.activeElement.blur()")
            self.number += 1
            self._screenshot(JOURNEY, f"{self.number:02d}-{name}")

    def banner(self, text: str) -> None:
        expect(self.page.locator(".govuk-notification-banner--success")).to_contain_text(text)

    def sign_in(self, user, name: str) -> None:
        self.goto("/sign-in/")
        expect(self.page).to_have_title(re.compile("^Sign in – "))
        self.page.get_by_label("Email address").fill(user.email)
        self.page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        self.check(name)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_text(f"Signed in as {user.full_name}")).to_be_visible()
        self.check()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        expect(self.page).to_have_title(re.compile("^Sign in – "))
        self.banner("You have been signed out.")
        self.check()

    def fill_date(self, legend: str, day: dt.date) -> None:
        group = self.page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))


@pytest.fixture
def journey(page, live_server, screenshot, page_checks):
    return Journey(page, live_server.url, screenshot, page_checks)


def test_raise_respond_and_resolve(journey, child, iro, team_manager):
    # Transactional tests empty the database, the migrated protocols with it.
    install_presets(active="gloucestershire")
    workdays.invalidate()
    page = journey.page
    today = timezone.localdate()
    due = long_date(workdays.add_working_days(today, 5))

    # 1. The IRO signs in and starts a draft from the child's page -----------------------------
    journey.sign_in(iro, "iro-sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ira")
    page.get_by_role("link", name="My children").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My children")
    journey.check("my-children")
    page.get_by_role("link", name="Amara Okafor").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amara Okafor")
    journey.check("child")
    page.get_by_role("link", name="Raise a concern").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Raise a concern about Amara Okafor")
    page.get_by_label("Amara Okafor").check()
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Formal stage 1", exact=True).check()
    journey.check("start")
    page.get_by_role("button", name="Save and continue").click()

    # 2. The task list: a concern, an agreed action, then delegate and raise --------------------
    journey.banner("Draft started")
    expect(page.get_by_role("heading", level=1)).to_have_text("Raise a concern about Amara Okafor")
    expect(page.locator("#task-concerns-status")).to_have_text("Incomplete")
    expect(page.get_by_text("Cannot start yet")).to_be_visible()
    journey.check("task-list")
    concern = Concern.objects.get()
    assert concern.state == ConcernState.DRAFT

    page.get_by_role("link", name="The concerns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a concern")
    page.get_by_label("Drift and delay").check()
    page.get_by_label("What is the concern?").fill("There is still no permanence plan.")
    page.get_by_label("What is the impact on the child?").fill(
        "Amara does not know where she will grow up."
    )
    page.get_by_label("What are the child's views? (optional)").fill(
        "She wants to stay with her foster carers."
    )
    journey.check("add-concern")
    page.get_by_role("button", name="Add this concern").click()
    journey.banner("Concern added.")
    expect(page.locator("#task-concerns-status")).to_have_text("Completed")
    journey.check()

    action_due = today + dt.timedelta(days=14)
    page.get_by_role("link", name="Agreed actions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an agreed action")
    page.get_by_label("What will be done?").fill("Hold a permanence planning meeting")
    page.get_by_label("Who will do it?").select_option(label="Tom Manager")
    journey.fill_date("By when?", action_due)
    journey.check("add-action")
    page.get_by_role("button", name="Save action").click()
    journey.banner("Action added.")
    expect(page.locator("#task-actions-status")).to_have_text("Completed")
    action = page.get_by_role("cell", name="Hold a permanence planning meeting", exact=True)
    expect(action).to_be_visible()
    journey.check("task-list-complete")

    page.get_by_role("link", name="Delegate and raise").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delegate and raise")
    delegate = page.get_by_label("Who do you want to delegate it to?")
    expect(delegate).to_have_value(str(team_manager.pk))
    expect(page.locator(".govuk-summary-list")).to_contain_text(due)
    journey.check("delegate-and-raise")
    page.get_by_role("button", name="Raise the concern").click()

    journey.banner(f"Concern raised and delegated to Tom Manager. Response due {due}.")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(TITLE)
    expect(heading).to_contain_text("Formal")
    expect(page.get_by_text("Tom Manager, for a response")).to_be_visible()
    journey.check("raised")
    concern = Concern.objects.get(pk=concern.pk)
    assert concern.state == ConcernState.FORMAL
    task = Task.objects.get()
    assert (task.assignee_id, task.state) == (team_manager.pk, TaskState.ACTIVE)
    journey.sign_out()

    # 3. The team manager finds the task, saves a draft, then sends the response ---------------
    journey.sign_in(team_manager, "manager-sign-in")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My tasks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My tasks")
    row = page.get_by_role("row").filter(has_text=concern.reference)
    expect(row).to_contain_text("Amara Okafor")
    expect(row).to_contain_text("Formal stage 1")
    expect(row).to_contain_text("Ira Reviewer")
    expect(row).to_contain_text(due)
    journey.check("my-tasks")
    row.get_by_role("link", name=concern.reference).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("There is still no permanence plan.")).to_be_visible()
    response = page.get_by_label("Your response", exact=True)
    response.fill(RESPONSE)
    journey.check("task")
    page.get_by_role("button", name="Save draft").click()
    journey.banner("Draft saved. It has not been sent.")
    journey.check("draft-saved")
    page.reload()
    expect(page.get_by_label("Your response", exact=True)).to_have_value(RESPONSE)
    expect(page.get_by_text("It has not been sent.")).to_be_visible()
    journey.check()
    assert Task.objects.get(pk=task.pk).state == TaskState.ACTIVE

    page.get_by_role("button", name="Send response").click()
    journey.banner("Response sent to Ira Reviewer")
    expect(page.get_by_role("heading", level=1)).to_have_text("My tasks")
    expect(page.get_by_text("0 tasks waiting for your response")).to_be_visible()
    journey.check("response-sent")
    assert Task.objects.get(pk=task.pk).state == TaskState.RESPONDED
    journey.sign_out()

    # 4. The IRO reads the response and records that the concern is resolved -------------------
    journey.sign_in(iro, None)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Concerns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My concerns")
    journey.check("my-concerns")
    page.get_by_role("link", name=concern.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.get_by_text(RESPONSE)).to_be_visible()
    expect(page.get_by_text("Ira Reviewer, to record the outcome")).to_be_visible()
    journey.check("concern-with-response")

    page.get_by_role("link", name="Record the outcome").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record the outcome of Formal stage 1"
    )
    expect(page.get_by_text(RESPONSE)).to_be_visible()
    page.get_by_label("Resolved", exact=True).check()
    page.get_by_label("Your comments on the outcome").fill(
        "The team manager has agreed a date for the permanence planning meeting."
    )
    page.get_by_role("group", name="Was independent legal advice sought?").get_by_label(
        "No"
    ).check()
    page.get_by_role("group", name="Was a referral to CAFCASS considered?").get_by_label(
        "No"
    ).check()
    journey.check("record-outcome")
    page.get_by_role("button", name="Record the outcome").click()

    journey.banner("Concern resolved")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(TITLE)
    expect(heading.locator(".govuk-tag")).to_have_text("Resolved")
    expect(page.get_by_role("link", name="Record the outcome")).to_have_count(0)
    journey.check("resolved")
    concern = Concern.objects.get(pk=concern.pk)
    assert concern.state == ConcernState.RESOLVED
    stage = concern.stages.get()
    assert (stage.outcome, stage.legal_advice_sought, stage.cafcass_considered) == (
        Outcome.RESOLVED,
        False,
        False,
    )
    assert journey.errors == []
