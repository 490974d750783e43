"""A PatchOp's operations (RFC 7644 section 3.5.2), read the way Entra ID sends them: `op` in
any case ("Replace", "Add", "Remove"), with a path, or without one and a value naming the
attributes."""

from __future__ import annotations

from collections.abc import Iterator

from .errors import ScimError


def operations(data) -> Iterator[tuple[str, str, object]]:
    """(op, path, value) for each change, in order; an operation without a path gives one for
    each attribute its value names."""
    sent = data.get("Operations") if isinstance(data, dict) else None
    if not isinstance(sent, list) or not sent:
        raise ScimError(400, "Send Operations: a list of add, replace or remove.", "invalidSyntax")
    for operation in sent:
        if not isinstance(operation, dict):
            raise ScimError(400, "Each operation is a JSON object.", "invalidSyntax")
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "replace", "remove"):
            raise ScimError(400, "An operation's op is add, replace or remove.", "invalidSyntax")
        path, value = operation.get("path"), operation.get("value")
        if path is None:
            if not isinstance(value, dict):
                raise ScimError(400, "Without a path, the value names the attributes.", "noTarget")
            for name, part in value.items():
                yield op, str(name), part
        elif isinstance(path, str):
            yield op, path, value
        else:
            raise ScimError(400, "A path is text.", "invalidPath")
