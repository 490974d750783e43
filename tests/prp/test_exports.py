"""Downloads: every report table and every working list as CSV and Excel.

A download has the right content type, a header row and the rows the page's filters find (all
of them, not one page), reads back in openpyxl, never holds a restricted child, and does the same
number of queries however many rows it has.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from escalations.models import ConcernState, Outcome
from qapr.models import Grade, Qapr, QaprState, Recommendation, Variant
from tests.builders import allocate
from tests.factories import ChildFactory
from tests.prp.test_reports import (
    categories,
    category_names,
    make_concern,
    make_note,
    make_stage,
    make_task,
    themes_row,
)

pytestmark = pytest.mark.usefixtures("gloucestershire")

WEDNESDAY = dt.datetime(2026, 3, 11, 10, 0)
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECRETS = ("Rory", "Hidden", "Secret")
CEILING = 40


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(WEDNESDAY, tick=False) as traveller:
        yield traveller


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == CSV_TYPE
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def fetch(client, user, name, params):
    client.force_login(user)
    return client.get(reverse(name), params)


@pytest.fixture
def data(iro, child, restricted_child, team_manager, social_worker, team):
    """A little of everything, for the child and for the restricted child."""
    a, _ = categories()
    monday = dt.date(2026, 3, 9)
    for subject, title, impact in (
        (child, "Placement drift", "Amara waits for a decision"),
        (restricted_child, "Secret concern", "Rory's secret statement"),
    ):
        concern = make_concern(
            subject,
            raised_by=iro,
            opened=dt.date(2026, 2, 10),
            title=title,
            subs=[(a, impact, dt.date(2026, 2, 10))],
        )
        stage = make_stage(concern, 1, opened=dt.date(2026, 2, 10))
        make_task(stage, team_manager, due=dt.date(2026, 3, 2), delegated=dt.date(2026, 2, 10))
        make_note(iro, social_worker, created=monday, child=subject, team=team)
        qapr = Qapr.objects.create(
            child=subject,
            author=iro,
            variant=Variant.CHILD_IN_CARE,
            state=QaprState.FINALISED,
            grade=Grade.GOOD,
            completed_on=dt.date(2026, 2, 20),
        )
        Recommendation.objects.create(
            qapr=qapr, text=f"Follow up {title}", owner=social_worker, due_on=dt.date(2026, 3, 1)
        )
        type(subject).objects.filter(pk=subject.pk).update(
            review_due_on=dt.date(2026, 3, 1),
            review_due_reason="Every six months",
            qapr_due_on=dt.date(2026, 4, 1),
        )
    resolved = make_concern(
        child,
        raised_by=iro,
        opened=dt.date(2026, 2, 2),
        state=ConcernState.RESOLVED,
        closed=dt.date(2026, 3, 10),
        closed_level=1,
        title="Sorted out",
    )
    make_stage(
        resolved,
        1,
        opened=dt.date(2026, 2, 2),
        outcome=Outcome.RESOLVED,
        outcome_on=dt.date(2026, 3, 10),
        days=26,
    )


# Report tables ----------------------------------------------------------------------------------


def test_a_themes_table_downloads_as_csv_with_its_totals(client, data, service_manager):
    rows = csv_rows(
        fetch(
            client,
            service_manager,
            "reports:themes",
            {"month": "2026-02", "table": "teams", "format": "csv"},
        )
    )
    a, _ = categories()
    assert rows[0] == ["Team", *category_names(), "Total"]
    assert rows[1] == [str(cell) for cell in themes_row("Children in Care North", {a.name: 1})]
    assert rows[-1] == [str(cell) for cell in themes_row("Total", {a.name: 1})]


def test_the_themes_examples_download_as_excel(client, data, service_manager):
    rows = xlsx_rows(
        fetch(
            client,
            service_manager,
            "reports:themes",
            {"month": "2026-02", "table": "examples", "format": "xlsx"},
        )
    )
    assert rows[0] == ("Category", "Team", "Impact on the child (example)")
    assert rows[1][2] == "[the child] waits for a decision"
    assert len(rows) == 2


def test_a_clinic_pack_table_downloads(client, data, iro):
    rows = csv_rows(
        fetch(client, iro, "reports:clinic_pack", {"table": "overdue", "format": "csv"})
    )
    assert rows[0] == ["Concern", "Children", "Stage", "With", "Due", "Working days late"]
    assert len(rows) == 2
    assert rows[1][1:] == ["Amara Okafor", rows[1][2], "Tom Manager", "2026-03-02", "7"]
    rows = xlsx_rows(
        fetch(client, iro, "reports:clinic_pack", {"table": "resolved", "format": "xlsx"})
    )
    assert rows[1][:2] == (rows[1][0], "Sorted out")
    assert rows[1][5] == dt.datetime(2026, 3, 10)


def test_the_annual_figures_download_whole_and_by_table(client, data, service_manager):
    rows = csv_rows(
        fetch(client, service_manager, "reports:annual", {"year": "2025", "format": "csv"})
    )
    assert rows[0] == ["Figure", "Breakdown", "Measure", "Value"]
    assert ["QAPRs finalised, by grade", "Good", "Number", "1"] in rows
    assert ["Concerns closed in the year", "Resolved", "Number", "1"] in rows
    figures = {row[0] for row in rows[1:]}
    assert len(figures) == 10
    table = xlsx_rows(
        fetch(
            client,
            service_manager,
            "reports:annual",
            {"year": "2025", "table": "qaprs", "format": "xlsx"},
        )
    )
    assert table[0] == ("Grade", "Number")
    assert ("Good", 1) in table and table[-1] == ("Total", 1)


# Working lists ----------------------------------------------------------------------------------


def _many(iro, child, team_manager, count):
    for number in range(count):
        concern = make_concern(
            child, raised_by=iro, opened=dt.date(2026, 3, 2), title=f"Concern number {number}"
        )
        stage = make_stage(concern, 1, opened=dt.date(2026, 3, 2))
        make_task(stage, team_manager, due=dt.date(2026, 3, 9), delegated=dt.date(2026, 3, 2))


def test_the_concern_list_downloads_every_row_not_one_page(client, data, iro, child, team_manager):
    _many(iro, child, team_manager, 30)
    rows = csv_rows(
        fetch(
            client,
            iro,
            "escalations:concern_list",
            {"scope": "mine", "state": "open", "format": "csv"},
        )
    )
    assert rows[0][:4] == ["Concern", "Title", "Children", "Stage"]
    assert len(rows) == 1 + 31  # the 30 and Placement drift; not the resolved one
    drift = next(row for row in rows if row[1] == "Placement drift")
    assert drift[2] == "Amara Okafor"
    assert drift[6] == "2026-03-02" and drift[7] == "Tom Manager"


def test_the_concern_list_download_follows_the_filters(client, data, iro):
    rows = csv_rows(
        fetch(
            client,
            iro,
            "escalations:concern_list",
            {"scope": "mine", "state": "resolved", "format": "csv"},
        )
    )
    assert [row[1] for row in rows[1:]] == ["Sorted out"]


def test_a_colleague_downloads_only_what_their_list_shows(client, data, unrelated_colleague):
    rows = csv_rows(
        fetch(
            client,
            unrelated_colleague,
            "escalations:concern_list",
            {"scope": "all", "state": "any", "format": "csv"},
        )
    )
    assert len(rows) == 1  # the header only
    rows = csv_rows(
        fetch(client, unrelated_colleague, "cases:child_list", {"show": "all", "format": "csv"})
    )
    assert len(rows) == 1


def test_the_weekly_clinic_downloads(client, data, iro, social_worker):
    rows = xlsx_rows(fetch(client, iro, "escalations:weekly_clinic", {"format": "xlsx"}))
    assert rows[0][:3] == ("Group", "Concern", "Title")
    assert [row[2] for row in rows[1:]] == ["Placement drift"]
    assert (
        fetch(client, social_worker, "escalations:weekly_clinic", {"format": "csv"}).status_code
        == 403
    )


def test_my_tasks_download(client, data, team_manager):
    rows = csv_rows(fetch(client, team_manager, "escalations:task_inbox", {"format": "csv"}))
    assert rows[0][0] == "Concern" and rows[0][-1] == "Working days overdue"
    assert len(rows) == 2
    assert rows[1][1:3] == ["Placement drift", "Amara Okafor"]
    assert rows[1][7:] == ["Overdue", "7"]


def test_my_children_download(client, data, social_worker, child):
    rows = xlsx_rows(fetch(client, social_worker, "cases:child_list", {"format": "xlsx"}))
    assert rows[0][:3] == ("Name", "Case reference", "Date of birth")
    assert [row[0] for row in rows[1:]] == ["Amara Okafor"]
    assert rows[1][1] == child.reference
    assert rows[1][2] == dt.datetime(2015, 3, 14)


def test_reviews_due_download(client, data, iro):
    rows = csv_rows(fetch(client, iro, "cases:reviews_due", {"format": "csv"}))
    assert rows[0][:4] == ["Child", "Case reference", "Review due", "Days overdue"]
    assert [row[0] for row in rows[1:]] == ["Amara Okafor"]
    assert rows[1][2:5] == ["2026-03-01", "10", "Every six months"]


def test_qaprs_due_and_recommendations_download(client, data, iro):
    rows = csv_rows(fetch(client, iro, "qapr:qapr_due", {"format": "csv"}))
    assert rows[0][-1] == "Draft started"
    assert [row[0] for row in rows[1:]] == ["Amara Okafor"]
    assert rows[1][4:] == ["2026-04-01", "", "No"]
    rows = csv_rows(fetch(client, iro, "qapr:recommendation_list", {"format": "csv"}))
    assert rows[0] == ["Child", "QAPR", "Recommendation", "Who", "Due", "Overdue"]
    assert rows[1][2:] == ["Follow up Placement drift", "Sam Worker", "2026-03-01", "Yes"]
    assert len(rows) == 2


def test_the_list_pages_offer_the_downloads(client, data, iro):
    client.force_login(iro)
    for name in (
        "escalations:concern_list",
        "escalations:weekly_clinic",
        "cases:child_list",
        "cases:reviews_due",
        "qapr:qapr_due",
        "qapr:recommendation_list",
    ):
        page = client.get(reverse(name)).content.decode()
        assert "Download this list" in page and "format=xlsx" in page, name


# A restricted child is never in a download ------------------------------------------------------

EVERY_DOWNLOAD = [
    ("reports:themes", {"month": "2026-02", "table": "teams"}),
    ("reports:themes", {"month": "2026-02", "table": "examples"}),
    *[
        ("reports:clinic_pack", {"week": "2026-03-09", "table": key})
        for key in ("new", "open", "overdue", "resolved", "good_practice")
    ],
    ("reports:annual", {"year": "2025"}),
    ("escalations:concern_list", {"scope": "all", "state": "any"}),
    ("escalations:weekly_clinic", {}),
    ("escalations:task_inbox", {"show": "all"}),
    ("cases:child_list", {"show": "all"}),
    ("cases:reviews_due", {"show": "team"}),
    ("qapr:qapr_due", {}),
    ("qapr:recommendation_list", {}),
]


@pytest.mark.parametrize(("name", "params"), EVERY_DOWNLOAD)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_download_holds_a_restricted_child(
    client, data, iro, team_manager, service_manager, restricted_child, name, params, fmt
):
    # The IRO and team manager may see the restricted child's pages; files still leave it out.
    viewer = {
        "reports:themes": service_manager,
        "reports:annual": service_manager,
        "escalations:task_inbox": team_manager,
    }.get(name, iro)
    response = fetch(client, viewer, name, {**params, "format": fmt})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig") if fmt == "csv" else str(xlsx_rows(response))
    assert not any(secret in text for secret in SECRETS), text
    assert restricted_child.reference not in text


def test_the_restricted_child_is_on_the_iros_lists_but_not_their_files(client, data, iro):
    client.force_login(iro)
    page = client.get(reverse("cases:child_list"), {"show": "all"}).content.decode()
    assert "Rory Hidden" in page
    rows = csv_rows(client.get(reverse("cases:child_list"), {"show": "all", "format": "csv"}))
    assert [row[0] for row in rows[1:]] == ["Amara Okafor"]


# Query counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "viewer"),
    [
        ("escalations:concern_list", {"scope": "all", "state": "any"}, "iro"),
        ("escalations:weekly_clinic", {}, "iro"),
        ("escalations:task_inbox", {"show": "all"}, "team_manager"),
        ("cases:child_list", {"show": "all"}, "iro"),
        ("cases:reviews_due", {"show": "team"}, "iro"),
        ("qapr:qapr_due", {}, "iro"),
        ("qapr:recommendation_list", {}, "iro"),
    ],
)
def test_list_downloads_do_the_same_queries_for_few_and_many_rows(
    client,
    request,
    iro,
    team,
    social_worker,
    team_manager,
    name,
    params,
    viewer,
    django_assert_max_num_queries,
):
    user = request.getfixturevalue(viewer)
    a, _ = categories()

    def grow(count, start):
        for number in range(start, start + count):
            subject = allocate(
                ChildFactory(), team=team, social_worker=social_worker, reviewing_officer=iro
            )
            type(subject).objects.filter(pk=subject.pk).update(
                review_due_on=dt.date(2026, 3, 1), qapr_due_on=dt.date(2026, 4, 1)
            )
            concern = make_concern(
                subject,
                raised_by=iro,
                opened=dt.date(2026, 3, 2),
                title=f"Concern {number}",
                subs=[(a, "x", dt.date(2026, 3, 2))],
            )
            make_task(
                make_stage(concern, 1, opened=dt.date(2026, 3, 2)),
                team_manager,
                due=dt.date(2026, 3, 9),
                delegated=dt.date(2026, 3, 2),
            )
            qapr = Qapr.objects.create(
                child=subject,
                author=iro,
                variant=Variant.CHILD_IN_CARE,
                state=QaprState.FINALISED,
                grade=Grade.GOOD,
                completed_on=dt.date(2026, 2, 1),
            )
            Recommendation.objects.create(
                qapr=qapr, text="Do it", owner=social_worker, due_on=dt.date(2026, 3, 20)
            )

    def measure():
        with django_assert_max_num_queries(CEILING) as queries:
            response = client.get(reverse(name), {**params, "format": "csv"})
        return len(queries.captured_queries), len(csv_rows(response))

    grow(3, 0)
    client.force_login(user)
    client.get(reverse(name), params)
    small, small_rows = measure()
    grow(40, 3)
    large, large_rows = measure()
    assert (small_rows, large_rows) == (4, 44)
    assert large == small
