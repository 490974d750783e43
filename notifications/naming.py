"""How emails name children: EMAIL_CHILD_NAMES (README, "Configuration").

Many councils' email policies forbid a child's name in an email, which may be forwarded, read
on a phone or kept in a mailbox for years. Every email kind's templates name a child through
`child.full_name` (or the child itself); the outbox gives them the child wrapped in
`NamedInEmail`, so the setting decides what those print, in subjects and bodies alike. Pages of
the service are not affected: they show the child as always.

- "full": the child's full name, "Amara Okafor".
- "initials" (the default): initials and case reference, "A.O. (LCS000123)".
- "reference": the case reference alone, "child LCS000123".
"""

from __future__ import annotations

from django.conf import settings

STYLES = ("full", "initials", "reference")


def child_name(child) -> str:
    """The child as an email names them."""
    style = settings.EMAIL_CHILD_NAMES
    if style == "full":
        return child.full_name
    if style == "reference":
        return f"child {child.reference}"
    names = (child.first_name, child.last_name)
    initials = "".join(f"{name[0].upper()}." for name in names if name)
    return f"{initials} ({child.reference})"


class NamedInEmail:
    """A child as an email's templates see them: every way of printing their name follows the
    setting; everything else (status, titles, ids) is the child's own."""

    def __init__(self, child):
        self._child = child

    def __getattr__(self, name):
        return getattr(self._child, name)

    @property
    def full_name(self) -> str:
        return child_name(self._child)

    first_name = last_name = full_name

    def __str__(self) -> str:
        return self.full_name


def _is_child(value) -> bool:
    meta = getattr(value, "_meta", None)
    return meta is not None and meta.label_lower == "cases.child"


def for_email(context: dict) -> dict:
    """The message's context with its children wrapped, so no template can print a name the
    setting forbids: `child`, `children`, and any other value that is a child (for example the
    child an IRO Service Manager is told about, `reviewed_child`)."""
    named = dict(context)
    for key, value in context.items():
        if _is_child(value) and not isinstance(value, NamedInEmail):
            named[key] = NamedInEmail(value)
    if context.get("children"):
        named["children"] = [NamedInEmail(child) for child in context["children"]]
    return named
