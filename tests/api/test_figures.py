"""Issue 17: the dashboard's figures for the performance team's reports, by the same rule as the
dashboard of a performance officer (the whole authority, never a restricted child)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from api.models import Scope
from dashboards import metrics
from prp.models import RoleCode
from tests.api.conftest import KeyClient
from tests.factories import UserFactory
from tests.prp import test_dashboard_metrics as built

frozen, world = built.frozen, built.world
pytestmark = pytest.mark.usefixtures("frozen")
FIGURES = "/api/v1/figures/"


def as_json(figures: metrics.Dashboard) -> dict:
    shown = {**dataclasses.asdict(figures), "open_total": figures.open_total}
    return json.loads(json.dumps(shown, cls=DjangoJSONEncoder))


@pytest.fixture
def reporting(make_client):
    _, key = make_client(Scope.FIGURES_READ, name="Power BI")
    return KeyClient(key)


def test_the_figures_are_the_performance_officers_dashboard(reporting, world):
    officer = UserFactory(roles=[RoleCode.PERFORMANCE])
    response = reporting.get(FIGURES)
    assert response.status_code == 200, response.content
    expected = metrics.dashboard(officer, metrics.Filters.default())
    assert response.json() == as_json(expected)
    # C1, C2, C3, C4 (referred) and C13 are open; R, about the restricted child, never counts.
    assert response.json()["open_total"] == expected.open_total == 5


def test_the_dashboards_filters_narrow_the_figures(reporting, world, team):
    officer = UserFactory(roles=[RoleCode.PERFORMANCE])
    params = {"date_from": "2024-04-01", "date_to": "2025-03-31", "team": team.pk}
    response = reporting.get(FIGURES, params)
    assert response.status_code == 200
    chosen = metrics.Filters(
        date_from=built.D(2024, 4, 1), date_to=built.D(2025, 3, 31), team_id=team.pk
    )
    assert response.json() == as_json(metrics.dashboard(officer, chosen))
    everyone = reporting.get(FIGURES, {k: v for k, v in params.items() if k != "team"})
    assert response.json()["open_total"] < everyone.json()["open_total"]


def test_bad_filters_are_a_problem_naming_each(reporting, world):
    response = reporting.get(
        FIGURES,
        {"date_from": "2025-03-31", "date_to": "2024-04-01", "team": 99999, "colour": "red"},
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert {error["pointer"] for error in response.json()["errors"]} == {"/colour"}
    wrong = reporting.get(FIGURES, {"date_from": "2025-03-31", "date_to": "2024-04-01"})
    assert [error["pointer"] for error in wrong.json()["errors"]] == ["/date_to"]
    unknown = reporting.get(FIGURES, {"team": 99999, "level": "first"})
    assert {error["pointer"] for error in unknown.json()["errors"]} == {"/team", "/level"}


def test_the_figures_need_their_scope(make_client, world):
    _, key = make_client(Scope.CHILDREN_READ, Scope.CONCERNS_READ)
    assert KeyClient(key).get(FIGURES).status_code == 403
