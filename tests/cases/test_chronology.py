"""The child's chronology (issue 20 part 1): a hand-built child, every entry in date order."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from cases import chronology, services
from cases.models import Review
from escalations.models import ExternalAgencyNote, Stage
from tests.escalations.test_list_pages import make_concern

D = dt.date


@pytest.fixture(autouse=True)
def clock():
    tz = ZoneInfo("Europe/London")
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, tzinfo=tz), tick=False) as t:
        yield t


def test_chronology_lists_concern_stages_reviews_and_agency_notes_in_date_order(
    gloucestershire, child, social_worker, iro, team_manager
):
    concern = make_concern(iro, child, level=1, delegate_to=team_manager)
    stage = concern.stages.get()
    # Stage opened Wed 4 Mar 2026, outcome Wed 11 Mar: five working days.
    Stage.objects.filter(pk=stage.pk).update(
        outcome="resolved", outcome_on=D(2026, 3, 11), outcome_by=iro
    )
    services.review_record(child=child, by=iro, kind=Review.Kind.CIC_REVIEW, held_on=D(2026, 2, 2))
    ExternalAgencyNote.objects.create(
        child=child,
        agency="Health",
        level="1",
        summary="Missed medical",
        recorded_by=iro,
        recorded_on=D(2026, 1, 15),
    )
    entries = chronology.chronology(social_worker, child)
    days = [e.on for e in entries]
    assert days == sorted(days)
    assert [e.kind for e in entries][:2] == ["agency", "review"]
    outcome = next(e for e in entries if "outcome" in e.title)
    assert outcome.on == D(2026, 3, 11) and outcome.working_days == 5 and outcome.who == iro
    only_concerns = chronology.chronology(
        social_worker, child, start=D(2026, 3, 1), kinds=["concern"]
    )
    assert {e.kind for e in only_concerns} == {"concern"}


def test_chronology_page_filters_and_ignores_a_bad_date(
    client, gloucestershire, child, social_worker
):
    client.force_login(social_worker)
    url = reverse("cases:child_chronology", args=[child.pk])
    response = client.get(url, {"from": "not-a-date", "kind": ["concern", "bogus"]})
    assert response.status_code == 200
    assert "Chronology" in response.content.decode()


def test_a_restricted_childs_chronology_is_hidden_from_people_not_named(
    client, restricted_child, outsider
):
    client.force_login(outsider)
    response = client.get(reverse("cases:child_chronology", args=[restricted_child.pk]))
    assert response.status_code == 404
