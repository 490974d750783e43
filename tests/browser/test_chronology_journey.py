"""A social worker opens a child's chronology, filters it to agency notes with staff shown by
role, and downloads it as a PDF for a court bundle (issue 20 part 1).

Screenshots: docs/screenshots/chronology/.
"""

import datetime as dt
import io

import pypdf
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.models import Review
from escalations.models import ExternalAgencyNote
from tests.browser.journey import Journey, install_protocols

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.journey]


def test_social_worker_filters_the_chronology_and_downloads_the_pdf(
    page, live_server, page_checks, child, iro, social_worker
):
    install_protocols()
    today = timezone.localdate()
    services.review_record(
        child=child, by=iro, kind=Review.Kind.CIC_REVIEW, held_on=today - dt.timedelta(days=30)
    )
    ExternalAgencyNote.objects.create(
        child=child,
        agency="Health",
        level="1",
        summary="Missed medical appointment",
        recorded_by=iro,
        recorded_on=today - dt.timedelta(days=20),
    )
    journey = Journey(page, live_server.url, "chronology", page_checks)
    journey.sign_in(social_worker)
    journey.goto(f"/children/{child.pk}/")
    page.get_by_role("link", name="Chronology").click()
    expect(journey.h1()).to_contain_text("Chronology")
    expect(journey.row("Missed medical appointment")).to_contain_text("Ira Reviewer")
    journey.check("chronology")

    page.get_by_label("External agency notes").check()
    page.get_by_label("Role (no names)").check()
    page.get_by_role("button", name="Filter").click()
    expect(journey.row("Missed medical appointment")).to_contain_text(
        "Independent Reviewing Officer"
    )
    expect(page.get_by_text("Ira Reviewer")).to_have_count(0)
    expect(journey.row("held")).to_have_count(0)
    journey.check("filtered-by-role")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download this chronology as a PDF").click()
    pdf = pypdf.PdfReader(io.BytesIO(download.value.path().read_bytes()))
    assert download.value.suggested_filename.endswith(".pdf")
    assert pdf.metadata.title == f"Chronology for Amara Okafor ({child.reference})"
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert "Missed medical appointment" in text and "Independent Reviewing Officer" in text
    assert "Ira Reviewer" not in text and "Page 2 of 2" in text
