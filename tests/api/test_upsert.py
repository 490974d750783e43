"""Issue 17: the case-management system sends up to 1,000 children in one request, by reference:
the new made, the changed updated with the version read, the unchanged left alone; all or
nothing, never a silent overwrite."""

from __future__ import annotations

import json

from auditlog.models import LogEntry

from api.models import Scope
from cases.models import Child
from tests.api.conftest import KeyClient

UPSERT = "/api/v1/children/upsert/"


def person(number: int, **changes) -> dict:
    return {
        "reference": f"CMS-{number:05d}",
        "first_name": f"Child{number}",
        "last_name": "Example",
        "date_of_birth": "2015-06-01",
        "status": "child_in_care",
        "legal_status": "section_20",
        **changes,
    }


def send(http, children, **headers):
    body = json.dumps({"children": children})
    return http.post(UPSERT, body, content_type="application/json", headers=headers)


def writer(make_client, **options):
    _, key = make_client(Scope.CHILDREN_READ, Scope.CHILDREN_WRITE, **options)
    return KeyClient(key)


def test_a_thousand_children_are_made_in_one_request_and_sent_again_change_nothing(make_client, db):
    http = writer(make_client)
    children = [person(n) for n in range(1000)]
    first = send(http, children)
    assert first.status_code == 200, first.content[:500]
    assert (first.json()["created"], first.json()["updated"]) == (1000, 0)
    assert Child.objects.filter(reference__startswith="CMS-").count() == 1000
    entries = LogEntry.objects.count()
    again = send(http, children)
    assert again.json()["unchanged"] == 1000
    assert LogEntry.objects.count() == entries + 1  # only the call itself is written down


def test_a_changed_child_needs_the_version_read_and_a_stale_one_refuses_the_whole_request(
    make_client, db
):
    http = writer(make_client)
    made = send(http, [person(1), person(2)]).json()["children"]
    renamed = person(1, first_name="Maya")
    without = send(http, [renamed, person(3)])
    assert without.status_code == 428
    assert [e["pointer"] for e in without.json()["errors"]] == ["/children/0/version"]
    assert not Child.objects.filter(reference="CMS-00003").exists()  # all or nothing
    done = send(http, [{**renamed, "version": made[0]["version"]}, person(3)])
    assert done.status_code == 200, done.json()
    assert [row["result"] for row in done.json()["children"]] == ["updated", "created"]
    stale = send(http, [{**person(1, first_name="Zara"), "version": made[0]["version"]}])
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert Child.objects.get(reference="CMS-00001").first_name == "Maya"


def test_bad_items_are_named_by_their_place_and_nothing_is_written(make_client, db):
    http = writer(make_client)
    response = send(
        http,
        [person(1), person(2, date_of_birth="soon", nickname="A"), person(1)],
    )
    assert response.status_code == 400
    # An unknown field is refused before the item's values are read.
    assert [error["pointer"] for error in response.json()["errors"]] == ["/children/1/nickname"]
    wrong = send(http, [person(1), person(2, date_of_birth="soon")])
    assert [error["pointer"] for error in wrong.json()["errors"]] == ["/children/1/date_of_birth"]
    future = send(http, [person(1), person(2, date_of_birth="2090-01-01")])
    assert future.status_code == 400
    assert [error["pointer"] for error in future.json()["errors"]] == ["/children/1/date_of_birth"]
    twice = send(http, [person(1), person(1)])
    assert [e["pointer"] for e in twice.json()["errors"]] == ["/children/1/reference"]
    assert send(http, []).status_code == 400
    assert send(http, [person(n) for n in range(1001)]).status_code == 400
    assert not Child.objects.filter(reference__startswith="CMS-").exists()


def test_a_restricted_child_is_not_revealed_or_changed(make_client, restricted_child):
    http = writer(make_client)
    sent = person(1, reference=restricted_child.reference, first_name="Changed")
    response = send(http, [sent])
    assert response.status_code == 400
    assert response.json()["errors"][0]["detail"] == "child with this reference already exists."
    restricted_child.refresh_from_db()
    assert restricted_child.first_name != "Changed"
    granted = writer(make_client, name="Granted", sees_restricted=True)
    sent["version"] = restricted_child.lock_version
    assert send(granted, [sent]).json()["updated"] == 1
    restricted_child.refresh_from_db()
    assert restricted_child.restricted and restricted_child.first_name == "Changed"


def test_upserting_needs_the_write_scope(make_client, db):
    _, key = make_client(Scope.CHILDREN_READ)
    assert send(KeyClient(key), [person(1)]).status_code == 403
