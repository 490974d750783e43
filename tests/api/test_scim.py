"""Issue 17, "must show": staff provisioned by SCIM 2.0 the way Microsoft Entra ID sends it
(the request bodies below are Entra ID's own shapes), the filter it checks with before creating,
the SCIM errors, scope refusals, the audit entries, and deactivation ending access at once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from auditlog.models import LogEntry
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ScimGroup, ScimPerson, Scope
from api.services import api_client_revoke, scim_group_map_role
from cases.selectors import child_queryset
from prp.models import RoleCode, User
from tests.api.conftest import KeyClient
from tests.factories import DEFAULT_PASSWORD, UserFactory

SCIM = "application/scim+json"
USERS = "/scim/v2/Users"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# What Entra ID posts for a new person (its default attribute mappings).
ENTRA_CREATE = {
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ],
    "externalId": "ajones",
    "userName": "Alex.Jones@council.gov.uk",
    "active": True,
    "displayName": "Alex Jones",
    "emails": [{"primary": True, "type": "work", "value": "Alex.Jones@council.gov.uk"}],
    "meta": {"resourceType": "User"},
    "name": {"formatted": "Alex Jones", "familyName": "Jones", "givenName": "Alex"},
    "title": "Social Worker",
    "phoneNumbers": [{"type": "work", "value": "01452 000000"}],
    "addresses": [{"type": "work", "formatted": "Shire Hall", "primary": True}],
    "roles": [{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "admin"}],
    ENTERPRISE: {"department": "Children in Care North", "employeeNumber": "1234"},
}
# Entra ID's updates: Replace in capitals, paths and none, a boolean as text.
ENTRA_UPDATE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [
        {"op": "Replace", "path": "title", "value": "Senior Social Worker"},
        {"op": "Replace", "path": "name.familyName", "value": "Jones-Smith"},
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "alex.js@council.gov.uk"},
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": "77"},
        {"op": "Remove", "path": f"{ENTERPRISE}:department"},
        {
            "op": "replace",
            "value": {"displayName": "Alex Jones-Smith", "userName": "alex.js@council.gov.uk"},
        },
    ],
}
ENTRA_DISABLE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
}


@pytest.fixture
def entra(make_client):
    client, key = make_client(Scope.PEOPLE_WRITE, name="Entra ID provisioning")
    return client, KeyClient(key)


def send(http, method, path, body=None):
    if body is None:
        return getattr(http, method)(path)
    return getattr(http, method)(path, json.dumps(body), content_type=SCIM)


def calls(client):
    return LogEntry.objects.filter(
        content_type__model="apiclient", object_id=client.pk, action=LogEntry.Action.ACCESS
    )


def test_entra_id_checks_creates_updates_and_deactivates_a_person(entra):
    client, http = entra
    check = http.get(USERS, {"filter": 'userName eq "alex.jones@council.gov.uk"'})
    assert check.status_code == 200 and check["Content-Type"] == SCIM
    assert check.json()["totalResults"] == 0 and check.json()["Resources"] == []

    made = send(http, "post", USERS, ENTRA_CREATE)
    assert made.status_code == 201, made.content
    body = made.json()
    person = User.objects.get(pk=body["id"])
    assert made["Location"].endswith(f"/scim/v2/Users/{person.pk}")
    assert (person.email, person.full_name, person.job_title) == (
        "alex.jones@council.gov.uk",
        "Alex Jones",
        "Social Worker",
    )
    assert person.is_active and not person.has_usable_password()
    # Entra's "roles" and department give nothing: no role, no team, no admin.
    assert not person.roles.exists() and person.team is None
    assert not person.is_staff and not person.is_superuser
    assert body["externalId"] == "ajones" and body["name"]["givenName"] == "Alex"
    assert body[ENTERPRISE]["department"] == "Children in Care North"

    found = http.get(USERS, {"filter": 'userName eq "Alex.Jones@council.gov.uk"'}).json()
    assert [r["id"] for r in found["Resources"]] == [str(person.pk)]
    by_external = http.get(USERS, {"filter": 'externalId eq "ajones"'}).json()
    assert by_external["totalResults"] == 1

    updated = send(http, "patch", f"{USERS}/{person.pk}", ENTRA_UPDATE)
    assert updated.status_code == 200, updated.content
    person.refresh_from_db()
    assert (person.email, person.full_name, person.job_title) == (
        "alex.js@council.gov.uk",
        "Alex Jones-Smith",
        "Senior Social Worker",
    )
    directory = ScimPerson.objects.get(user=person)
    assert (directory.family_name, directory.department, directory.manager) == (
        "Jones-Smith",
        "",
        "77",
    )
    assert person.line_manager is None  # the directory's manager moves no one here

    disabled = send(http, "patch", f"{USERS}/{person.pk}", ENTRA_DISABLE)
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    person.refresh_from_db()
    assert not person.is_active

    changes = LogEntry.objects.filter(content_type__model="user", object_id=person.pk)
    assert changes.count() == 3  # made, updated, deactivated
    assert {entry.actor_email for entry in changes} == {f"API client: {client.name}"}
    assert changes.latest("timestamp").changes_dict["is_active"] == ["True", "False"]
    assert [
        (c.additional_data["method"], c.additional_data["status"])
        for c in calls(client).order_by("pk")
    ] == [
        ("GET", 200),
        ("POST", 201),
        ("GET", 200),
        ("GET", 200),
        ("PATCH", 200),
        ("PATCH", 200),
    ]


def test_a_patch_without_a_path_and_a_put_are_read_as_entra_id_sends_them(entra):
    _, http = entra
    person_id = send(http, "post", USERS, ENTRA_CREATE).json()["id"]
    off = {
        "schemas": ENTRA_DISABLE["schemas"],
        "Operations": [{"op": "replace", "value": {"active": False}}],
    }
    assert send(http, "patch", f"{USERS}/{person_id}", off).json()["active"] is False
    again = {**ENTRA_CREATE, "active": "True", "title": "Team Manager"}
    put = send(http, "put", f"{USERS}/{person_id}", again)
    assert put.status_code == 200, put.content
    assert put.json()["active"] is True and put.json()["title"] == "Team Manager"


def test_a_user_name_already_held_is_a_409_uniqueness(entra, social_worker):
    _, http = entra
    taken = send(http, "post", USERS, {**ENTRA_CREATE, "userName": social_worker.email.upper()})
    assert taken.status_code == 409 and taken["Content-Type"] == SCIM
    assert taken.json() == {
        "schemas": [ERROR],
        "status": "409",
        "scimType": "uniqueness",
        "detail": "Someone here already has this userName (email address).",
    }
    other = send(http, "post", USERS, ENTRA_CREATE).json()["id"]
    rename = {"Operations": [{"op": "replace", "path": "userName", "value": social_worker.email}]}
    assert send(http, "patch", f"{USERS}/{other}", rename).status_code == 409


@pytest.mark.parametrize(
    "text",
    [
        'userName co "alex"',
        "userName eq alex",
        'nickName eq "x"',
        'userName eq "a" or id eq "1"',
        "",
    ],
)
def test_a_filter_it_cannot_read_is_a_400_invalid_filter(entra, text):
    _, http = entra
    response = http.get(USERS, {"filter": text} if text else {"filter": " "})
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"
    assert response.json()["schemas"] == [ERROR]


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ({"Operations": [{"op": "Replace", "path": "active", "value": "perhaps"}]}, "invalidValue"),
        ({"Operations": [{"op": "Move", "path": "title", "value": "x"}]}, "invalidSyntax"),
        ({"Operations": [{"op": "Replace", "path": "shoeSize", "value": "9"}]}, "invalidPath"),
        ({"Operations": []}, "invalidSyntax"),
        (
            {"Operations": [{"op": "Replace", "path": "userName", "value": "not an email"}]},
            "invalidValue",
        ),
        ({"Operations": [{"op": "Replace", "path": "title", "value": 7}]}, "invalidValue"),
    ],
)
def test_a_bad_patch_is_a_400_naming_the_problem(entra, social_worker, body, scim_type):
    _, http = entra
    response = send(http, "patch", f"{USERS}/{social_worker.pk}", body)
    assert response.status_code == 400 and response.json()["scimType"] == scim_type


def test_bad_json_and_an_unknown_id_are_scim_errors(entra):
    _, http = entra
    broken = http.post(USERS, "{not json", content_type=SCIM)
    assert broken.status_code == 400 and broken.json()["scimType"] == "invalidSyntax"
    missing = http.get(f"{USERS}/999999")
    assert missing.status_code == 404 and missing.json()["schemas"] == [ERROR]


def test_a_key_without_people_write_is_refused_with_403(make_client, social_worker):
    client, key = make_client(*(s for s in Scope.values if s != Scope.PEOPLE_WRITE))
    for method, path, body in (
        ("get", USERS, None),
        ("post", USERS, ENTRA_CREATE),
        ("patch", f"{USERS}/{social_worker.pk}", ENTRA_DISABLE),
        ("delete", f"{USERS}/{social_worker.pk}", None),
        ("get", "/scim/v2/ServiceProviderConfig", None),
    ):
        response = send(KeyClient(key), method, path, body)
        assert response.status_code == 403, (method, path)
        assert response.json()["detail"] == "This API key does not have the people:write scope."
    social_worker.refresh_from_db()
    assert social_worker.is_active
    assert [c.additional_data["status"] for c in calls(client)] == [403] * 5


@pytest.mark.parametrize("ended", ["revoked", "expired"])
def test_a_revoked_or_expired_key_is_refused_with_401(make_client, social_worker, ended):
    client, key = make_client(Scope.PEOPLE_WRITE)
    if ended == "revoked":
        api_client_revoke(client=client)
    else:
        client.expires_at = timezone.now() - dt.timedelta(seconds=1)
        client.save()
    for method, path, body in (("get", USERS, None), ("post", USERS, ENTRA_CREATE)):
        response = send(KeyClient(key), method, path, body)
        assert response.status_code == 401
        assert response.json()["schemas"] == [ERROR]
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert not User.objects.filter(email="alex.jones@council.gov.uk").exists()


@pytest.mark.parametrize("how", ["patch", "delete"])
def test_deactivating_ends_the_persons_access_and_sessions_at_once(
    entra, social_worker, child, how
):
    client, http = entra
    browser, elsewhere = Client(), Client()
    for session in (browser, elsewhere):
        session.force_login(social_worker)
    page = reverse("cases:child_detail", args=[child.pk])
    assert browser.get(page).status_code == 200
    someone_else = UserFactory(full_name="Kept Signed In")
    kept = Client()
    kept.force_login(someone_else)

    if how == "patch":
        response = send(http, "patch", f"{USERS}/{social_worker.pk}", ENTRA_DISABLE)
        assert response.status_code == 200
    else:
        assert http.delete(f"{USERS}/{social_worker.pk}").status_code == 204

    social_worker.refresh_from_db()
    assert not social_worker.is_active and User.objects.filter(pk=social_worker.pk).exists()
    sessions = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(social_worker.pk) not in sessions and str(someone_else.pk) in sessions
    for session in (browser, elsewhere):
        refused = session.get(page)
        assert refused.status_code == 302 and refused["Location"].startswith(reverse("login"))
    # Signing in again is refused too, and the allocation gives them nothing.
    again = Client().post(
        reverse("login"), {"username": social_worker.email, "password": DEFAULT_PASSWORD}
    )
    assert again.status_code == 200 and "_auth_user_id" not in again.wsgi_request.session
    assert not child_queryset(social_worker).exists()
    entry = LogEntry.objects.filter(content_type__model="user", object_id=social_worker.pk).latest(
        "timestamp"
    )
    assert entry.changes_dict["is_active"] == ["True", "False"]
    assert entry.actor_email == f"API client: {client.name}"
    # The person is still there for the records, marked inactive.
    assert http.get(f"{USERS}/{social_worker.pk}").json()["active"] is False


def test_an_administrators_account_may_be_ended_but_not_renamed_by_the_directory(entra):
    _, http = entra
    admin = UserFactory(full_name="Ann Admin", roles=[RoleCode.ADMINISTRATOR])
    rename = {"Operations": [{"op": "Replace", "path": "userName", "value": "x@council.gov.uk"}]}
    refused = send(http, "patch", f"{USERS}/{admin.pk}", rename)
    assert refused.status_code == 403 and refused.json()["schemas"] == [ERROR]
    assert send(http, "patch", f"{USERS}/{admin.pk}", ENTRA_DISABLE).status_code == 200
    admin.refresh_from_db()
    assert not admin.is_active
    back_on = {"Operations": [{"op": "Replace", "path": "active", "value": "True"}]}
    assert send(http, "patch", f"{USERS}/{admin.pk}", back_on).status_code == 403


def test_the_discovery_endpoints_describe_what_is_supported(entra):
    _, http = entra
    config = http.get("/scim/v2/ServiceProviderConfig").json()
    assert config["patch"]["supported"] and config["filter"]["supported"]
    assert not config["bulk"]["supported"]
    types = http.get("/scim/v2/ResourceTypes").json()
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    schemas = http.get("/scim/v2/Schemas").json()["Resources"]
    assert ENTERPRISE in {s["id"] for s in schemas}
    one = http.get(f"/scim/v2/Schemas/{ENTERPRISE}")
    assert one.status_code == 200 and one.json()["name"] == "EnterpriseUser"


# Groups ---------------------------------------------------------------------------------------

GROUPS = "/scim/v2/Groups"


def test_a_directory_group_gives_no_role_until_an_administrator_maps_one(entra, social_worker):
    client, http = entra
    newcomer = send(http, "post", USERS, ENTRA_CREATE).json()["id"]
    assert (
        http.get(GROUPS, {"filter": 'displayName eq "PRP Team Managers"'}).json()["totalResults"]
        == 0
    )
    made = send(
        http,
        "post",
        GROUPS,
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "PRP Team Managers",
            "externalId": "8c1d7a9e",
            "members": [],
        },
    )
    assert made.status_code == 201, made.content
    group = ScimGroup.objects.get(pk=made.json()["id"])
    add = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Add", "path": "members", "value": [{"value": newcomer}]}],
    }
    assert send(http, "patch", f"{GROUPS}/{group.pk}", add).status_code == 204
    person = User.objects.get(pk=newcomer)
    assert list(group.members.all()) == [person] and not person.roles.exists()

    scim_group_map_role(group=group, role_code=RoleCode.TEAM_MANAGER)
    assert set(User.objects.get(pk=newcomer).role_codes) == {RoleCode.TEAM_MANAGER}
    # Someone added later gets the mapped role; someone removed loses it.
    add["Operations"][0]["value"] = [{"value": str(social_worker.pk)}]
    send(http, "patch", f"{GROUPS}/{group.pk}", add)
    assert set(User.objects.get(pk=social_worker.pk).role_codes) == {
        RoleCode.SOCIAL_WORKER,
        RoleCode.TEAM_MANAGER,
    }
    remove = {"Operations": [{"op": "Remove", "path": f'members[value eq "{social_worker.pk}"]'}]}
    assert send(http, "patch", f"{GROUPS}/{group.pk}", remove).status_code == 204
    assert set(User.objects.get(pk=social_worker.pk).role_codes) == {RoleCode.SOCIAL_WORKER}

    listed = http.get(
        GROUPS,
        {"filter": 'displayName eq "PRP Team Managers"', "excludedAttributes": "members"},
    ).json()
    assert listed["totalResults"] == 1 and "members" not in listed["Resources"][0]
    assert http.get(f"{GROUPS}/{group.pk}").json()["members"] == [
        {"value": newcomer, "display": "Alex Jones"}
    ]
    assert http.delete(f"{GROUPS}/{group.pk}").status_code == 204
    assert not User.objects.get(pk=newcomer).roles.exists()
    roles = LogEntry.objects.filter(content_type__model="user", object_id=int(newcomer))
    assert any("roles" in entry.changes_dict for entry in roles)
    assert calls(client).filter(additional_data__path__startswith=GROUPS).count() == 8


def test_a_group_never_maps_to_the_administrators_role(entra):
    _, http = entra
    made = send(http, "post", GROUPS, {"displayName": "Admins"}).json()
    group = ScimGroup.objects.get(pk=made["id"])
    with pytest.raises(ValueError):
        scim_group_map_role(group=group, role_code=RoleCode.ADMINISTRATOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScimGroup.objects.filter(pk=group.pk).update(role_id=RoleCode.ADMINISTRATOR)


def test_a_group_name_already_held_is_a_409_and_an_unknown_member_a_400(entra):
    _, http = entra
    send(http, "post", GROUPS, {"displayName": "Social Workers"})
    taken = send(http, "post", GROUPS, {"displayName": "social workers"})
    assert taken.status_code == 409 and taken.json()["scimType"] == "uniqueness"
    stranger = send(http, "post", GROUPS, {"displayName": "IROs", "members": [{"value": "999999"}]})
    assert stranger.status_code == 400 and stranger.json()["scimType"] == "invalidValue"


def test_scim_is_outside_the_openapi_schema_and_describes_itself(client):
    # The schemathesis run reads /api/schema/: SCIM is not in it (RFC 7643 schemas instead).
    schema = client.get("/api/schema/?format=json").json()
    assert schema["paths"] and not [path for path in schema["paths"] if "scim" in path.lower()]


@pytest.mark.parametrize("people", [2, 12])
def test_listing_people_and_groups_takes_the_same_queries_however_many(
    entra, django_assert_max_num_queries, people
):
    _, http = entra
    ids = [
        send(http, "post", USERS, {**ENTRA_CREATE, "userName": f"p{n}@council.gov.uk"}).json()["id"]
        for n in range(people)
    ]
    for n in range(people):
        send(
            http,
            "post",
            GROUPS,
            {"displayName": f"Group {n}", "members": [{"value": i} for i in ids]},
        )
    with django_assert_max_num_queries(8):
        assert http.get(USERS).json()["totalResults"] >= people
    with django_assert_max_num_queries(9):
        assert len(http.get(GROUPS).json()["Resources"]) == people


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        {**ENTRA_CREATE, "userName": 7},
        {**ENTRA_CREATE, "name": "Alex Jones"},
        {**ENTRA_CREATE, "emails": "alex@council.gov.uk"},
        {**ENTRA_CREATE, "displayName": "x" * 151},
        {**ENTRA_CREATE, "externalId": "x" * 201},
        {**ENTRA_CREATE, "active": None, "userName": ""},
        {**ENTRA_CREATE, "userName": "ſam@council.gov.uk"},
        {"displayName": "Nobody"},
    ],
)
def test_bad_input_is_a_400_in_scims_error_form_never_a_500(entra, body):
    _, http = entra
    response = send(http, "post", USERS, body)
    assert response.status_code == 400, response.content
    assert response.json()["schemas"] == [ERROR]
    assert not User.objects.filter(full_name__startswith="Alex").exists()
    group = send(http, "post", GROUPS, body if isinstance(body, dict) else {"members": body})
    assert group.status_code in (201, 400) and group.status_code != 500
