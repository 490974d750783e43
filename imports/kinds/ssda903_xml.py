"""The SSDA903 return as one XML file: the same header, episodes and reviews as the CSV set,
one CHILD element each (EXPSSDA903 > CHILD > HEADER with its AREVIEW reviews, and EPISODE).

The file is read into the CSV set's three tables, with the CSV set's column names, and planned
by the same planner (ssda903.plan_ssda903): the two give the same children, key dates and
reviews. A row's number is the line its element starts on.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from ..reading import Table
from ..xmlfile import Items
from . import Column, Kind
from .ssda903 import EPISODES, HEADER, REVIEWS, plan_ssda903

ROOTS = ("EXPSSDA903", "SSDA903")
# The CSV set's column for each element, where the names differ.
ELEMENT = {"CHILD": "CHILDID", "PLACE": "PL"}


def _text(items: Items, element: Element | None, column: str) -> str:
    found = items.found(element, ELEMENT.get(column, column))
    if found is None and column in ELEMENT:
        found = items.found(element, column)  # some systems use the CSV name
    return found.text if found is not None else ""


def read(name: str, data: bytes) -> list[Table]:
    items = Items(name, data, roots=ROOTS, item="CHILD", what="an SSDA903 return")
    header, episodes, reviews = (
        Table(name=name, columns=[c.name for c in columns], xml=True)
        for columns in (HEADER, EPISODES, REVIEWS)
    )
    for child in items:
        head = child.find("HEADER")
        reference = _text(items, head, "CHILD")
        header.rows.append(
            (
                items.line(head if head is not None else child),
                {c: _text(items, head, c) for c in header.columns},
            )
        )
        if not reference:
            continue  # the header's row says the id is missing
        for episode in child.iter("EPISODE"):
            values = {c: _text(items, episode, c) for c in episodes.columns}
            episodes.rows.append((items.line(episode), values | {"CHILD": reference}))
        for review in child.iter("AREVIEW"):
            values = {c: _text(items, review, c) for c in reviews.columns}
            reviews.rows.append((items.line(review), values | {"CHILD": reference}))
    return [header, episodes, reviews]


SSDA903_XML = Kind(
    code="ssda903_xml",
    label="SSDA903 return as one XML file",
    summary="The return's XML file: for each CHILD its HEADER (with the reviews held, AREVIEW) "
    "and its EPISODE elements. It is read exactly as the CSV set is.",
    columns=(
        Column("CHILDID", "In HEADER: the child's id (the case-management person id).", "", True),
        Column("DOB", "In HEADER: date of birth, like 31/03/2016.", "31/03/2016", True),
        Column("SEX", "In HEADER: 1 (male) or 2 (female).", "1"),
        *(c for c in EPISODES[1:] if c.name != "PLACE"),
        Column("PL", "In EPISODE: placement type (A3 to A6: placed for adoption).", "U1"),
        Column("REVIEW", "In HEADER's AREVIEW: the date a review was held.", "15/05/2024"),
        Column("REVIEW_CODE", "In AREVIEW: how the child took part (PN0 to PN7).", "PN1"),
    ),
    plan=plan_ssda903,
    read=read,
    xml=True,
)
