"""A directory group as SCIM's Group resource (RFC 7643 section 4.2), and the changes Entra ID
sends: members added and removed by id (`{"op": "Add", "path": "members", "value": [{"value":
"12"}]}`, `{"op": "Remove", "path": "members[value eq \"12\"]"}`), the name replaced."""

from __future__ import annotations

import re

from prp.models import User

from ..models import ScimGroup
from .errors import ScimError, invalid_value
from .patch import operations

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
FILTERS = {"displayname": "displayName", "externalid": "externalId", "id": "id"}
ONE_MEMBER = re.compile(r'^members\[\s*value\s+eq\s+"([^"]*)"\s*\]$', re.IGNORECASE)


def resource(group: ScimGroup, location: str, *, with_members=True) -> dict:
    body = {
        "schemas": [GROUP],
        "id": str(group.pk),
        "displayName": group.display_name,
        "meta": {
            "resourceType": "Group",
            "created": group.created_at.isoformat(),
            "location": location,
        },
    }
    if group.external_id:
        body["externalId"] = group.external_id
    if with_members:
        body["members"] = [
            {"value": str(person.pk), "display": person.full_name} for person in group.members.all()
        ]
    return body


def state_of(group: ScimGroup) -> dict:
    return {
        "displayName": group.display_name,
        "externalId": group.external_id,
        "members": {str(pk) for pk in group.members.values_list("pk", flat=True)},
    }


def blank() -> dict:
    return {"displayName": None, "externalId": "", "members": set()}


def _text(name: str, value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid_value(f"{name} takes text.")
    return value.strip()


def _ids(value) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise invalid_value('members takes a list like [{"value": "12"}].')
    return {str(item.get("value", "")).strip() for item in value}


def assign(state: dict, path: str, value, op: str) -> None:
    path = path.strip()
    key = path.lower().removeprefix(f"{GROUP.lower()}:")
    if key == "displayname":
        state["displayName"] = _text("displayName", value)
    elif key == "externalid":
        state["externalId"] = _text("externalId", value)
    elif key == "members":
        ids = _ids(value)
        if op == "add":
            state["members"] |= ids
        elif op == "remove":
            state["members"] = state["members"] - ids if value is not None else set()
        else:
            state["members"] = ids
    elif (one := ONE_MEMBER.match(path)) and op == "remove":
        state["members"].discard(one[1])
    else:
        raise ScimError(400, f"This service has no group attribute {path}.", "invalidPath")


def from_resource(data, state: dict) -> dict:
    if not isinstance(data, dict):
        raise ScimError(400, "Send a Group resource as a JSON object.", "invalidSyntax")
    for name, value in data.items():
        if isinstance(name, str) and name.lower() not in ("id", "meta", "schemas"):
            assign(state, name, value, "replace")
    return state


def from_patch(data, state: dict) -> dict:
    for op, path, value in operations(data):
        assign(state, path, value, op)
    return state


def fields(state: dict) -> dict:
    """What the group becomes: its name, its external id and its members, each one a person
    here (an id this service gave)."""
    name = state["displayName"]
    if not name:
        raise invalid_value("displayName is required.")
    limit = ScimGroup._meta.get_field("display_name").max_length
    if len(name) > limit or len(state["externalId"]) > limit:
        raise invalid_value(f"displayName and externalId are at most {limit} characters.")
    ids = state["members"]
    if not all(pk.isdigit() and len(pk) < 19 for pk in ids):
        raise invalid_value("A member's value is the id this service gave the person.")
    members = list(User.objects.filter(pk__in=[int(pk) for pk in ids]))
    if len(members) != len(ids):
        raise invalid_value("A member's value is the id this service gave the person.")
    return {"display_name": name, "external_id": state["externalId"], "members": members}
