"""Reminders and chases about things dealt with after they were queued are not sent.

The sender asks, just before it sends a message, whether it is still needed. The outbox does not
know what the messages are about: the app that queues a kind of reminder registers, from its
AppConfig.ready(), the check for that kind (reminders.stale). A kind with no check is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Check = Callable[[str, str], bool]
_checks: dict[str, Check] = {}


def register(kinds: Iterable[str], check: Check) -> None:
    """`check(kind, key)` says whether a message of one of `kinds` with that key still holds."""
    for kind in kinds:
        _checks[kind] = check


def still_needed(kind: str, key: str) -> bool:
    check = _checks.get(kind)
    return True if check is None else check(kind, key)
