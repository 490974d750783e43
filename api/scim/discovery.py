"""What this service provider supports (RFC 7644 section 4): the configuration, the resource
types and the schemas of the attributes it keeps."""

from __future__ import annotations

from django.urls import reverse

from .users import ENTERPRISE, USER

SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"


def _url(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(f"scim:{name}", args=args))


def service_provider_config(request) -> dict:
    return {
        "schemas": [CONFIG],
        "documentationUri": request.build_absolute_uri("/api/docs/"),
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": 200},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "API key",
                "description": "Authorization: Bearer <an API client's key with people:write>",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": _url(request, "config")},
    }


def resource_types(request) -> list[dict]:
    return [
        {
            "schemas": [RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A member of staff",
            "schema": USER,
            "schemaExtensions": [{"schema": ENTERPRISE, "required": False}],
            "meta": {"resourceType": "ResourceType", "location": _url(request, "type", "User")},
        },
        {
            "schemas": [RESOURCE_TYPE],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A directory group; an administrator maps it to a role",
            "schema": GROUP,
            "meta": {"resourceType": "ResourceType", "location": _url(request, "type", "Group")},
        },
    ]


def _attribute(name: str, *, kind="string", required=False, multi=False, sub=None, **extra):
    attribute = {
        "name": name,
        "type": kind,
        "multiValued": multi,
        "required": required,
        "caseExact": False,
        "mutability": extra.pop("mutability", "readWrite"),
        "returned": "default",
        "uniqueness": extra.pop("uniqueness", "none"),
        **extra,
    }
    if sub:
        attribute["subAttributes"] = sub
    return attribute


def schemas(request) -> list[dict]:
    user = [
        _attribute("userName", required=True, uniqueness="server", description="Work email"),
        _attribute(
            "name",
            kind="complex",
            sub=[_attribute("givenName"), _attribute("familyName"), _attribute("formatted")],
        ),
        _attribute("displayName"),
        _attribute("title"),
        _attribute("active", kind="boolean"),
        _attribute(
            "emails",
            kind="complex",
            multi=True,
            sub=[_attribute("value"), _attribute("type"), _attribute("primary", kind="boolean")],
            description="The work address; the account has one, its userName",
        ),
        _attribute("externalId", caseExact=True),
    ]
    enterprise = [
        _attribute("department"),
        _attribute("manager", kind="complex", sub=[_attribute("value")]),
    ]
    group = [
        _attribute("displayName", required=True, uniqueness="server"),
        _attribute(
            "members",
            kind="complex",
            multi=True,
            sub=[_attribute("value"), _attribute("display", mutability="readOnly")],
        ),
        _attribute("externalId", caseExact=True),
    ]
    return [
        _schema(request, USER, "User", "A member of staff", user),
        _schema(request, ENTERPRISE, "EnterpriseUser", "What the directory says", enterprise),
        _schema(request, GROUP, "Group", "A directory group", group),
    ]


def _schema(request, urn: str, name: str, description: str, attributes: list) -> dict:
    return {
        "schemas": [SCHEMA],
        "id": urn,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": _url(request, "schema", urn)},
    }
