"""In a real browser, through axe and the Nu HTML checker: the pages that refuse (issue 13 §9).
A file whose content does not match its name (the error summary), a body too big for any upload
(the 413 page), and the admin for someone signed in without admin rights (the 403 page)."""

import re

import pytest
from playwright.sync_api import expect

from escalations import services
from prp import uploads
from tests.browser.journey import Journey, install_protocols

pytestmark = pytest.mark.django_db(transaction=True)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\x00" * 64


@pytest.fixture
def attach_url(child, iro) -> str:
    install_protocols()
    concern = services.concern_create_draft(
        raised_by=iro, children=[child], title="Plan drifting", start_level=1
    )
    return f"/concerns/{concern.pk}/attachments/add/"


def _choose(page, name: str, body: bytes) -> None:
    page.get_by_label("Upload a file").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": body}
    )
    page.get_by_role("button", name="Upload file").click()


def test_a_file_that_is_not_what_its_name_says_gets_the_error_summary(
    page, live_server, page_checks, attach_url, iro
):
    journey = Journey(page, live_server.url, "upload-refusals", page_checks)
    journey.sign_in(iro)
    journey.goto(attach_url)
    _choose(page, "care plan.pdf", PNG)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(
        "The selected file is not a PDF file: its contents do not match its name"
    )
    expect(summary).to_be_focused()
    journey.check("content-does-not-match", error=True)


def test_a_body_too_big_gets_the_gov_uk_413_page(page, live_server, page_checks, attach_url, iro):
    journey = Journey(page, live_server.url, "upload-refusals-too-big", page_checks)
    journey.sign_in(iro)
    journey.goto(attach_url)
    with page.expect_response(re.compile(r"/attachments/add/$")) as answer:
        _choose(page, "scan.pdf", b"%PDF-1.7\n" + b"0" * uploads.max_request_bytes())
    assert answer.value.status == 413
    expect(journey.h1()).to_have_text("The file is too big")
    journey.errors.clear()  # the 413 is the answer this test wants
    journey.check("too-big")


def test_the_admin_without_admin_rights_is_the_gov_uk_403(page, live_server, page_checks, iro):
    journey = Journey(page, live_server.url, "admin-refused", page_checks)
    journey.sign_in(iro)
    response = page.goto(live_server.url + "/admin/")
    assert response.status == 403
    expect(journey.h1()).to_have_text("You cannot do that")
    journey.errors.clear()
    journey.check("admin-403")
