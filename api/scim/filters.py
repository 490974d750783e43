"""SCIM filters (RFC 7644 section 3.4.2.2), as far as a provisioning service sends them:
`attribute eq "value"`, joined by `and`. Entra ID asks `userName eq "x"` before it creates a
person, `externalId eq "x"` and `displayName eq "x"` for a group. Anything else is refused
with `invalidFilter`, never read as "everything"."""

from __future__ import annotations

import json
import re

from .errors import ScimError

COMPARISON = re.compile(
    r'\s*(?P<attribute>[A-Za-z][\w.:-]*)\s+(?P<op>eq)\s+(?P<value>"(?:[^"\\]|\\.)*"|true|false)\s*',
    re.IGNORECASE,
)
AND = re.compile(r"and\b", re.IGNORECASE)


def invalid(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


def parse(text: str, attributes: dict[str, str]) -> dict[str, object]:
    """{field: value} from a filter, the attribute names (any case) mapped by `attributes`
    (lower-cased SCIM name to the name the caller looks up)."""
    found: dict[str, object] = {}
    position = 0
    while True:
        match = COMPARISON.match(text, position)
        if match is None:
            raise invalid('Filter like userName eq "someone@example.gov.uk".')
        name = match["attribute"].lower()
        name = name.removeprefix("urn:ietf:params:scim:schemas:core:2.0:user:")
        name = name.removeprefix("urn:ietf:params:scim:schemas:core:2.0:group:")
        if name not in attributes:
            raise invalid(f"Cannot filter on {match['attribute']}.")
        value = match["value"]
        try:
            found[attributes[name]] = json.loads(value if value.startswith('"') else value.lower())
        except ValueError:
            raise invalid("The value is not a proper string.") from None
        position = match.end()
        if position == len(text):
            return found
        joined = AND.match(text, position)
        if joined is None:
            raise invalid("Join comparisons with and.")
        position = joined.end()
