"""Records in higher apps that a concern came from (a QAPR that raised it), for its page.

Escalations sits below qapr and does not import it: qapr registers a finder here in its
`AppConfig.ready()`. Each finder applies its own visibility rule to the person looking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prp.models import User


@dataclass(frozen=True)
class Related:
    text: str
    url: str


Finder = Callable[[User, int], list[Related]]
_finders: list[Finder] = []


def register(finder: Finder) -> None:
    if finder not in _finders:
        _finders.append(finder)


def related_to(user: User, concern_id: int) -> list[Related]:
    return [item for finder in _finders for item in finder(user, concern_id)]
