"""Issue 17, "must show": each scope against each endpoint, restricted children, revoked and
expired keys, and the audit entry every call writes."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from api.models import Scope
from api.services import api_client_revoke
from tests.api.conftest import KeyClient
from tests.builders import raised_concern

R, W, C = Scope.CHILDREN_READ, Scope.CHILDREN_WRITE, Scope.CONCERNS_READ
A, V = Scope.ALLOCATIONS_WRITE, Scope.REVIEWS_WRITE
P = Scope.PEOPLE_WRITE
# endpoint: (method, path, body, the one scope that opens it, status when open)
ENDPOINTS = {
    "list children": ("get", "/api/v1/children/", None, R, 200),
    "read a child": ("get", "/api/v1/children/{child}/", None, R, 200),
    "create a child": ("post", "/api/v1/children/", "new", W, 201),
    "update a child": ("patch", "/api/v1/children/{child}/", {"first_name": "Noah"}, W, 200),
    "list allocations": ("get", "/api/v1/children/{child}/allocations/", None, R, 200),
    "allocate": ("post", "/api/v1/children/{child}/allocations/", "team", A, 201),
    "list key dates": ("get", "/api/v1/children/{child}/key-dates/", None, R, 200),
    "record a key date": (
        "post",
        "/api/v1/children/{child}/key-dates/",
        {"kind": "came_into_care", "on": "2025-01-06"},
        V,
        201,
    ),
    "list reviews": ("get", "/api/v1/children/{child}/reviews/", None, R, 200),
    "record a review": (
        "post",
        "/api/v1/children/{child}/reviews/",
        {"kind": "cic_review", "held_on": "2025-02-03"},
        V,
        201,
    ),
    "list concerns": ("get", "/api/v1/concerns/", None, C, 200),
    "read the figures": ("get", "/api/v1/figures/", None, Scope.FIGURES_READ, 200),
    "read a concern": ("get", "/api/v1/concerns/{concern}/", None, C, 200),
    # SCIM provisioning of staff: every call needs people:write.
    "SCIM: find people": ("get", "/scim/v2/Users?filter=userName+eq+%22a%40b.uk%22", None, P, 200),
    "SCIM: read a person": ("get", "/scim/v2/Users/{worker}", None, P, 200),
    "SCIM: create a person": ("post", "/scim/v2/Users", "person", P, 201),
    "SCIM: update a person": (
        "patch",
        "/scim/v2/Users/{worker}",
        {"Operations": [{"op": "Replace", "path": "title", "value": "Senior Social Worker"}]},
        P,
        200,
    ),
    "SCIM: replace a person": ("put", "/scim/v2/Users/{worker}", "worker", P, 200),
    "SCIM: deactivate a person": ("delete", "/scim/v2/Users/{worker}", None, P, 204),
    "SCIM: list groups": ("get", "/scim/v2/Groups", None, P, 200),
    "SCIM: create a group": ("post", "/scim/v2/Groups", {"displayName": "IROs"}, P, 201),
    "SCIM: configuration": ("get", "/scim/v2/ServiceProviderConfig", None, P, 200),
    "SCIM: resource types": ("get", "/scim/v2/ResourceTypes", None, P, 200),
    "SCIM: schemas": ("get", "/scim/v2/Schemas", None, P, 200),
}
SCOPES = [*Scope.values, None]
NEW = {
    "reference": "CMS-9",
    "first_name": "Isla",
    "last_name": "Grant",
    "date_of_birth": "2014-02-02",
    "status": "child_in_care",
}


def call(http, endpoint, child, concern):
    method, path, body, _, _ = ENDPOINTS[endpoint]
    path = path.format(child=child.pk, concern=concern.pk, worker=child.social_worker_id)
    if body == "new":
        body = NEW
    elif body == "person":
        body = {"userName": "new.person@council.gov.uk", "active": True, "displayName": "New"}
    elif body == "worker":
        body = {"userName": child.social_worker.email, "active": True, "displayName": "Sam W"}
    elif body == "team":
        body = {"kind": "team", "team": child.team.name, "start_date": "2025-02-10"}
    if body is None:
        return getattr(http, method)(path)
    headers = {"If-Match": f'"{child.lock_version}"'} if method == "patch" else {}
    return getattr(http, method)(
        path, json.dumps(body), content_type="application/json", headers=headers
    )


@pytest.mark.parametrize(("scope", "endpoint"), list(itertools.product(SCOPES, ENDPOINTS)))
def test_each_scope_opens_its_endpoints_and_no_other(
    make_client, child, raised_concern, scope, endpoint
):
    client, key = make_client(*([scope] if scope else []))
    response = call(KeyClient(key), endpoint, child, raised_concern)
    *_, needed, opened = ENDPOINTS[endpoint]
    assert response.status_code == (opened if scope == needed else 403), response.content
    call_entry = LogEntry.objects.get(
        content_type__model="apiclient", object_id=client.pk, action=LogEntry.Action.ACCESS
    )
    assert call_entry.additional_data["status"] == response.status_code
    assert call_entry.actor_email == f"API client: {client.name}"


@pytest.mark.parametrize("endpoint", ["read a child", "update a child", "read a concern"])
def test_a_restricted_child_is_404_unless_the_client_is_granted_restricted_records(
    make_client, gloucestershire, restricted_child, iro, team_manager, endpoint
):
    restricted_child.named_users.add(team_manager)
    concern = raised_concern(iro, restricted_child, team_manager)
    _, plain = make_client(*Scope.values, name="Plain")
    _, granted = make_client(*Scope.values, name="Granted", sees_restricted=True)
    assert call(KeyClient(plain), endpoint, restricted_child, concern).status_code == 404
    assert call(KeyClient(granted), endpoint, restricted_child, concern).status_code == 200
    refused = LogEntry.objects.filter(content_type__model="child", object_id=restricted_child.pk)
    assert not refused.filter(additional_data__client="Plain").exists()


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("ended", ["revoked", "expired"])
def test_a_revoked_or_expired_key_opens_nothing(
    make_client, child, raised_concern, endpoint, ended
):
    expires = timezone.now() + dt.timedelta(seconds=1 if ended == "expired" else 3600)
    client, key = make_client(*Scope.values, expires_at=expires)
    if ended == "revoked":
        api_client_revoke(client=client)
    else:
        client.expires_at = timezone.now() - dt.timedelta(seconds=1)
        client.save()
    response = call(KeyClient(key), endpoint, child, raised_concern)
    assert response.status_code == 401
    scim = ENDPOINTS[endpoint][1].startswith("/scim/")
    assert response["Content-Type"] == (
        "application/scim+json" if scim else "application/problem+json"
    )
