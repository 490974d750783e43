"""The reviewing service manager reads the dashboard, narrows it to one stage, follows a number
to the concerns behind it, and downloads that list as CSV and as Excel.

Screenshots: docs/screenshots/service-manager-dashboard/.
"""

import csv
import re

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from prp import workdays
from tests.browser.journey import Journey, install_protocols, raise_concern
from tests.builders import allocate
from tests.factories import ChildFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.journey]


@pytest.fixture
def two_concerns(child, iro, team_manager, team, social_worker):
    """One concern at Formal stage 1 (about Amara), one still informal (about Ben)."""
    install_protocols()
    ben = allocate(
        ChildFactory(first_name="Ben", last_name="Taylor"),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )
    formal = raise_concern(iro, [child], delegate_to=team_manager, title="Permanence plan drift")
    informal = raise_concern(
        iro,
        [ben],
        delegate_to=team_manager,
        title="Contact not arranged",
        level=0,
        agreed_due_on=workdays.add_working_days(timezone.localdate(), 5),
    )
    return formal.stage.concern, informal.stage.concern


def open_now(page):
    return page.get_by_role("link", name=re.compile(r"open now$"))


def test_service_manager_filters_follows_a_number_and_downloads_the_list(
    page, live_server, page_checks, two_concerns, service_manager
):
    formal, informal = two_concerns
    journey = Journey(page, live_server.url, "service-manager-dashboard", page_checks)
    journey.sign_in(service_manager, "sign-in")

    journey.menu("Dashboard")
    expect(journey.h1()).to_have_text("Dashboard")
    expect(page.get_by_text("The whole authority")).to_be_visible()
    expect(open_now(page)).to_have_text(re.compile(r"^2\s*:\s*open now$"))
    journey.check("dashboard")

    page.get_by_text("Filter the figures").click()
    page.get_by_label("Stage", exact=True).select_option(label="Formal stage 1")
    journey.check("filter")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"level=1"))
    expect(page.get_by_label("Stage", exact=True)).to_have_value("1")
    expect(open_now(page)).to_have_text(re.compile(r"^1\s*:\s*open now$"))
    journey.check("filtered")

    open_now(page).click()
    expect(journey.h1()).to_contain_text("concerns")
    expect(journey.row(formal.reference)).to_contain_text("Amara Okafor")
    expect(journey.row(informal.reference)).to_have_count(0)
    journey.check("the-list-behind-the-number")

    with page.expect_download() as waiting:
        page.get_by_role("link", name="CSV file of these concerns").click()
    download = waiting.value
    assert download.suggested_filename == f"concerns-{timezone.localdate().isoformat()}.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0][:4] == ["Concern", "Title", "Children", "Stage"]
    assert [row[:4] for row in rows[1:]] == [
        [formal.reference, "Permanence plan drift", "Amara Okafor", "Formal stage 1"]
    ]

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Excel file of these concerns").click()
    assert waiting.value.suggested_filename.endswith(".xlsx")
    with open(waiting.value.path(), "rb") as file:
        sheet = openpyxl.load_workbook(file, read_only=True).active
        cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0][:2] == ["Concern", "Title"]
    assert [row[:2] for row in cells[1:]] == [[formal.reference, "Permanence plan drift"]]
    # The page is still there after the downloads.
    journey.check("downloaded")
    assert journey.errors == []
