"""The scheduled packs as PDFs (issue 20 part 2, the PDF only): the weekly clinic pack and the
monthly themes report, each for the person it is for, read back with pypdf."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pypdf
import pytest
import time_machine

from dashboards import packs
from tests.prp.test_reports import (  # noqa: F401 - fixtures
    february,
    other_child,
    other_team,
    week,
)

LONDON = ZoneInfo("Europe/London")


def words(content: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return reader, " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.mark.usefixtures("week")
def test_mondays_clinic_pack_is_last_weeks_as_a_tagged_pdf_without_restricted_children(iro):
    with time_machine.travel(dt.datetime(2026, 3, 16, 8, 0, tzinfo=LONDON), tick=False):
        monday = packs.clinic_pack_due(dt.date(2026, 3, 16))
        assert monday == dt.date(2026, 3, 9)
        reader, text = words(packs.clinic_pack_pdf(iro, monday))
    assert reader.metadata.title == "Weekly clinic pack: week beginning 9 March 2026"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert "9 March 2026 to 15 March 2026" in text
    assert "New one" in text and "Resolved this week" in text
    assert "Secret concern" not in text and "Rory Hidden" not in text
    assert "Made for Ira Reviewer" in text
    assert f"Page 1 of {len(reader.pages)}" in text


@pytest.mark.usefixtures("february")
def test_the_themes_report_for_february_goes_on_the_first_working_day_of_march(service_manager):
    with time_machine.travel(dt.datetime(2026, 3, 2, 8, 0, tzinfo=LONDON), tick=False):
        month = packs.themes_report_due(dt.date(2026, 3, 2))
        assert month == dt.date(2026, 2, 1)
        reader, text = words(packs.themes_report_pdf(service_manager, month))
    assert reader.metadata.title == "Monthly themes report: February 2026"
    assert "1 February 2026 to 28 February 2026" in text
    assert "Concern themes raised in the month:" in text
    assert "Rory Hidden" not in text
