"""The kinds of import: their columns (the template and its guide) and their planner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..plans import Plan
from ..reading import Table


@dataclass(frozen=True)
class Column:
    name: str
    guide: str
    example: str = ""
    required: bool = False


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    summary: str
    columns: tuple[Column, ...]
    plan: Callable[[list[Table]], Plan]
    # A return of several files (the SSDA903 CSV set): each told apart by its columns.
    files: tuple[tuple[str, tuple[Column, ...]], ...] = ()
    # A workbook of several sheets (Annex A): its own reader, one table per sheet.
    read: Callable[[str, bytes], list[Table]] | None = None
    # An XML return (the CIN census, the SSDA903 as one file): its elements, not a template.
    xml: bool = False

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def optional(self) -> list[str]:
        return [c.name for c in self.columns if not c.required]


def all_kinds() -> dict[str, Kind]:
    from . import annex_a, children, cin_census, ssda903, ssda903_xml, staff

    kinds = (
        staff.TEAMS,
        staff.PEOPLE,
        children.CHILDREN,
        children.ALLOCATIONS,
        ssda903.SSDA903,
        ssda903_xml.SSDA903_XML,
        cin_census.CIN_CENSUS,
        annex_a.ANNEX_A,
    )
    return {kind.code: kind for kind in kinds}
