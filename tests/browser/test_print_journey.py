"""The team manager prints their task (issue 19, as Liquidlogic forms have a print): the page in
print media keeps the council's name and the child's details, and leaves out the navigation,
the header's links, the footer, the buttons and the response form.

Screenshots: docs/screenshots/print-task/.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.journey import Journey, install_protocols, raise_concern

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.journey]

TITLE = "Permanence plan not agreed"


def test_the_manager_prints_their_task_with_the_council_name_and_no_navigation(
    page, live_server, page_checks, child, iro, team_manager
):
    install_protocols()
    task = raise_concern(iro, [child], delegate_to=team_manager, title=TITLE)
    journey = Journey(page, live_server.url, "print-task", page_checks)
    journey.sign_in(team_manager)
    journey.goto(f"/tasks/{task.pk}/")
    expect(journey.h1()).to_have_text(TITLE)
    print_button = page.get_by_role("button", name="Print this page")
    expect(print_button).to_be_visible()  # its script shows it
    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation).to_be_visible()
    journey.check("task-on-screen")

    page.emulate_media(media="print")
    expect(page.locator(".app-header__authority")).to_have_text(settings.AUTHORITY_NAME)
    expect(page.locator(".app-header__authority")).to_be_visible()
    expect(journey.h1()).to_be_visible()
    expect(page.get_by_text("Amara Okafor").first).to_be_visible()
    footer, form = page.locator(".govuk-footer"), page.locator("main form")
    for hidden in (navigation, print_button, footer, form):
        expect(hidden.first).to_be_hidden()
    journey.screenshot("task-printed")
    pdf = page.pdf(format="A4")  # what the browser's print gives: the page in print media
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
    expect(navigation).to_be_visible()
    assert journey.errors == []
