"""What an import would do, worked out before anything is written.

A planner reads the files' rows, checks every cell, compares each record with what is stored
and returns a Plan: the counts (to create, to update, unchanged), every problem by file, row
and column, and the writes to make. The writes are functions that call the apps' services;
nothing runs them until the person confirms (services.import_confirm), and then all of them
run in one transaction, so a file with a problem writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings

from .reading import Problem, Table
from .values import Invalid

Write = Callable[[object], None]  # called with the person confirming (or None for a job)
# Writes many new records at once: called with a batch of them and the person confirming.
Load = Callable[..., None]


@dataclass
class _Writing:
    """An import being confirmed: its new records are written batch by batch as they are
    planned, inside the import's transaction (undone if any problem is found later), so the
    plan never holds more than a batch of them."""

    by: object
    plan: Plan | None = None


_writing: ContextVar[_Writing | None] = ContextVar("import_writing", default=None)


@contextmanager
def writing(by):
    """Plans made inside write their new records as they go (see _Writing)."""
    state = _Writing(by)
    token = _writing.set(state)
    try:
        yield state
    finally:
        _writing.reset(token)


def bulk() -> bool:
    """Whether new records are written in batches (settings.IMPORTS_BULK)."""
    return settings.IMPORTS_BULK


def batches(items: Iterable, size: int | None = None) -> Iterator[list]:
    """The items in lists of `size` (settings.IMPORTS_BATCH), read as they come."""
    items = iter(items)
    size = size or settings.IMPORTS_BATCH
    while batch := list(islice(items, size)):
        yield batch


@dataclass
class Plan:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Records stored here that a full extract did not list: for a person to decide about.
    not_in_extract: list[str] = field(default_factory=list)
    # Children made from a return, which carries no names: for a person to complete.
    placeholders: list[str] = field(default_factory=list)
    # Records in the file left out on purpose, each with why: for a person to know of.
    left_out: list[str] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    later: list[Write] = field(default_factory=list)  # after every record exists
    # New records written in batches, before the writes: (load, items) in the order added.
    loads: dict[Load, list] = field(default_factory=dict)

    def create(self, write: Write) -> None:
        self.created += 1
        self.writes.append(write)

    def __post_init__(self):
        self._writing = _writing.get()
        if self._writing is not None:
            self._writing.plan = self  # the kind's plan, made after import_plan's own

    def create_many(self, load: Load, item) -> None:
        """A new record written with others by `load(items, by)` (see cases.children_load).
        Only counted for a preview; written a batch at a time when the import is confirmed."""
        self.created += 1
        self._keep(load, item)

    def update_many(self, load: Load, item) -> None:
        """A change written with others by `load(items, by)` (see cases.children_add_history)."""
        self.updated += 1
        self._keep(load, item)

    def _keep(self, load: Load, item) -> None:
        if self._writing is None or self.problems:
            return  # a preview, or a plan that will not be imported: nothing to keep
        items = self.loads.setdefault(load, [])
        items.append(item)
        if len(items) >= settings.IMPORTS_BATCH:
            load(items, self._writing.by)
            items.clear()

    def run_loads(self, by) -> None:
        """Write the new records still waiting (the last batch of each)."""
        for load, items in self.loads.items():
            if items:
                load(items, by)
                items.clear()

    def update(self, write: Write) -> None:
        self.updated += 1
        self.writes.append(write)

    def same(self) -> None:
        self.unchanged += 1

    @property
    def ok(self) -> bool:
        return not self.problems


class Row:
    """One row being checked: each cell read through a parser, problems added to the plan."""

    def __init__(self, table: Table, number: int, values: dict[str, str], plan: Plan):
        self.table, self.number, self.values, self.plan = table, number, values, plan
        self.problems = 0

    def problem(self, column: str | None, message: str, value: str | None = None) -> None:
        found = self.values.get(column, "") if value is None and column else value
        self.plan.problems.append(self.table.problem(self.number, column, found, message))
        self.problems += 1

    def get(self, column: str, parse: Callable | None = None, *, required: bool = False):
        text = self.values.get(column, "").strip()
        if not text:
            if required:
                self.problem(column, "This cell is empty: enter a value.")
            return None
        if parse is None:
            return text
        try:
            return parse(text)
        except Invalid as error:
            self.problem(column, str(error))
            return None

    @property
    def ok(self) -> bool:
        return self.problems == 0


def rows(table: Table, plan: Plan, key: str, what: str):
    """Each row of the table, with its key; a key seen on an earlier row is a problem."""
    seen: dict[str, int] = {}
    for number, values in table.rows:
        row = Row(table, number, values, plan)
        value = row.get(key, required=True)
        if value is not None:
            norm = value.lower()
            if norm in seen:
                row.problem(key, f"This {what} is also on row {seen[norm]}.")
            else:
                seen[norm] = number
        yield row, value
