"""The child's chronology as a PDF (issue 20 part 1): for a court bundle or an inspection.

The PDF's text is read back with pypdf: a cover page (child, reference, period, who produced it
and when), the council's name and page numbers on every page, a title in its metadata, tagged
(PDF/UA), the page's filters, staff by role, an audit entry, and the visibility rule.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pypdf
import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.urls import reverse

from cases import services
from cases.models import Review
from escalations.models import ExternalAgencyNote, Stage
from prp.models import Download, RoleCode
from tests.escalations.test_list_pages import make_concern
from tests.factories import UserFactory

D = dt.date


@pytest.fixture(autouse=True)
def clock():
    tz = ZoneInfo("Europe/London")
    with time_machine.travel(dt.datetime(2026, 3, 4, 14, 5, tzinfo=tz), tick=False) as t:
        yield t


@pytest.fixture
def recorded(gloucestershire, child, iro, team_manager):
    """A concern with a stage and its outcome, a review, and an agency note."""
    concern = make_concern(iro, child, level=1, delegate_to=team_manager)
    stage = concern.stages.get()
    Stage.objects.filter(pk=stage.pk).update(
        outcome="resolved", outcome_on=D(2026, 3, 11), outcome_by=iro
    )
    services.review_record(child=child, by=iro, kind=Review.Kind.CIC_REVIEW, held_on=D(2026, 2, 2))
    ExternalAgencyNote.objects.create(
        child=child,
        agency="Health",
        level="1",
        summary="Missed medical appointment",
        recorded_by=iro,
        recorded_on=D(2026, 1, 15),
    )
    return child


def pdf_of(client, child, **query):
    response = client.get(
        reverse("cases:child_chronology", args=[child.pk]), {"format": "pdf", **query}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="chronology-')
    return pypdf.PdfReader(io.BytesIO(response.content))


def words(page) -> str:
    """A page's text with its lines joined: a table cell may wrap."""
    return " ".join(page.extract_text().split())


def text_of(reader) -> str:
    return " ".join(words(page) for page in reader.pages)


@override_settings(AUTHORITY_NAME="Gloucestershire County Council")
def test_the_pdf_has_a_cover_page_page_numbers_the_council_and_a_title(
    client, recorded, social_worker
):
    client.force_login(social_worker)
    reader = pdf_of(client, recorded)
    assert reader.metadata.title == f"Chronology for Amara Okafor ({recorded.reference})"
    assert len(reader.pages) == 2  # the cover, and one page of entries
    cover = words(reader.pages[0])
    for wanted in (
        "Gloucestershire County Council",
        "Chronology",
        "Amara Okafor",
        recorded.reference,
        "Everything recorded",
        "Every kind",
        "Produced by",
        "Sam Worker",
        "4 March 2026 at 2:05pm",
        "Page 1 of 2",
    ):
        assert wanted in cover, wanted
    entries = words(reader.pages[1])
    assert "Gloucestershire County Council" in entries and "Page 2 of 2" in entries
    # Real text, in date order, with who and the working days taken.
    assert entries.index("15 January 2026") < entries.index("2 February 2026")
    assert entries.index("2 February 2026") < entries.index("11 March 2026")
    assert "Missed medical appointment" in entries
    assert "Ira Reviewer" in entries


def test_the_pdf_is_tagged_for_accessibility(client, recorded, social_worker):
    client.force_login(social_worker)
    reader = pdf_of(client, recorded)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en-GB"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()


def test_the_pdf_has_the_pages_filters(client, recorded, social_worker):
    client.force_login(social_worker)
    query = {"from": "2026-01-01", "to": "2026-02-28", "kind": "agency"}
    reader = pdf_of(client, recorded, **query)
    text = text_of(reader)
    assert "1 January 2026 to 28 February 2026" in text
    assert "External agency notes" in text
    assert "Missed medical appointment" in text
    assert "CIC review held" not in text and "Concern raised" not in text


def test_staff_by_role_names_nobody_on_the_page_or_in_the_pdf(client, recorded, social_worker):
    client.force_login(social_worker)
    page = client.get(
        reverse("cases:child_chronology", args=[recorded.pk]), {"staff": "role"}
    ).content.decode()
    assert "Independent Reviewing Officer" in page and "Ira Reviewer" not in page
    assert "format=pdf" in page and "staff=role" in page  # the PDF link keeps the choice
    text = text_of(pdf_of(client, recorded, staff="role"))
    assert "Independent Reviewing Officer" in text
    assert "Ira Reviewer" not in text and "Sam Worker" not in text
    assert "Role (no names)" in text  # the cover says so
    assert "Social Worker" in text  # who produced it, by role too


def test_each_download_is_audited_with_its_filters_and_entries(client, recorded, social_worker):
    client.force_login(social_worker)
    download = ContentType.objects.get_for_model(Download, for_concrete_model=False)
    before = LogEntry.objects.filter(content_type=download).count()
    pdf_of(client, recorded, kind="agency", staff="role")
    entry = LogEntry.objects.filter(content_type=download).latest("pk")
    assert LogEntry.objects.filter(content_type=download).count() == before + 1
    assert entry.actor == social_worker and entry.action == LogEntry.Action.ACCESS
    assert entry.additional_data["download"] == "cases:child_chronology"
    assert entry.additional_data["format"] == "pdf"
    assert entry.additional_data["filters"] == {"kind": ["agency"], "staff": ["role"]}
    assert entry.additional_data["rows"] == 1
    assert entry.object_repr == f"Chronology for Amara Okafor ({recorded.reference}) (PDF, 1 row)"


def test_a_long_chronology_runs_over_pages_with_the_table_head_on_each(
    client, child, social_worker, iro
):
    for n in range(80):
        ExternalAgencyNote.objects.create(
            child=child,
            agency="Police",
            level="1",
            # PostgreSQL refuses NUL in text (and the forms refuse it), so it never reaches a PDF;
            # other control characters can be pasted in and are turned into spaces.
            summary=f"Note number {n} \x1b\x0b with a control character pasted in",
            recorded_by=iro,
            recorded_on=D(2025, 1, 1) + dt.timedelta(days=n),
        )
    client.force_login(social_worker)
    reader = pdf_of(client, child)
    pages = len(reader.pages)
    assert pages >= 4
    for number, page in enumerate(reader.pages[1:], start=2):
        text = words(page)
        assert f"Page {number} of {pages}" in text
        assert "Working days taken" in text  # the table's head repeats
    assert "Note number 79" in text_of(reader)


def test_only_people_who_may_see_the_child_can_make_one(
    client, restricted_child, social_worker, outsider, service_manager
):
    url = reverse("cases:child_chronology", args=[restricted_child.pk])
    administrator = UserFactory(roles=[RoleCode.REVIEWING_SERVICE_MANAGER])
    for person in (outsider, service_manager, administrator):
        client.force_login(person)
        assert client.get(url, {"format": "pdf"}).status_code == 404, person
    client.force_login(social_worker)  # named on the record
    assert client.get(url, {"format": "pdf"}).status_code == 200
