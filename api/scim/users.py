"""A person as SCIM's User resource (RFC 7643 section 4.1, with the enterprise extension), and
the changes a directory sends, read the way Entra ID sends them: operation names in any case,
paths or none, booleans as "True" and "False", attributes this service does not keep (phone
numbers, addresses) accepted and left alone.

A User is worked on as a flat `state` (`userName`, `givenName`, `active`...): a POST or PUT
fills it from the resource sent, a PATCH applies each operation to the person's state now, and
both end in `account_fields` and `directory_fields`, checked the same way."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from prp.email_address import is_plain, normalise_email
from prp.models import User

from ..models import ScimPerson
from .errors import ScimError, invalid_value
from .patch import operations

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

# Lower-cased paths a directory may send, to the state's own names.
PATHS = {
    "username": "userName",
    "displayname": "displayName",
    "title": "title",
    "externalid": "externalId",
    "active": "active",
    "name.givenname": "givenName",
    "name.familyname": "familyName",
    "name.formatted": "formatted",
    'emails[type eq "work"].value': "workEmail",
    f"{ENTERPRISE.lower()}:department": "department",
    f"{ENTERPRISE.lower()}:manager": "manager",
}
# Attributes with parts: a value for one of these is a set of values for its parts.
COMPLEX = {"name": "name.", ENTERPRISE.lower(): f"{ENTERPRISE.lower()}:"}
# Standard attributes this service does not keep: accepted, and not stored. `roles` and
# `groups` among them: a role here comes only from a directory group an administrator mapped.
NOT_KEPT = {
    "nickname",
    "profileurl",
    "usertype",
    "preferredlanguage",
    "locale",
    "timezone",
    "phonenumbers",
    "addresses",
    "ims",
    "photos",
    "entitlements",
    "roles",
    "groups",
    "x509certificates",
    "password",
    "name.middlename",
    "name.honorificprefix",
    "name.honorificsuffix",
    *(
        f"{ENTERPRISE.lower()}:{part}"
        for part in ("employeenumber", "costcenter", "organization", "division")
    ),
}
READ_ONLY = {"id", "meta", "schemas"}
TEXT = {"userName", "displayName", "title", "externalId", "givenName", "familyName", "formatted"}
TEXT |= {"workEmail", "department", "manager"}
TRUE, FALSE = {"true"}, {"false"}
# The filters Entra ID sends before it creates a person.
FILTERS = {"username": "userName", "externalid": "externalId", "id": "id"}


def blank() -> dict:
    return dict.fromkeys(set(PATHS.values())) | {"active": True}


def state_of(person: User) -> dict:
    directory = _directory(person)
    given, _, family = person.full_name.partition(" ")
    return {
        "userName": person.email,
        "displayName": person.full_name,
        "formatted": None,
        "title": person.job_title,
        "externalId": directory.external_id if directory else "",
        "active": person.is_active,
        "givenName": directory.given_name if directory else given,
        "familyName": directory.family_name if directory else family,
        "workEmail": person.email,
        "department": directory.department if directory else "",
        "manager": directory.manager if directory else "",
    }


def _directory(person: User) -> ScimPerson | None:
    try:
        return person.scim
    except ScimPerson.DoesNotExist:
        return None


def resource(person: User, location: str) -> dict:
    """The person as a SCIM User."""
    state = state_of(person)
    body = {
        "schemas": [USER, ENTERPRISE],
        "id": str(person.pk),
        "userName": person.email,
        "name": {
            "givenName": state["givenName"],
            "familyName": state["familyName"],
            "formatted": person.full_name,
        },
        "displayName": person.full_name,
        "title": person.job_title,
        "active": person.is_active,
        "emails": [{"value": person.email, "type": "work", "primary": True}],
        ENTERPRISE: {"department": state["department"]},
        "meta": {
            "resourceType": "User",
            "created": person.date_joined.isoformat(),
            "location": location,
        },
    }
    if state["externalId"]:
        body["externalId"] = state["externalId"]
    if state["manager"]:
        body[ENTERPRISE]["manager"] = {"value": state["manager"]}
    return body


# Reading what was sent --------------------------------------------------------------------------


def from_resource(data, state: dict) -> dict:
    """`state` with every attribute of a User resource (POST, PUT) set from it."""
    if not isinstance(data, dict):
        raise ScimError(400, "Send a User resource as a JSON object.", "invalidSyntax")
    for name, value in data.items():
        if not isinstance(name, str) or name.lower() in READ_ONLY:
            continue
        assign(state, name, value, "replace")
    return state


def from_patch(data, state: dict) -> dict:
    """`state` with a PatchOp's operations applied in order."""
    for op, path, value in operations(data):
        assign(state, path, None if op == "remove" else value, op)
    return state


def _normal(path: str) -> str:
    path = re.sub(r"\s+", " ", path.strip().lower())
    path = path.removeprefix(f"{USER.lower()}:")
    return re.sub(r"\[\s*type eq \"work\"\s*\]", '[type eq "work"]', path)


def assign(state: dict, path: str, value, op: str) -> None:
    path = _normal(path)
    if path in PATHS:
        key = PATHS[path]
        state[key] = _value(key, value, op)
    elif path in COMPLEX:
        if value is None:
            for inner, key in PATHS.items():
                if inner.startswith(COMPLEX[path]):
                    state[key] = None
            return
        if not isinstance(value, dict):
            raise invalid_value(f"{path} takes an object.")
        for name, part in value.items():
            assign(state, f"{COMPLEX[path]}{name}", part, op)
    elif path == "emails":
        state["workEmail"] = _work_email(value)
    elif path.split("[")[0].split(".")[0] in NOT_KEPT or path in NOT_KEPT:
        return
    elif path.startswith("emails["):
        return  # another kind of address than work: the account has one, its userName
    else:
        raise ScimError(400, f"This service has no attribute {path}.", "invalidPath")


def _value(key: str, value, op: str):
    if op == "remove" or value is None:
        return True if key == "active" else None
    if key == "active":
        return _boolean(value)
    if key == "manager" and isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        value = value[0].get("value")  # Entra ID sometimes sends [{"value": "..."}]
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_value(f"{key} takes text.")
    return value.strip()


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
        return value.strip().lower() in TRUE
    raise invalid_value("active is true or false.")


def _work_email(value):
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise invalid_value("emails takes a list of objects.")
    for item in sorted(
        value, key=lambda item: (item.get("type") != "work", not item.get("primary"))
    ):
        return _value("workEmail", item.get("value"), "replace")
    return None


# What the account becomes ---------------------------------------------------------------------


def account_fields(state: dict) -> dict:
    """The account's fields from a state, checked: the sign-in address is the userName."""
    email = state["userName"]
    if not email:
        raise invalid_value("userName is required: the person's work email address.")
    if not is_plain(email):
        raise invalid_value("userName may use only the letters a to z, numbers and . _ - + @.")
    try:
        validate_email(email)
    except ValidationError:
        raise invalid_value("userName is the person's work email address.") from None
    names = " ".join(part for part in (state["givenName"], state["familyName"]) if part)
    full_name = state["displayName"] or state["formatted"] or names or email
    fields = {
        "email": normalise_email(email),
        "full_name": full_name,
        "job_title": state["title"] or "",
        "is_active": state["active"],
    }
    for name, limit in (("full_name", 150), ("job_title", 150)):
        if len(fields[name]) > limit:
            raise invalid_value(f"{name} is at most {limit} characters.")
    return fields


def directory_fields(state: dict) -> dict:
    fields = {
        "external_id": state["externalId"] or "",
        "given_name": state["givenName"] or "",
        "family_name": state["familyName"] or "",
        "department": state["department"] or "",
        "manager": state["manager"] or "",
    }
    for name, value in fields.items():
        limit = ScimPerson._meta.get_field(name).max_length
        if len(value) > limit:
            raise invalid_value(f"{name} is at most {limit} characters.")
    return fields
