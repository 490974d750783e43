"""Issue 17: the case-management system writes allocations, key dates and reviews held, through
the same services the pages use; each write is audited against the client."""

from __future__ import annotations

import datetime as dt
import json

import time_machine
from auditlog.models import LogEntry

from api.models import Scope
from cases.models import Allocation, KeyDate, Review, ReviewStep
from tests.api.conftest import KeyClient
from tests.factories import UserFactory

TODAY = dt.datetime(2025, 3, 3, 10, tzinfo=dt.UTC)


def url(child, what):
    return f"/api/v1/children/{child.pk}/{what}/"


def post(http, child, what, body, **headers):
    return http.post(
        url(child, what), json.dumps(body), content_type="application/json", headers=headers
    )


def client_with(make_client, *scopes, **options):
    client, key = make_client(Scope.CHILDREN_READ, *scopes, **options)
    return client, KeyClient(key)


def test_a_new_social_worker_ends_the_current_allocation_and_the_child_follows(
    make_client, child, social_worker, team
):
    api_client, http = client_with(make_client, Scope.ALLOCATIONS_WRITE)
    newcomer = UserFactory(full_name="Nia New", email="nia.new@example.org", team=team)
    body = {"kind": "social_worker", "worker": "Nia.New@example.org", "start_date": "2025-02-10"}
    response = post(http, child, "allocations", body)
    assert response.status_code == 201, response.json()
    assert response.json()["worker"] == "nia.new@example.org"
    child.refresh_from_db()
    assert child.social_worker == newcomer
    earlier = Allocation.objects.get(child=child, kind="social_worker", worker=social_worker)
    assert earlier.end_date == dt.date(2025, 2, 10)
    listed = http.get(url(child, "allocations")).json()
    assert [(row["kind"], row["end_date"]) for row in listed if row["kind"] == "social_worker"] == [
        ("social_worker", "2025-02-10"),
        ("social_worker", None),
    ]
    made = LogEntry.objects.get(
        content_type__model="allocation", action=0, object_id=listed[-1]["id"]
    )
    assert made.actor_email == f"API client: {api_client.name}"


def test_an_allocation_to_an_unknown_or_switched_off_person_is_refused(make_client, child):
    _, http = client_with(make_client, Scope.ALLOCATIONS_WRITE)
    gone = UserFactory(email="gone@example.org", is_active=False)
    for worker in ("nobody@example.org", gone.email):
        body = {"kind": "social_worker", "worker": worker, "start_date": "2025-02-10"}
        response = post(http, child, "allocations", body)
        assert response.status_code == 400
        assert [e["pointer"] for e in response.json()["errors"]] == ["/worker"]
    team_without = post(http, child, "allocations", {"kind": "team", "start_date": "2025-02-10"})
    assert [e["pointer"] for e in team_without.json()["errors"]] == ["/team"]
    before = post(
        http,
        child,
        "allocations",
        {"kind": "social_worker", "worker": child.social_worker.email, "start_date": "2024-01-01"},
    )
    assert before.status_code == 400
    assert [e["pointer"] for e in before.json()["errors"]] == ["/start_date"]
    assert Allocation.objects.filter(child=child, kind="social_worker").count() == 1


@time_machine.travel(TODAY, tick=False)
def test_a_key_date_recorded_by_the_system_moves_the_review_schedule(make_client, child):
    _, http = client_with(make_client, Scope.REVIEWS_WRITE)
    response = post(http, child, "key-dates", {"kind": "came_into_care", "on": "2025-02-03"})
    assert response.status_code == 201, response.json()["errors"]
    child.refresh_from_db()
    # First review within 20 working days of coming into care (IRO Handbook; cases/schedule.py).
    assert child.review_due_on == dt.date(2025, 3, 3)
    assert KeyDate.objects.get(child=child).recorded_by is None
    future = post(http, child, "key-dates", {"kind": "carer_change", "on": "2025-04-01"})
    assert future.status_code == 400 and future.json()["errors"][0]["pointer"] == "/on"


@time_machine.travel(TODAY, tick=False)
def test_a_review_held_starts_its_steps_for_the_childs_iro(make_client, child, iro):
    _, http = client_with(make_client, Scope.REVIEWS_WRITE)
    post(http, child, "key-dates", {"kind": "came_into_care", "on": "2025-01-06"})
    body = {"kind": "cic_review", "held_on": "2025-02-03"}
    key = {"Idempotency-Key": "review-2025-02-03"}
    response = post(http, child, "reviews", body, **key)
    assert response.status_code == 201, response.json()
    again = post(http, child, "reviews", body, **key)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    review = Review.objects.get(child=child)
    assert review.chair == iro and review.recorded_by is None
    assert ReviewStep.objects.filter(review=review, assignee=iro).exists()
    twice = post(http, child, "reviews", body)
    assert twice.status_code == 400
    assert [e["pointer"] for e in twice.json()["errors"]] == ["/held_on"]


def test_each_write_needs_its_own_scope(make_client, child):
    _, http = client_with(make_client, Scope.CHILDREN_WRITE)
    for what, body in (
        ("allocations", {"kind": "team", "team": child.team.name, "start_date": "2025-02-10"}),
        ("key-dates", {"kind": "came_into_care", "on": "2025-02-03"}),
        ("reviews", {"kind": "cic_review", "held_on": "2025-02-03"}),
    ):
        assert post(http, child, what, body).status_code == 403
        assert http.get(url(child, what)).status_code == 200


def test_a_restricted_child_is_not_found_unless_the_client_is_granted_restricted_records(
    make_client, restricted_child
):
    scopes = (Scope.ALLOCATIONS_WRITE, Scope.REVIEWS_WRITE)
    _, plain = client_with(make_client, *scopes)
    _, granted = client_with(make_client, *scopes, name="Granted", sees_restricted=True)
    body = {"kind": "came_into_care", "on": "2025-02-03"}
    assert plain.get(url(restricted_child, "key-dates")).status_code == 404
    assert post(plain, restricted_child, "key-dates", body).status_code == 404
    assert KeyDate.objects.filter(child=restricted_child).count() == 0
    assert granted.get(url(restricted_child, "key-dates")).status_code == 200
    assert post(granted, restricted_child, "key-dates", body).status_code == 201


def test_unknown_fields_and_a_missing_child_are_clear_errors(make_client, child):
    _, http = client_with(make_client, Scope.REVIEWS_WRITE)
    unknown = post(http, child, "reviews", {"kind": "cic_review", "held_on": "2025-02-03", "x": 1})
    assert [e["pointer"] for e in unknown.json()["errors"]] == ["/x"]
    missing = http.post("/api/v1/children/999999/reviews/", "{}", content_type="application/json")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
