"""An administrator uploads a children file, sees the preview with two errors, fixes the file,
checks it again, confirms, and sees the result. Every page through axe and vnu.

Screenshots: docs/screenshots/import-children/.
"""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Child
from prp.models import RoleCode
from tests.browser.journey import Journey
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.journey]

HEADER = "EXTERNAL_ID,FIRST_NAME,LAST_NAME,DATE_OF_BIRTH,CHILD_TYPE,LEGAL_STATUS,TEAM\n"
GOOD = "2001,Amara,Okafor,14/03/2015,child_in_care,C2,Children in Care North\n"


def test_administrator_imports_a_children_file_after_fixing_two_errors(
    page, live_server, page_checks, team, tmp_path
):
    administrator = UserFactory(
        full_name="Ada Admin", roles=[RoleCode.ADMINISTRATOR], is_staff=True
    )
    bad = tmp_path / "children.csv"
    bad.write_text(
        HEADER + GOOD + "2002,Leo,Smith,01/01/2099,child_in_care,C2,Children in Care North\n"
        "2003,Maya,Jones,02/02/2016,child_in_care,Q7,Children in Care North\n"
    )
    fixed = tmp_path / "children-fixed.csv"
    fixed.write_text(
        HEADER + GOOD + "2002,Leo,Smith,01/01/2014,child_in_care,C2,Children in Care North\n"
        "2003,Maya,Jones,02/02/2016,child_in_care,C1,Children in Care North\n"
    )
    journey = Journey(page, live_server.url, "import-children", page_checks)
    journey.sign_in(administrator)

    page.get_by_role("link", name="Import records").click()
    expect(journey.h1()).to_have_text("Import records")
    journey.check("import-page")

    page.get_by_label("Children", exact=True).check()
    page.get_by_label("Upload the file").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(journey.h1()).to_have_text("The file has errors")
    errors = page.locator("#errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text(
        re.compile(r"children\.csv\s+3\s+DATE_OF_BIRTH\s+01/01/2099")
    )
    expect(errors.nth(1)).to_contain_text(re.compile(r"4\s+LEGAL_STATUS\s+Q7"))
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)
    journey.check("two-errors", error=True)
    assert not Child.objects.exists()

    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("Children", exact=True).check()
    page.get_by_label("Upload the file").set_input_files(str(fixed))
    page.get_by_role("button", name="Check the file").click()
    expect(journey.h1()).to_have_text("Check the import")
    expect(page.locator(".govuk-summary-list")).to_contain_text(re.compile(r"To create\s*3"))
    journey.check("preview")
    assert not Child.objects.exists()

    page.get_by_role("button", name="Confirm import").click()
    journey.banner("Import done: 3 created, 0 updated, 0 unchanged.")
    expect(page.locator("table").last).to_contain_text("Imported: 3 created")
    journey.check("done")
    assert Child.objects.filter(team=team).count() == 3
