"""What is waiting for each person, counted for their home page.

The core does not know tasks, concerns, QAPRs or reviews (they live in higher apps): each of
those apps registers a counter here in its `AppConfig.ready()`. A counter gives nothing for a
person whose roles do not do that work, and links to the list that shows exactly what it counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import User


@dataclass(frozen=True)
class Waiting:
    order: int  # where it sits on the home page
    title: str
    count: int
    url: str


Counter = Callable[[User], list[Waiting]]
_counters: list[Counter] = []


def register(counter: Counter) -> None:
    if counter not in _counters:
        _counters.append(counter)


def waiting_for(user: User) -> list[Waiting]:
    found = [item for counter in _counters for item in counter(user)]
    return sorted(found, key=lambda item: item.order)
