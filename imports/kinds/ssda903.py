"""The SSDA903 return (children looked after) as its CSV set: header, episodes and reviews.

Column names and codes are the Department for Education's (as in Social Finance's liiatools
schema for 2024). The return carries no names: children are matched by the case-management id
(CHILD) already loaded from the children file; one found only here is made with a placeholder
name ("Child 1234567") and listed for a person to complete.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from cases import services as cases
from cases.models import Child, ChildStatus, KeyDate, Review

from ..legal import LS_CODES, NEW_CARER, PLACED_FOR_ADOPTION, RNE_CODES, STILL_IN_CARE
from ..plans import Plan, Row, batches, bulk, rows
from ..reading import Problem, Table
from ..values import Invalid, date, optional_date
from . import Column, Kind

HEADER = (
    Column("CHILD", "The child's id (the case-management person id).", "1234567", True),
    Column("SEX", "1 (male) or 2 (female).", "1"),
    Column("DOB", "Date of birth, like 31/03/2016.", "31/03/2016", True),
)
EPISODES = (
    Column("CHILD", "The child's id.", "1234567", True),
    Column("DECOM", "The date the episode started.", "01/04/2024", True),
    Column("RNE", "Reason for the new episode: S, L, P, T, B or U.", "S", True),
    Column("LS", "Legal status: C1, C2, D1, E1, V2, V3, V4, L1, L2, L3, J1, J2, J3.", "C2", True),
    Column("PLACE", "Placement type (A3 to A6: placed for adoption).", "U1"),
    Column("DEC", "The date the episode ended, if it has.", ""),
    Column("REC", "Reason the episode ended (X1: a new episode started).", ""),
)
REVIEWS = (
    Column("CHILD", "The child's id.", "1234567", True),
    Column("REVIEW", "The date the review was held.", "15/05/2024", True),
    Column("REVIEW_CODE", "How the child took part (PN0 to PN7).", "PN1"),
)
FILES = (("header", HEADER), ("episodes", EPISODES), ("reviews", REVIEWS))
# What tells each file of the set apart.
MARKS = {"header": "SEX", "episodes": "DECOM", "reviews": "REVIEW"}


def which_file(columns: list[str]) -> str | None:
    for name, mark in MARKS.items():
        if mark in columns:
            return name
    return None


@dataclass
class Record:
    """What the return says about one child."""

    row: int
    dob: dt.date
    legal_status: str | None = None
    in_care: bool = True
    key_dates: set = field(default_factory=set)
    reviews: set = field(default_factory=set)


def plan_ssda903(tables: list[Table]) -> Plan:
    plan = Plan()
    by_file = {which_file(t.columns): t for t in tables}
    for name in ("header", "episodes"):
        if name not in by_file:
            plan.problems.append(
                Problem("SSDA903", None, None, "", f"The {name} file of the set is missing.")
            )
    if not plan.ok:
        return plan
    records = _header(by_file["header"], plan)
    _episodes(by_file["episodes"], records, plan)
    if "reviews" in by_file:
        _reviews(by_file["reviews"], records, plan)
    if plan.ok:
        _compare(records, plan)
    return plan


def _header(table: Table, plan: Plan) -> dict[str, Record]:
    records = {}
    for row, child in rows(table, plan, "CHILD", "child"):
        dob = row.get("DOB", date, required=True)
        if row.ok:
            records[child] = Record(row=row.number, dob=dob)
    return records


def _code(allowed, what):
    def parse(text):
        code = text.strip().upper()
        if code not in allowed:
            raise Invalid(f"This is not an SSDA903 {what} code.")
        return code

    return parse


def _episodes(table: Table, records: dict[str, Record], plan: Plan) -> None:
    episodes = defaultdict(list)
    for number, values in table.rows:
        row = Row(table, number, values, plan)
        child = row.get("CHILD", required=True)
        start = row.get("DECOM", date, required=True)
        rne = row.get("RNE", _code(RNE_CODES, "reason for new episode"), required=True)
        ls = row.get("LS", _code(LS_CODES, "legal status"), required=True)
        end = row.get("DEC", optional_date)
        if child and child not in records:
            row.problem("CHILD", "This child is not in the header file.")
        if start and end and end < start:
            row.problem("DEC", "The episode ends before it starts.")
        if row.ok:
            episodes[child].append((start, rne, ls, values.get("PLACE", "").upper(), end, values))
    for child, items in episodes.items():
        _key_dates(records[child], sorted(items, key=lambda item: item[0]))


def _key_dates(record: Record, episodes: list) -> None:
    Kinds = KeyDate.Kind
    for start, rne, ls, place, _end, _values in episodes:
        if rne == "S":
            record.key_dates.add((Kinds.CAME_INTO_CARE, start))
        elif rne in NEW_CARER:
            record.key_dates.add((Kinds.CARER_CHANGE, start))
        if ls == "E1" and not any(k == Kinds.PLACEMENT_ORDER for k, _ in record.key_dates):
            record.key_dates.add((Kinds.PLACEMENT_ORDER, start))
        if place in PLACED_FOR_ADOPTION and not any(
            k == Kinds.PLACED_FOR_ADOPTION for k, _ in record.key_dates
        ):
            record.key_dates.add((Kinds.PLACED_FOR_ADOPTION, start))
    *_, (_, _, ls, _, end, values) = episodes
    record.legal_status = LS_CODES[ls][1]
    if end and values.get("REC", "").strip().upper() != STILL_IN_CARE:
        record.in_care = False
        record.key_dates.add((Kinds.LEFT_CARE, end))


def _reviews(table: Table, records: dict[str, Record], plan: Plan) -> None:
    for number, values in table.rows:
        row = Row(table, number, values, plan)
        child = row.get("CHILD", required=True)
        held = row.get("REVIEW", date, required=True)
        if child and child not in records:
            row.problem("CHILD", "This child is not in the header file.")
        elif row.ok:
            record = records[child]
            if held < record.dob:
                row.problem("REVIEW", "The review is before the child's date of birth.")
            else:
                record.reviews.add((Review.Kind.CIC_REVIEW, held))


def known_history(children) -> dict[int, tuple[set, set]]:
    """Each stored child's key dates and reviews held, as (kind, date) pairs, in two queries.
    (Not prefetched onto the children: the schedule, worked out again after the import's
    writes, must read what is stored then, not a cache from before them.)"""
    known = {child.pk: (set(), set()) for child in children}
    for child_id, kind, on in KeyDate.objects.filter(child__in=list(known)).values_list(
        "child_id", "kind", "on"
    ):
        known[child_id][0].add((kind, on))
    for child_id, kind, held_on in Review.objects.filter(child__in=list(known)).values_list(
        "child_id", "kind", "held_on"
    ):
        known[child_id][1].add((kind, held_on))
    return known


def _compare(records: dict[str, Record], plan: Plan) -> None:
    for batch in batches(records.items()):
        references = [reference for reference, _ in batch]
        stored = {c.reference: c for c in Child.objects.filter(reference__in=references)}
        known = known_history(stored.values())
        for reference, record in batch:
            _compare_one(plan, reference, record, stored.get(reference), known)
    in_care = Child.objects.filter(status=ChildStatus.CHILD_IN_CARE, archived_at__isnull=True)
    plan.not_in_extract = sorted(set(in_care.values_list("reference", flat=True)) - set(records))


def _compare_one(plan: Plan, reference: str, record: Record, child, known) -> None:
    wanted = {"date_of_birth": record.dob, "legal_status": record.legal_status}
    if record.in_care:
        wanted["status"] = ChildStatus.CHILD_IN_CARE
    plan_child_with_history(
        plan, reference, child, wanted, record, known, placeholder=_placeholder, write=_write
    )


def plan_child_with_history(plan, reference, child, wanted, record, known, *, placeholder, write):
    """One child of a return against what is held (the SSDA903 and the CIN census alike): a
    new child made under a placeholder name, a held one given the details, key dates and
    reviews it lacks, or counted unchanged. In batches when bulk() is on, else one at a time
    through `write`."""
    if child is None:
        plan.placeholders.append(f"Child {reference}")
        if bulk():
            new = cases.NewChild(
                reference,
                placeholder(reference, wanted),
                key_dates=record.key_dates,
                reviews=record.reviews,
            )
            plan.create_many(_load, new)
        else:
            plan.create(write(None, reference, wanted, record))
        return
    changes = {k: v for k, v in wanted.items() if getattr(child, k) != v}
    known_dates, known_reviews = known[child.pk]
    if changes or record.key_dates - known_dates or record.reviews - known_reviews:
        if bulk():
            item = (child.pk, changes, record.key_dates, record.reviews)
            plan.update_many(_load_history, item)
        else:
            plan.update(write(child, reference, changes, record))
    else:
        plan.same()


def _placeholder(reference: str, changes: dict) -> dict:
    """A child found only in the return: named "Child 1234567", for a person to complete."""
    return {
        "first_name": "Child",
        "last_name": reference,
        "status": changes.get("status", ChildStatus.CHILD_IN_CARE),
        **{k: v for k, v in changes.items() if k != "status"},
    }


def _load(items, by):
    cases.children_load(rows=items, by=by)


def _load_history(items, by):
    cases.children_add_history(items=items, by=by)


def _write(child, reference, changes, record):
    def write(by):
        target = child
        if target is None:
            target = cases.child_create(
                reference=reference, by=by, **_placeholder(reference, changes)
            )
        elif changes:
            target = cases.child_update_details(child=target, by=by, **changes)
        added = cases.child_record_history(
            child=target, by=by, key_dates=record.key_dates, reviews=record.reviews
        )
        if not any(added):  # else the history's service worked the schedule out already
            cases.child_refresh_schedule(child=target)

    return write


SSDA903 = Kind(
    code="ssda903",
    label="SSDA903 return (children looked after)",
    summary="The CSV set of the return: the header, episodes and reviews files, together.",
    columns=HEADER + EPISODES[1:] + REVIEWS[1:],
    plan=plan_ssda903,
    files=FILES,
)
