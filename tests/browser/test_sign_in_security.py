"""In a real browser: the timeout warning dialog, and pages running under the
Content-Security-Policy without a single violation (Chart.js included)."""

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import Page, expect

from prp.models import RoleCode
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Recorded before any page script runs (Playwright's init scripts are not subject to the
# policy), so every violation on the page is caught.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def short_session(settings):
    # One minute, warned after 3 seconds: long enough to watch, short enough to wait for.
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 1
    settings.SESSION_TIMEOUT_WARNING_SECONDS = 57


def sign_in(page: Page, base_url: str, user) -> None:
    page.goto(base_url + "/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile("^Home – "))


def test_the_warning_opens_takes_focus_and_escape_keeps_the_session(
    page, live_server, short_session
):
    person = UserFactory(roles=[RoleCode.IRO])
    sign_in(page, live_server.url, person)
    dialog = page.locator("#app-timeout-warning")
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog).to_be_focused()
    expect(dialog.get_by_role("heading")).to_have_text("You’re about to be signed out")
    expect(page.locator("[data-timeout-countdown]")).to_have_text(re.compile(r"^\d+ seconds$"))
    expect(page.locator("[data-timeout-countdown-live]")).to_have_text(
        re.compile(r"^For your security, we will sign you out in \d+ seconds\.$")
    )
    # A modal dialog: the rest of the page cannot be reached while it is open.
    assert page.evaluate("document.querySelector('#app-timeout-warning').matches(':modal')")

    with page.expect_response(re.compile(r"/session/keep-alive/$")) as answer:
        page.keyboard.press("Escape")
    assert answer.value.json()["seconds_left"] == 60
    expect(dialog).to_be_hidden()


def test_stay_signed_in_and_sign_out_buttons(page, live_server, short_session):
    person = UserFactory(roles=[RoleCode.IRO])
    sign_in(page, live_server.url, person)
    dialog = page.locator("#app-timeout-warning")
    expect(dialog).to_be_visible(timeout=10_000)
    with page.expect_response(re.compile(r"/session/keep-alive/$")):
        dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()

    expect(dialog).to_be_visible(timeout=10_000)
    dialog.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title(re.compile("^Sign in – "))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have been signed out.")


def test_when_the_time_is_up_the_page_signs_out_and_says_why(page, live_server, short_session):
    person = UserFactory(roles=[RoleCode.IRO])
    page.clock.install()
    sign_in(page, live_server.url, person)
    page.goto(live_server.url + "/children/")
    expect(page.locator("#app-timeout-warning")).to_be_visible(timeout=10_000)
    # The server's clock and the page's both move past the timeout.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2), tick=True):
        page.clock.fast_forward("01:05")
        expect(page).to_have_title(re.compile("^Sign in – "), timeout=10_000)
        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "You were signed out because you had not done anything for 1 minute."
        )
        assert page.url.endswith("/sign-in/?next=/children/")


def test_pages_run_under_the_policy_without_violations(page, live_server):
    administrator = UserFactory(roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True)
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, live_server.url, administrator)
    for path in ("/", "/dashboard/", "/account/two-factor/set-up/", "/admin/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__cspViolations") == [], path
        if path == "/dashboard/":
            # Chart.js drew the charts: their wrappers are shown only once drawn.
            charts = page.locator("[data-dashboard-chart]")
            assert charts.count() > 0
            expect(charts.first).to_be_visible()
            assert page.locator("[data-dashboard-chart] canvas").first.evaluate(
                "canvas => canvas.width > 0"
            )
        if path == "/account/two-factor/set-up/":
            expect(page.locator("svg.app-qr-code")).to_be_visible()
