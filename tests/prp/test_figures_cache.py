"""The dashboard's and the reports' figures are kept in the cache (prp.figures_cache), and are never
stale: after each kind of change made through a service, every figure page shows exactly what a
fresh computation gives (issue 18, "never stale").

Each step changes data through its service, then opens the dashboard, the clinic pack, the annual
report and the themes report as a person who sees the whole authority, and compares what each
page shows with the same figures worked out afresh, bypassing the cache. Each step must also
change at least one of those figures, so a step the cache failed to hear about shows old figures
and the test fails (for example with "qapr" taken out of figures_cache.CHANGES_FROM).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases import services as case_services
from cases.models import Allocation, KeyDate
from dashboards import metrics, reports
from dashboards.filters import DashboardFilterSet
from escalations import services
from escalations.models import Outcome
from prp import figures_cache
from qapr import services as qapr_services
from qapr.models import Grade, RiDecision
from tests.builders import (
    draft_concern,
    fresh,
    live_task,
    outcome_recorded,
    raised_concern,
    responded_task,
)
from tests.factories import ChildFactory
from tests.prp import test_dashboard_metrics as built
from tests.qapr.test_services import answers

frozen, world, whole = built.frozen, built.world, built.whole
TODAY = built.TODAY

pytestmark = pytest.mark.usefixtures("frozen")

PAGES = {
    "dashboard": (reverse("dashboards:dashboard"), "data"),
    "clinic pack": (reverse("reports:clinic_pack"), "pack"),
    "annual report": (reverse("reports:annual"), "report"),
    "themes report": (reverse("reports:themes"), "report"),
}


def _fresh(name: str, user, response):
    """The page's figures worked out now, without the cache, for the period the page shows."""
    form = response.context["form"]
    if name == "dashboard":
        filters = DashboardFilterSet(None, user=user).chosen()
        return metrics.dashboard(user, filters, TODAY)
    if name == "clinic pack":
        return reports.clinic_pack(user, form.period(), TODAY, limit=reports.PACK_ROWS_SHOWN)
    if name == "annual report":
        return reports.annual_report(user, form.period(), TODAY)
    return reports.themes_report(user, form.period())


def _shown(client, user) -> dict:
    """Each figure page as shown, checked against a fresh computation."""
    client.force_login(user)
    shown = {}
    for name, (url, key) in PAGES.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert response.context[key] == _fresh(name, user, response), f"{name} is stale"
        shown[name] = response.context[key]
    return shown


def test_every_figure_page_equals_a_fresh_computation_after_each_kind_of_change(
    client, world, whole, iro, team_manager, head_of_service, social_worker, child, team
):
    c = world.concerns
    second_child = ChildFactory(first_name="Bea", last_name="Second")
    case_services.child_allocate(
        child=second_child,
        kind=Allocation.Kind.TEAM,
        start_date=TODAY - dt.timedelta(days=30),
        recorded_by=None,
        team=team,
    )
    state = {}

    def raise_one():
        state["raised"] = raised_concern(iro, [child], team_manager, title="Raised in the test")

    def respond():
        # C1's response was due on 13 January: answering it takes it off the overdue figures.
        responded_task(live_task(c.c1))

    def escalate():
        outcome_recorded(state["raised"], iro, Outcome.ESCALATE_NEXT, delegate_to=head_of_service)

    def close():
        responded_task(live_task(state["raised"]))
        outcome_recorded(state["raised"], iro, Outcome.RESOLVED)

    def withdraw():
        outcome_recorded(c.c2, c.c2.raised_by, Outcome.WITHDRAWN)

    def withdraw_draft():
        draft = draft_concern(iro, [second_child], title="Draft in the test")
        raised = raised_concern(iro, [second_child], team_manager, title="Raised then withdrawn")
        state["withdrawn"] = raised
        services.concern_withdraw_draft(concern=draft, by=iro, lock_version=draft.lock_version)
        outcome_recorded(raised, iro, Outcome.WITHDRAWN)

    def qapr_finalised():
        case_services.key_date_record(
            child=second_child,
            by=iro,
            kind=KeyDate.Kind.CAME_INTO_CARE,
            on=TODAY - dt.timedelta(days=100),
        )
        qapr = qapr_services.qapr_start(child=second_child, by=iro)
        qapr = qapr_services.qapr_save(
            qapr=qapr,
            by=iro,
            lock_version=qapr.lock_version,
            **answers(
                social_worker_invited_on=TODAY - dt.timedelta(days=3),
                grade=Grade.REQUIRES_IMPROVEMENT,
                ri_decision=RiDecision.NONE,
                ri_decision_reason="The plan is already changing.",
            ),
        )
        qapr = fresh(qapr)
        qapr_services.qapr_finalise(qapr=qapr, by=iro, lock_version=qapr.lock_version)

    def review_held():
        case_services.review_record(
            child=child, by=iro, kind=_review_kind(child), held_on=TODAY - dt.timedelta(days=1)
        )

    def allocation_changed():
        case_services.child_allocate(
            child=child,
            kind=Allocation.Kind.TEAM,
            start_date=TODAY,
            recorded_by=None,
            team=world.team_b,
        )

    def restricted():
        case_services.child_update_details(child=fresh(second_child), by=None, restricted=True)

    steps = [
        ("raise", raise_one),
        ("respond", respond),
        ("escalate", escalate),
        ("close", close),
        ("withdraw", withdraw),
        ("withdraw a draft, and a raised concern", withdraw_draft),
        ("QAPR finalised", qapr_finalised),
        ("review held", review_held),
        ("allocation changed", allocation_changed),
        ("restricted flag", restricted),
    ]
    # The whole authority, and a head of service who counts only their own service's children.
    viewers = [whole, head_of_service]
    before = [_shown(client, viewer) for viewer in viewers]
    unchanged = []
    for name, change in steps:
        change()
        after = [_shown(client, viewer) for viewer in viewers]
        if after == before:
            unchanged.append(name)
        before = after
    # Each step changed a figure, so a stale cache could not have passed for fresh.
    assert unchanged == []


def test_a_change_the_cache_does_not_hear_of_would_show_old_figures(
    client, world, whole, iro, child, team_manager
):
    """The check above can fail: a change the cache is not told of leaves the old figures shown."""
    client.force_login(whole)
    url = reverse("dashboards:dashboard")
    open_before = client.get(url).context["data"].open_total
    with figures_cache.unheard():
        raised_concern(iro, [child], team_manager, title="Unheard")
    assert client.get(url).context["data"].open_total == open_before
    figures_cache.changed()
    assert client.get(url).context["data"].open_total == open_before + 1


def _review_kind(child):
    from cases.models import Review

    return Review.Kind.choices[0][0]
