"""The core journey in a real browser: an IRO raises a formal concern, the team manager answers
it, and the IRO records that it is resolved.

Everything goes through the pages (sign-in included) of Django's live server, in headless
Chromium. The journey's screenshots are saved under docs/screenshots/raise-respond-outcome/.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalations.models import Concern, ConcernState, Outcome, Task, TaskState
from prp import workdays
from tests.browser.journey import Journey, install_protocols, long_date

TITLE = "Permanence plan not agreed"
RESPONSE = "I will hold a permanence planning meeting with the social worker this week."

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.journey]


@pytest.fixture
def journey(page, live_server, page_checks):
    return Journey(page, live_server.url, "raise-respond-outcome", page_checks)


def test_raise_respond_and_resolve(journey, child, iro, team_manager):
    install_protocols()
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
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before raising the concern"
    )
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
    # The action agreed earlier is still open: the IRO monitors it (issue 14 rule 5).
    expect(heading.locator(".govuk-tag")).to_have_text("Resolved – 1 action being monitored")
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
