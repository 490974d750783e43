"""In a real browser: what the manager typed survives the end of their session (issue 13 §8).

Type a response, lose the session (signed out in another tab; or the session cookie gone, as at
the 8-hour limit), press "Send response", sign in again: the text is back, with a banner saying
it was not sent, and nothing is sent until the button is pressed. Screenshots:
docs/screenshots/kept-form/.
"""

import re

import pytest
from playwright.sync_api import expect

from escalations.models import Task, TaskState
from tests.browser.journey import Journey, install_protocols, raise_concern
from tests.factories import DEFAULT_PASSWORD

RESPONSE = "I will hold a permanence planning meeting with the social worker this week."
ACTIONS = "Book the meeting by Friday."

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.journey]


@pytest.fixture
def task(child, iro, team_manager) -> Task:
    install_protocols()
    return raise_concern(iro, [child], delegate_to=team_manager, title="Permanence plan not agreed")


def _type_the_response(journey: Journey, task: Task) -> None:
    journey.goto(f"/tasks/{task.pk}/")
    journey.page.get_by_label("Your response", exact=True).fill(RESPONSE)
    journey.page.get_by_label("Actions you agree to take (optional)").fill(ACTIONS)


def _signed_out_then_back(journey: Journey, task: Task, team_manager) -> None:
    page = journey.page
    page.get_by_role("button", name="Send response").click()
    expect(page).to_have_title(re.compile("^Sign in – "))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You were signed out. What you typed has been kept."
    )
    journey.check("sign-in-says-kept")
    assert Task.objects.get(pk=task.pk).state == TaskState.ACTIVE

    page.get_by_label("Email address").fill(team_manager.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("This form has not been sent.")).to_be_visible()
    expect(page.get_by_label("Your response", exact=True)).to_have_value(RESPONSE)
    expect(page.get_by_label("Actions you agree to take (optional)")).to_have_value(ACTIONS)
    assert page.url.endswith(f"/tasks/{task.pk}/")
    journey.check("typed-text-restored")
    assert Task.objects.get(pk=task.pk).state == TaskState.ACTIVE  # nothing sent for them

    page.get_by_role("button", name="Send response").click()
    journey.banner("Response sent to")
    sent = Task.objects.get(pk=task.pk)
    assert sent.state == TaskState.RESPONDED
    assert sent.response == RESPONSE


def test_signed_out_in_another_tab_the_typed_response_comes_back(
    page, live_server, page_checks, task, team_manager
):
    journey = Journey(page, live_server.url, "kept-form", page_checks)
    journey.sign_in(team_manager)
    _type_the_response(journey, task)
    journey.check("typed")

    other_tab = page.context.new_page()
    other_tab.goto(live_server.url + "/")
    other_tab.get_by_role("button", name="Sign out").click()
    expect(other_tab).to_have_title(re.compile("^Sign in – "))
    other_tab.close()

    _signed_out_then_back(journey, task, team_manager)


def test_the_session_cookie_gone_the_typed_response_comes_back(
    page, live_server, page_checks, task, team_manager
):
    journey = Journey(page, live_server.url, "kept-form-session-ended", page_checks)
    journey.sign_in(team_manager)
    _type_the_response(journey, task)
    # The browser drops the session cookie when it runs out (SESSION_COOKIE_AGE, 8 hours).
    page.context.clear_cookies(name="sessionid")
    _signed_out_then_back(journey, task, team_manager)
