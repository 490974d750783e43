"""Issue 17: children created and updated by the case-management system."""

from __future__ import annotations

import json

from auditlog.models import LogEntry

from api.models import Scope
from cases.models import Child
from tests.api.conftest import KeyClient

CHILDREN = "/api/v1/children/"
NEW = {
    "reference": "CMS-0042",
    "first_name": "Amara",
    "last_name": "Okafor",
    "date_of_birth": "2016-05-01",
    "status": "child_in_care",
    "legal_status": "section_20",
}


def post(http, body, **headers):
    return http.post(CHILDREN, json.dumps(body), content_type="application/json", headers=headers)


def patch(http, child, body, **headers):
    return http.patch(
        f"{CHILDREN}{child.pk}/", json.dumps(body), content_type="application/json", headers=headers
    )


def writer(make_client):
    client, key = make_client(Scope.CHILDREN_READ, Scope.CHILDREN_WRITE)
    return client, KeyClient(key)


def test_a_child_is_created_and_the_change_names_the_client(make_client, db):
    client, http = writer(make_client)
    response = post(http, NEW)
    assert response.status_code == 201, response.json()
    child = Child.objects.get(reference="CMS-0042")
    assert response["ETag"] == '"0"'
    created = LogEntry.objects.get(content_type__model="child", object_id=child.pk, action=0)
    assert created.actor_email == f"API client: {client.name}"


def test_the_same_idempotency_key_makes_the_child_once(make_client, db):
    _, http = writer(make_client)
    first = post(http, NEW, **{"Idempotency-Key": "abc-1"})
    again = post(http, NEW, **{"Idempotency-Key": "abc-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Child.objects.filter(reference="CMS-0042").count() == 1
    other = post(http, {**NEW, "first_name": "Leo"}, **{"Idempotency-Key": "abc-1"})
    assert other.status_code == 422


def test_an_update_needs_the_version_read_and_a_stale_one_is_a_412(make_client, child):
    _, http = writer(make_client)
    version = http.get(f"{CHILDREN}{child.pk}/")["ETag"]
    assert patch(http, child, {"first_name": "Maya"}).status_code == 428
    updated = patch(http, child, {"first_name": "Maya"}, **{"If-Match": version})
    assert updated.status_code == 200 and updated.json()["first_name"] == "Maya"
    stale = patch(http, child, {"first_name": "Zara"}, **{"If-Match": version})
    assert stale.status_code == 412 and stale["Content-Type"] == "application/problem+json"
    child.refresh_from_db()
    assert child.first_name == "Maya"


def test_bad_input_is_a_400_problem_with_each_field(make_client, db):
    _, http = writer(make_client)
    unknown = post(http, {**NEW, "nickname": "A"})
    assert unknown.status_code == 400
    assert [error["pointer"] for error in unknown.json()["errors"]] == ["/nickname"]
    wrong = post(http, {**NEW, "date_of_birth": "yesterday", "status": 7})
    assert {error["pointer"] for error in wrong.json()["errors"]} == {"/date_of_birth", "/status"}
    malformed = http.post(CHILDREN, "{not json", content_type="application/json")
    assert malformed.status_code == 400 and malformed["Content-Type"] == "application/problem+json"
    assert post(http, ["a list"]).status_code == 400
    assert not Child.objects.exists()


def test_a_reference_already_held_is_a_400_on_the_field(make_client, child):
    _, http = writer(make_client)
    response = post(http, {**NEW, "reference": child.reference})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/reference"


def test_writing_needs_the_write_scope(make_client, child):
    _, key = make_client(Scope.CHILDREN_READ)
    response = post(KeyClient(key), NEW)
    assert response.status_code == 403 and "children:write" in response.json()["detail"]


def test_a_restricted_child_cannot_be_changed_by_a_client_not_granted_them(
    make_client, restricted_child
):
    _, http = writer(make_client)
    response = patch(http, restricted_child, {"first_name": "X"}, **{"If-Match": '"0"'})
    assert response.status_code == 404
