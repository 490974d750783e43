"""The dashboard page: who may open it, what it shows, its links, downloads and bad filters."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from django.urls import reverse

from dashboards.filters import DashboardFilterSet
from escalations.models import ConcernState, TaskState
from prp.models import RoleCode
from tests.factories import UserFactory
from tests.prp import test_dashboard_metrics as built
from tests.prp.test_dashboard_metrics import D, make_concern, stage, waiting

# The hand-built authority and the people looking at it (fixtures).
frozen, world, whole = built.frozen, built.world, built.whole
reviewing_team_manager = built.reviewing_team_manager

URL = reverse("dashboards:dashboard")

pytestmark = pytest.mark.usefixtures("frozen")


def _get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def _page(client, user, **params) -> str:
    response = _get(client, user, **params)
    assert response.status_code == 200
    return response.content.decode()


def _table(page: str, name: str) -> list[list[str]]:
    """The rows of one table, each cell's text (links and hidden words left out)."""
    found = re.search(rf'<table[^>]*id="table-{name}".*?</table>', page, re.S)
    assert found, f"no table {name}"
    rows = []
    for row in re.findall(r"<tbody.*?</tbody>", found.group(0), re.S)[0].split("</tr>")[:-1]:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([_text(cell) for cell in cells])
    return rows


def _text(html: str) -> str:
    html = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", "", html)).strip()


def _links(page: str, name: str) -> dict[str, str]:
    """Each linked number in a table: 'row name/column' -> its link."""
    found = re.search(rf'<table[^>]*id="table-{name}".*?</table>', page, re.S).group(0)
    links = {}
    for href, hidden in re.findall(
        r'<a class="govuk-link" href="([^"]+)">[^<]*<span class="govuk-visually-hidden">: '
        r"([^<]*)</span>",
        found,
    ):
        column, row = hidden.split(", ", 1)
        links[f"{unescape(row)}/{column}"] = unescape(href)
    return links


def _listed(client, href: str) -> int:
    """How many concerns the list behind a link shows."""
    response = client.get(href)
    assert response.status_code == 200
    return int(re.search(r'role="status">(\d+) concern', response.content.decode()).group(1))


# Who may open it -------------------------------------------------------------------------------


def test_people_without_a_dashboard_role_are_refused(
    client, world, social_worker, outsider, team_manager, iro
):
    for person in (social_worker, outsider, team_manager, iro):
        assert _get(client, person).status_code == 403


def test_signing_in_is_needed(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_managers_and_the_reviewing_service_may_open_it(
    client, world, whole, head_of_service, reviewing_team_manager
):
    performance = UserFactory(roles=[RoleCode.PERFORMANCE])
    for person in (whole, head_of_service, reviewing_team_manager, performance):
        assert _get(client, person).status_code == 200


# What it shows ---------------------------------------------------------------------------------


def test_the_page_shows_every_figure_in_a_captioned_table(client, world, whole):
    page = _page(client, whole)
    assert "<title>Dashboard – " in page
    assert '<h1 class="govuk-heading-l">Dashboard</h1>' in page
    assert "The whole authority" in page
    tables = re.findall(r'<table class="govuk-table[^"]*" id="table-(\w+)">\s*<caption', page)
    assert tables == [
        "open_by_stage",
        "open_by_category",
        "overdue_tasks",
        "resolution_times",
        "closing",
        "monthly_trend",
        "by_service",
        "by_team",
        "reviews_qaprs",
        "qapr_grades",
        "decisions",
        "good_practice",
    ]
    assert _table(page, "open_by_stage") == [
        ["Informal", "2"],
        ["Formal stage 1", "1"],
        ["Formal stage 2", "1"],
        ["Formal stage 3", "0"],
        ["Formal stage 4", "0"],
        ["Referred to CAFCASS", "1"],
    ]
    assert _table(page, "overdue_tasks") == [
        ["Tom Manager", "Children in Care North", "2", "9 December 2024", "24"],
        ["Hana Head", "", "1", "9 January 2025", "4"],
    ]
    assert _table(page, "resolution_times") == [
        ["Informal", "2", "6.5", "8"],
        ["Formal stage 1", "5", "10", "25"],
        ["Formal stage 2", "1", "15", "15"],
    ]
    assert _table(page, "closing") == [
        ["Formal stages done within 20 working days", "2", "3", "67%"],
        ["Resolved at the informal stage", "2", "4", "50%"],
    ]
    assert _table(page, "reviews_qaprs") == [
        ["Children whose review or conference is overdue", "1"],
        ["Children whose QAPR is overdue", "1"],
        ["QAPR windows that needed a QAPR", "6"],
        ["QAPR windows that had one", "5"],
        ["QAPR compliance", "83%"],
    ]
    assert _table(page, "decisions") == [["Referred to CAFCASS", "1"], ["Legal advice sought", "2"]]
    assert "Rory" not in page  # the restricted child


def test_charts_are_drawn_from_static_files_with_the_tables_as_their_alternative(
    client, world, whole
):
    page = _page(client, whole)
    for name in ("stages", "categories", "trend", "grades"):
        assert f'<script id="chart-{name}" type="application/json">' in page
        # Hidden until the script draws it: without JavaScript only the tables show.
        assert f'data-dashboard-chart="chart-{name}" hidden>' in page
    assert page.count('<canvas role="img"') == 4
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert "/static/vendor/chart.js/chart.umd.min.js" in scripts
    assert "/static/js/dashboard-charts.js" in scripts
    assert not [src for src in scripts if "//" in src]  # nothing from another site
    stages = re.search(r'<script id="chart-stages" type="application/json">(.*?)</script>', page)
    assert '"values": [2, 1, 1, 0, 0, 1]' in stages.group(1)


def test_a_manager_sees_only_their_span(client, world, head_of_service):
    page = _page(client, head_of_service)
    assert "Your teams and services" in page
    assert [row[0] for row in _table(page, "by_team")] == ["Children in Care North"]
    assert "Child Protection East" not in page  # not even in the team filter
    assert _table(page, "open_by_stage")[:2] == [["Informal", "1"], ["Formal stage 1", "1"]]


def test_filters_narrow_the_figures(client, world, whole):
    page = _page(client, whole, team=world.team_b.pk)
    assert _table(page, "by_team") == [["Child Protection East", "3", "1", "4"]]
    page = _page(
        client,
        whole,
        date_from_0="1",
        date_from_1="10",
        date_from_2="2024",
        date_to_0="15",
        date_to_1="1",
        date_to_2="2025",
    )
    assert "from 1 October 2024 to 15 January 2025" in page
    assert _table(page, "resolution_times") == [["Formal stage 1", "2", "7.5", "10"]]


# Every number leads to the list behind it --------------------------------------------------------


def test_each_concern_number_links_to_a_list_of_as_many_concerns(client, world, whole):
    page = _page(client, whole)
    checked = 0
    for name in ("open_by_stage", "open_by_category", "by_team", "by_service", "decisions"):
        rows = {row[0]: row[1:] for row in _table(page, name)}
        headers = re.search(rf'id="table-{name}".*?<thead.*?</thead>', page, re.S).group(0)
        columns = [_text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", headers, re.S)][1:]
        for key, href in _links(page, name).items():
            row, column = key.split("/")
            shown = rows[row][[c.lower() for c in columns].index(column)]
            assert _listed(client, href) == int(shown), (name, key, href)
            checked += 1
    assert checked >= 15


def test_the_period_figures_link_to_lists_narrowed_to_the_period(client, world, whole):
    page = _page(client, whole)
    links = _links(page, "closing")
    formal = links["Formal stages done within 20 working days/out of"]
    query = parse_qs(urlsplit(formal).query)
    assert query["state"] == ["closed"] and query["ended"] == ["formal"]
    assert query["dated"] == ["closed"]
    assert (query["date_from"], query["date_to"]) == (["2024-02-01"], ["2025-01-15"])
    assert _listed(client, formal) == 3
    assert _listed(client, links["Resolved at the informal stage/concerns"]) == 2
    trend = _links(page, "monthly_trend")
    assert _listed(client, trend["January 2025/raised"]) == 2
    assert _listed(client, trend["July 2024/resolved"]) == 1
    response = client.get(formal)
    assert "Closed after a formal stage" in response.content.decode()
    assert "Closed between 1 February 2024 and 15 January 2025" in response.content.decode()


def test_overdue_people_link_to_their_overdue_concerns(client, world, whole, team_manager):
    page = _page(client, whole)
    href = _links(page, "overdue_tasks")["Tom Manager/overdue responses"]
    assert parse_qs(urlsplit(href).query)["assignee"] == [str(team_manager.pk)]
    assert _listed(client, href) == 2


def test_review_qapr_and_good_practice_numbers_link_to_the_lists_behind_them(client, world, whole):
    page = _page(client, whole, team=world.team_b.pk)
    reviews = _links(page, "reviews_qaprs")
    href = reviews["Children whose review or conference is overdue/number"]
    query = parse_qs(urlsplit(href).query)
    assert urlsplit(href).path == reverse("dashboards:figure_list")
    assert (query["figure"], query["team"]) == (["reviews-overdue"], [str(world.team_b.pk)])
    grades = _links(page, "qapr_grades")
    assert parse_qs(urlsplit(grades["Good/qaprs"]).query)["of"] == ["good"]
    for href in (*reviews.values(), *grades.values(), *_links(page, "good_practice").values()):
        assert client.get(href).status_code == 200


def test_a_figure_list_refuses_people_without_a_dashboard_role_and_unknown_lists(
    client, world, whole, social_worker
):
    client.force_login(social_worker)
    url = reverse("dashboards:figure_list")
    assert client.get(url, {"figure": "reviews-overdue"}).status_code == 403
    client.force_login(whole)
    assert client.get(url, {"figure": "nonsense"}).status_code == 404
    bad = {"figure": "qaprs", "of": "nonsense", "team": "x", "page": "9"}
    assert client.get(url, bad).status_code == 200


FIGURE_LINK = re.compile(r'<a class="[^"]*govuk-link[^"]*" href="([^"]+)">\s*([^<]+?)\s*<')
LISTS = (reverse("escalations:concern_list"), reverse("dashboards:figure_list"))


def _figure_links(page: str) -> list[tuple[str, str]]:
    """Every link on the page to a list, with the figure it is on."""
    return [
        (unescape(href), unescape(text))
        for href, text in FIGURE_LINK.findall(page)
        if urlsplit(unescape(href)).path.startswith(LISTS) and re.match(r"\d", text)
    ]


def _expected(figure: str) -> int:
    """What the list must hold: the number, or for a share "67% (2 of 3)" the whole."""
    share = re.search(r"\((\d+) of (\d+)\)", figure)
    return int(share.group(2)) if share else int(figure)


def test_rule_16_every_figure_of_the_dashboard_and_the_reports_opens_a_list_of_as_many(
    client, world, whole
):
    """Issue 14 rule 16: "Notes in the period 15" opened an empty list, "QAPR compliance 27 of
    28" opened 22 children, "Reviews overdue 1" opened 31 and the grade counts all opened one
    unfiltered list. Every link from a number, on the dashboard (unfiltered and filtered) and
    on every report, opens a list whose count is that number."""
    client.force_login(whole)
    pages = [
        (URL, {}),
        (URL, {"team": world.team_b.pk}),
        (URL, {"child_status": "child_in_care"}),
        (reverse("reports:themes"), {}),
        (reverse("reports:clinic_pack"), {}),
        (reverse("reports:annual"), {}),
    ]
    checked = set()
    for url, params in pages:
        response = client.get(url, params)
        assert response.status_code == 200, url
        for href, figure in _figure_links(response.content.decode()):
            listed = client.get(href)
            assert listed.status_code == 200, href
            status = re.search(r'role="status">\s*(\d+) ', listed.content.decode())
            assert status, href
            assert int(status.group(1)) == _expected(figure), (url, params, figure, href)
            path, query = urlsplit(href).path, parse_qs(urlsplit(href).query)
            checked.add(query["figure"][0] if "figure" in query else path)
    lists = {"reviews-overdue", "qaprs-overdue", "qapr-windows", "qaprs", "good-practice"}
    assert {reverse("escalations:concern_list"), *lists} <= checked


def test_key_figures_link_to_their_lists(client, world, whole):
    page = _page(client, whole)
    cards = re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*<dd[^>]*><a class="[^"]*" '
        r'href="([^"]+)">([^<]*)<',
        page,
    )
    figures = {label: (unescape(href), value) for label, href, value in cards}
    assert figures["Open now"][1] == "5"
    assert _listed(client, figures["Open now"][0]) == 5
    assert _listed(client, figures["Responses overdue"][0]) == 3
    assert figures["Raised in the period"][1] == "9"
    assert _listed(client, figures["Raised in the period"][0]) == 9
    assert figures["Formal stages done within 20 working days"][1] == "67% (2 of 3)"


# Downloads ---------------------------------------------------------------------------------------


def test_any_table_downloads_as_csv_with_the_filters(client, world, whole):
    response = _get(client, whole, format="csv", table="by_team", team=world.team_b.pk)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="dashboard-by-team-2025-01-15.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Team", "Open concerns", "With a response overdue", "Raised in the period"],
        ["Child Protection East", "3", "1", "4"],
    ]


def test_a_table_downloads_as_excel_with_numbers_and_dates(client, world, whole):
    response = _get(client, whole, format="xlsx", table="overdue_tasks")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Person", "Team", "Overdue responses", "Oldest due", "Working days late")
    assert rows[1][0] == "Tom Manager" and rows[1][2] == 2 and rows[1][4] == 24
    assert rows[1][3].date() == D(2024, 12, 9)


def test_every_table_on_the_page_downloads(client, world, whole):
    page = _page(client, whole)
    names = set(re.findall(r"table=(\w+)&amp;format=csv", page))
    assert len(names) == 12
    for name in names:
        assert _get(client, whole, format="csv", table=name).status_code == 200


def test_an_unknown_table_is_not_found(client, world, whole):
    assert _get(client, whole, format="csv", table="nope").status_code == 404
    assert _get(client, whole, format="csv").status_code == 404


def test_downloads_are_refused_without_a_dashboard_role(client, world, social_worker):
    assert _get(client, social_worker, format="csv", table="by_team").status_code == 403


# Bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from_0": "31", "date_from_1": "2", "date_from_2": "2024"}, "must be a real date"),
        ({"date_from_0": "1", "date_from_1": "", "date_from_2": "2024"}, "must include a month"),
        ({"date_from_0": "1", "date_from_1": "2", "date_from_2": "24"}, "year with 4 numbers"),
        ({"date_from_0": "x", "date_from_1": "2", "date_from_2": "2024"}, "must be a real date"),
        (
            {"date_from_0": "1", "date_from_1": "2", "date_from_2": "2030"},
            "The start of the period must be today or in the past",
        ),
        (
            {
                "date_from_0": "1",
                "date_from_1": "6",
                "date_from_2": "2024",
                "date_to_0": "1",
                "date_to_1": "5",
                "date_to_2": "2024",
            },
            "The end of the period must be the same as or after the start",
        ),
        ({"team": "abc"}, "Select a team from the list"),
        ({"team": "999999"}, "Select a team from the list"),
        ({"service": "-1"}, "Select a service from the list"),
        ({"child_status": "alien"}, "Select a type of child from the list"),
        ({"level": "9"}, "Select a stage from the list"),
        ({"level": "two"}, "Select a stage from the list"),
        ({"category": "0"}, "Select a category from the list"),
    ],
)
def test_bad_filters_show_the_error_summary_and_the_default_figures(
    client, world, whole, params, message
):
    page = _page(client, whole, **params)
    assert "<title>Error: Dashboard" in page
    assert "govuk-error-summary" in page
    assert message in page
    assert len(_table(page, "open_by_stage")) == 6  # the figures are still there
    assert "from 1 February 2024 to 15 January 2025" in page


def test_the_filter_set_narrows_the_concerns_as_the_figures_do(world, whole):
    filterset = DashboardFilterSet({"team": str(world.team_b.pk)}, user=whole)
    c = world.concerns
    assert set(filterset.qs) == {c.c3, c.c4, c.c7, c.c13}
    filterset = DashboardFilterSet({"level": "1", "category": "x"}, user=whole)
    assert set(filterset.qs) == {c.c2, c.c7, c.c8}  # the bad category is left out
    assert filterset.form.errors == {"category": ["Select a category from the list"]}


def test_a_team_outside_the_managers_span_is_refused(client, world, head_of_service):
    page = _page(client, head_of_service, team=world.team_b.pk)
    assert "Select a team from the list" in page


# A fixed number of queries -----------------------------------------------------------------------


def _more_data(world, whole, n: int):
    for k in range(n):
        concern = make_concern(
            raiser=world.chair,
            child=world.child_b,
            state=ConcernState.INFORMAL if k % 2 else ConcernState.FORMAL,
            stages=[stage(k % 3, D(2024, 12, 2))],
            categories=["Process"],
        )
        waiting(concern, UserFactory(), D(2025, 1, 2) if k % 2 else D(2025, 3, 3))
        make_concern(
            raiser=world.chair,
            child=world.child_b,
            state=ConcernState.RESOLVED,
            stages=[stage(k % 4, D(2024, 5, 1), "resolved", D(2024, 5, 1 + k % 20), k % 20)],
            closed_on=D(2024, 5, 1 + k % 20),
            closed_level=k % 4,
            formal_days=k % 30,
        )


def test_the_page_takes_a_fixed_number_of_queries(
    client, world, whole, django_assert_max_num_queries
):
    client.force_login(whole)
    client.get(URL)  # the calendar and the session warm up
    with django_assert_max_num_queries(40) as small:
        assert client.get(URL, {"team": world.team_b.pk}).status_code == 200
    _more_data(world, whole, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(URL, {"team": world.team_b.pk}).status_code == 200


def test_a_download_takes_a_fixed_number_of_queries(
    client, world, whole, django_assert_max_num_queries
):
    client.force_login(whole)
    client.get(URL, {"format": "csv", "table": "resolution_times"})
    with django_assert_max_num_queries(15) as small:
        client.get(URL, {"format": "csv", "table": "resolution_times"})
    _more_data(world, whole, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(URL, {"format": "csv", "table": "resolution_times"})


# The concern list takes the dashboard's narrowing ---------------------------------------------


def test_the_concern_list_shows_and_keeps_the_narrowing(client, world, whole):
    client.force_login(whole)
    response = client.get(
        reverse("escalations:concern_list"),
        {
            "scope": "all",
            "state": "any",
            "team": world.team_b.pk,
            "child_status": "child_protection",
        },
    )
    page = response.content.decode()
    assert "Also narrowed to:" in page
    assert "Team: Child Protection East" in page
    assert "Type of child: Child protection plan" in page
    # Kept as hidden fields, so changing the visible filters keeps them.
    assert f'type="hidden" name="team" value="{world.team_b.pk}"' in page
    assert re.search(r'role="status">4 concerns', page)


def test_the_concern_list_refuses_bad_narrowing_without_breaking(client, world, whole):
    client.force_login(whole)
    response = client.get(
        reverse("escalations:concern_list"),
        {"scope": "all", "team": "x", "date_from": "2024-13-01", "dated": "opened"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a team from the list" in page
    assert "The start of the period must be a real date" in page


def test_any_state_at_a_stage_includes_closed_concerns_there(client, world, whole):
    client.force_login(whole)
    url = reverse("escalations:concern_list")
    # At Formal stage 1 now or at the end: C2 (open), C7 (withdrawn), C8 (resolved).
    assert _listed(client, f"{url}?scope=all&state=any&level=1") == 3
    assert _listed(client, f"{url}?scope=all&level=1") == 1  # open: C2
    assert _listed(client, f"{url}?scope=all&state=closed&level=1") == 2


def test_tasks_not_waiting_are_not_overdue(client, world, whole, team_manager):
    """A retracted task past its date is not waiting for anyone."""
    concern = make_concern(
        raiser=world.chair,
        child=world.child_b,
        state=ConcernState.INFORMAL,
        stages=[stage(0, D(2025, 1, 2))],
    )
    waiting(concern, team_manager, D(2025, 1, 3), state=TaskState.RETRACTED)
    page = _page(client, whole)
    assert _table(page, "overdue_tasks")[0][2] == "2"


def test_the_page_says_when_its_figures_are_for(client, world, whole):
    page = _page(client, whole)
    assert "Figures about now are as of 15 January 2025." in page
    assert "count from 1 February 2024 to 15 January 2025" in page
