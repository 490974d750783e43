"""Issue 17: API clients, their keys, the read endpoints and the problem+json errors."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from api.models import ApiClient, Scope
from api.services import api_client_revoke, api_client_rotate
from tests.api.conftest import KeyClient

CHILDREN = "/api/v1/children/"
CONCERNS = "/api/v1/concerns/"
PROBLEM = "application/problem+json"


def test_the_key_is_stored_only_as_a_hash(make_client):
    client, key = make_client(Scope.CHILDREN_READ)
    stored = ApiClient.objects.get(pk=client.pk)
    assert key not in (stored.key_hash, stored.key_prefix)
    assert key.startswith(f"prp_{stored.key_prefix}_")


def test_children_are_listed_with_a_cursor_and_the_call_is_audited(make_client, child):
    client, key = make_client(Scope.CHILDREN_READ)
    response = KeyClient(key).get(CHILDREN)
    assert response.status_code == 200
    body = response.json()
    assert [row["reference"] for row in body["results"]] == [child.reference]
    assert set(body) == {"next", "previous", "results"}
    call = LogEntry.objects.get(content_type__model="apiclient", object_id=client.pk, action=3)
    assert call.additional_data["path"] == CHILDREN and call.additional_data["status"] == 200
    viewed = LogEntry.objects.get(content_type__model="child", object_id=child.pk, action=3)
    assert viewed.actor_email == f"API client: {client.name}"
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_updated_since_gives_only_what_changed_after(make_client, child, restricted_child):
    _, key = make_client(Scope.CHILDREN_READ, sees_restricted=True)
    later = timezone.now() + dt.timedelta(hours=1)
    with time_machine.travel(later + dt.timedelta(minutes=5)):
        child.first_name = "Changed"
        child.save()
    response = KeyClient(key).get(CHILDREN, {"updated_since": later.isoformat()})
    assert [row["id"] for row in response.json()["results"]] == [child.pk]


def test_a_bad_updated_since_is_a_400_naming_the_field(make_client, child):
    _, key = make_client(Scope.CHILDREN_READ)
    response = KeyClient(key).get(CHILDREN, {"updated_since": "last tuesday"})
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["pointer"] == "/updated_since"


def test_pages_follow_the_cursor_to_the_end(make_client, team):
    from tests.factories import ChildFactory

    ChildFactory.create_batch(5)
    _, key = make_client(Scope.CHILDREN_READ)
    http, seen, url = KeyClient(key), [], f"{CHILDREN}?page_size=2"
    while url:
        body = http.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 5


def test_a_restricted_child_is_hidden_unless_the_client_is_granted_them(
    make_client, child, restricted_child
):
    _, plain = make_client(Scope.CHILDREN_READ, name="Plain")
    _, granted = make_client(Scope.CHILDREN_READ, name="Granted", sees_restricted=True)
    ids = lambda key: {row["id"] for row in KeyClient(key).get(CHILDREN).json()["results"]}  # noqa: E731
    assert ids(plain) == {child.pk}
    assert ids(granted) == {child.pk, restricted_child.pk}
    assert KeyClient(plain).get(f"{CHILDREN}{restricted_child.pk}/").status_code == 404


def test_concerns_come_with_their_stages_and_tasks(make_client, raised_concern, child):
    _, key = make_client(Scope.CONCERNS_READ)
    response = KeyClient(key).get(CONCERNS)
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["children"] == [child.reference]
    assert row["stages"] and "tasks" in row["stages"][0]


def test_a_concern_about_a_restricted_child_is_hidden_unless_granted(
    make_client, gloucestershire, restricted_child, iro
):
    from escalations.services import concern_create_draft

    draft = concern_create_draft(raised_by=iro, children=[restricted_child], title="Hidden")
    _, key = make_client(Scope.CONCERNS_READ)
    assert KeyClient(key).get(CONCERNS).json()["results"] == []
    assert KeyClient(key).get(f"{CONCERNS}{draft.pk}/").status_code == 404


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer nonsense", "Bearer prp_000000000000_wrong", "Basic abc:def"],
)
def test_a_missing_or_bad_key_is_a_401_problem(client, child, header):
    response = client.get(CHILDREN, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_a_revoked_key_stops_at_once(make_client, child):
    client, key = make_client(Scope.CHILDREN_READ)
    api_client_revoke(client=client)
    response = KeyClient(key).get(CHILDREN)
    assert response.status_code == 401
    assert "revoked or has expired" in response.json()["detail"]


def test_an_expired_key_is_refused(make_client, child):
    _, key = make_client(Scope.CHILDREN_READ, expires_at=timezone.now() + dt.timedelta(days=1))
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        assert KeyClient(key).get(CHILDREN).status_code == 401


def test_rotating_a_key_ends_the_old_one(make_client, child):
    client, old = make_client(Scope.CHILDREN_READ)
    new = api_client_rotate(client=client)
    assert KeyClient(old).get(CHILDREN).status_code == 401
    assert KeyClient(new).get(CHILDREN).status_code == 200


def test_a_missing_scope_is_a_403_that_names_it_and_is_audited(make_client, child):
    client, key = make_client(Scope.CONCERNS_READ)
    response = KeyClient(key).get(CHILDREN)
    assert response.status_code == 403
    assert "children:read" in response.json()["detail"]
    call = LogEntry.objects.get(content_type__model="apiclient", object_id=client.pk, action=3)
    assert call.additional_data["status"] == 403


def test_a_signed_in_person_gets_no_api_by_their_session(client, service_manager, child):
    client.force_login(service_manager)
    assert client.get(CHILDREN).status_code == 401


def test_over_the_rate_limit_is_a_429_with_retry_after(make_client, child, settings):
    from django.core.cache import cache

    cache.clear()
    settings.API_RATE_LIMIT = "2/minute"
    _, key = make_client(Scope.CHILDREN_READ)
    http = KeyClient(key)
    assert [http.get(CHILDREN).status_code for _ in range(3)] == [200, 200, 429]
    response = http.get(CHILDREN)
    assert response["Content-Type"] == PROBLEM and int(response["Retry-After"]) > 0


def test_the_admin_shows_the_key_once_and_rotates_and_revokes(client, superuser_or_admin):
    client.force_login(superuser_or_admin)
    response = client.post(
        reverse("admin:api_apiclient_add"),
        {
            "name": "Power BI",
            "owner": superuser_or_admin.pk,
            "scopes": [Scope.FIGURES_READ],
            "expires_at_0": "2030-01-01",
            "expires_at_1": "00:00:00",
        },
        follow=True,
    )
    assert "copy it now" in response.content.decode()
    registered = ApiClient.objects.get(name="Power BI")
    assert registered.scopes == [Scope.FIGURES_READ]
    changelist = reverse("admin:api_apiclient_changelist")
    for action in ("rotate_keys", "revoke_keys"):
        client.post(changelist, {"action": action, "_selected_action": [registered.pk]})
    registered.refresh_from_db()
    assert registered.revoked_at is not None
