"""What an import would do, worked out before anything is written.

A planner reads the files' rows, checks every cell, compares each record with what is stored
and returns a Plan: the counts (to create, to update, unchanged), every problem by file, row
and column, and the writes to make. The writes are functions that call the apps' services;
nothing runs them until the person confirms (services.import_confirm), and then all of them
run in one transaction, so a file with a problem writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .reading import Problem, Table
from .values import Invalid

Write = Callable[[object], None]  # called with the person confirming (or None for a job)


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
    writes: list[Write] = field(default_factory=list)
    later: list[Write] = field(default_factory=list)  # after every record exists

    def create(self, write: Write) -> None:
        self.created += 1
        self.writes.append(write)

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
