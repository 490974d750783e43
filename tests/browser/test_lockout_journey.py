"""Signing in with the wrong password until the account locks (django-axes), in a real browser:
the error each time, the page that says what happens next, and the right password refused while
locked. The rules behind it (the count, the address, the cool-off) are in
tests/prp/test_lockout.py.

Screenshots: docs/screenshots/sign-in-lockout/, and docs/screenshots/sign-in-locks-admin/ for
the administrator unlocking a network locked for password spraying.
"""

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from playwright.sync_api import expect

from prp.models import RoleCode
from tests.browser.journey import Journey
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.journey]

WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def five_tries(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.SIGN_IN_LOCKOUT_MINUTES = 30
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=30)


def try_password(journey: Journey, email: str, password: str) -> None:
    page = journey.page
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_wrong_passwords_lock_the_account_and_the_page_says_what_happens_next(
    page, live_server, page_checks
):
    person = UserFactory(full_name="Ira Reviewer", roles=[RoleCode.IRO])
    journey = Journey(page, live_server.url, "sign-in-lockout", page_checks)
    journey.goto("/sign-in/")
    journey.check("sign-in")

    for attempt in range(1, 5):
        try_password(journey, person.email, WRONG)
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Enter a correct email address and password"
        )
        # The password is not put back into the form.
        expect(page.get_by_label("Password")).to_have_value("")
        expect(page.get_by_label("Email address")).to_have_value(person.email)
        journey.check("wrong-password" if attempt == 1 else None, error=True)

    with page.expect_response(re.compile(r"/sign-in/$")) as answer:
        try_password(journey, person.email, WRONG)
    assert answer.value.status == 429
    expect(journey.h1()).to_have_text("You cannot sign in at the moment")
    # 429 Too Many Requests is the answer by design: not an error this journey fails on.
    assert journey.errors == [f"429 POST {live_server.url}/sign-in/"]
    journey.errors.clear()
    expect(
        page.get_by_text("signing in with this email address is locked for 30 minutes")
    ).to_be_visible()
    expect(page.get_by_text("Wait 30 minutes, then")).to_be_visible()
    expect(page.get_by_text("Each try before then starts the 30 minutes again.")).to_be_visible()
    expect(page.get_by_text("They can also unlock your account.")).to_be_visible()
    journey.check("locked")
    assert AccessAttempt.objects.get(username=person.email).failures_since_start == 5

    # The link back to the sign-in page; the right password is refused while locked.
    page.get_by_role("link", name="try to sign in again").click()
    expect(journey.h1()).to_have_text("Sign in")
    with page.expect_response(re.compile(r"/sign-in/$")) as answer:
        try_password(journey, person.email, DEFAULT_PASSWORD)
    assert answer.value.status == 429
    expect(journey.h1()).to_have_text("You cannot sign in at the moment")
    # 429 Too Many Requests is the answer by design: not an error this journey fails on.
    assert journey.errors == [f"429 POST {live_server.url}/sign-in/"]
    journey.errors.clear()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    journey.check("right-password-refused")

    # Still signed out: the home page sends the person back to sign in.
    journey.goto("/")
    expect(page).to_have_title(re.compile("^Sign in – "))
    journey.check()
    assert journey.errors == []


SPRAYER = "203.0.113.7"
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_an_administrator_sees_a_network_locked_for_spraying_and_unlocks_it(
    page, live_server, settings, screenshot
):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 10
    sprayer = Client()
    for account in UserFactory.create_batch(10):
        sprayer.post(
            "/sign-in/", {"username": account.email, "password": "Winter2026!"}, REMOTE_ADDR=SPRAYER
        )
    administrator = UserFactory(
        full_name="Ada Admin", roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True
    )
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email address").fill(administrator.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile("^Home – "))

    page.goto(live_server.url + "/admin/axes/accessattempt/")
    locked = page.locator("#locked-addresses")
    expect(locked).to_contain_text(SPRAYER)
    expect(locked.locator("tbody tr")).to_have_count(1)
    expect(page.locator("#locked-accounts")).to_have_count(0)
    screenshot("sign-in-locks-admin", "01-locked-now")

    page.get_by_role("button", name=f"Unlock {SPRAYER}").click()
    expect(page.locator(".messagelist")).to_contain_text(
        f"Signing in as every email address from {SPRAYER} is unlocked."
    )
    expect(page.locator("#locked-addresses")).to_have_count(0)
    screenshot("sign-in-locks-admin", "02-unlocked")
    assert page.evaluate("window.__cspViolations") == []
    assert not AccessAttempt.objects.filter(ip_address=SPRAYER).exists()
