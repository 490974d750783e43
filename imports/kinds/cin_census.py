"""The Children in Need census (the Department for Education's XML return): each child's child
protection plans, the conferences that made and reviewed them, and the section 47 enquiries.

Element names are the DfE's (Message > Children > Child > ChildIdentifiers, CINdetails >
Section47, ChildProtectionPlans > Reviews). For each plan:
- its start (CPPstartDate, the day the initial conference made it) is the initial child
  protection conference held;
- each CPPreviewDate is a review conference held;
- its end (CPPendDate) is the key date "child protection plan ended";
- the section 47 enquiry whose initial conference (DateOfInitialCPC) is the plan's start gives
  the strategy discussion (S47ActualStartDate, the day the enquiry began after it).
A child on a plan with no end is on a child protection plan here; one whose plans have all
ended is a child in need (a child in care stays in care). A child in need with no plan is read
for errors but not imported: the service schedules the conferences of plans.

The census carries no names: children are matched by LAchildID (the case-management id already
loaded from the children file); one found only here is made with a placeholder name ("Child
1234567") and listed for a person to complete.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cases import services as cases
from cases.models import Child, ChildStatus, KeyDate, LegalStatus, Review

from ..plans import Plan
from ..reading import Table
from ..values import Invalid, date
from ..xmlfile import Found, Items
from . import Column, Kind
from .ssda903 import known_history, plan_child_with_history

ROOT, ITEM = "Message", "Child"

COLUMNS = (
    Column(
        "LAchildID",
        "In ChildIdentifiers: the child's id (the case-management person id).",
        "1234567",
        True,
    ),
    Column(
        "PersonBirthDate",
        "In ChildIdentifiers: date of birth, like 2016-03-31. An unborn child has "
        "ExpectedPersonBirthDate instead: their plans are imported once the child is held here "
        "(from the children file, after the birth); until then they are listed as not imported.",
        "",
        True,
    ),
    Column(
        "CPPstartDate",
        "In ChildProtectionPlans: the day the plan started (the initial conference).",
        "2025-01-14",
        True,
    ),
    Column("CPPendDate", "In ChildProtectionPlans: the day the plan ended, if it has.", ""),
    Column("CPPreviewDate", "In the plan's Reviews: each review conference held.", "2025-04-10"),
    Column(
        "S47ActualStartDate",
        "In Section47: the day the enquiry started. Recorded as the strategy discussion of the "
        "plan whose start is the enquiry's DateOfInitialCPC.",
        "2024-12-20",
    ),
    Column("DateOfInitialCPC", "In Section47: the day of the initial conference.", "2025-01-14"),
)


@dataclass(slots=True)
class CensusPlan:
    line: int
    start: Found | None
    end: Found | None
    reviews: list[Found] = field(default_factory=list)


@dataclass(slots=True)
class CensusChild:
    line: int
    id: Found | None
    dob: Found | None
    expected: Found | None = None  # an unborn child's expected date of birth
    plans: list[CensusPlan] = field(default_factory=list)
    enquiries: list[tuple[Found | None, Found | None]] = field(default_factory=list)


@dataclass
class Census(Table):
    """The census as read: a child's plans kept with the child (it is not a flat table)."""

    children: list[CensusChild] = field(default_factory=list)


def read(name: str, data: bytes) -> list[Table]:
    items = Items(name, data, roots=(ROOT,), item=ITEM, what="a CIN census")
    census = Census(name=name, columns=[c.name for c in COLUMNS], xml=True)
    for element in items:
        ids = element.find("ChildIdentifiers")
        child = CensusChild(
            line=items.line(element),
            id=items.found(ids, "LAchildID"),
            dob=items.found(ids, "PersonBirthDate"),
            expected=items.found(ids, "ExpectedPersonBirthDate"),
        )
        for details in element.iterfind("CINdetails"):
            for s47 in details.iterfind("Section47"):
                child.enquiries.append(
                    (items.found(s47, "S47ActualStartDate"), items.found(s47, "DateOfInitialCPC"))
                )
            for cpp in details.iterfind("ChildProtectionPlans"):
                child.plans.append(
                    CensusPlan(
                        line=items.line(cpp),
                        start=items.found(cpp, "CPPstartDate"),
                        end=items.found(cpp, "CPPendDate"),
                        reviews=items.all(cpp, "Reviews/CPPreviewDate"),
                    )
                )
        census.children.append(child)
    return [census]


@dataclass
class Record:
    """What the census says about one child on a plan."""

    line: int
    dob: dt.date | None  # None: an unborn child
    on_plan: bool = False
    key_dates: set = field(default_factory=set)
    reviews: set = field(default_factory=set)


class _Checker:
    """Reads an element's text through a parser; a problem names the file, line and element."""

    def __init__(self, census: Census, plan: Plan):
        self.census, self.plan = census, plan
        self.problems = 0

    def problem(self, line: int | None, element: str, value: str, message: str) -> None:
        self.plan.problems.append(self.census.problem(line, element, value, message))
        self.problems += 1

    def get(self, found: Found | None, element: str, parse=None, *, required=False, line=0):
        if found is None or not found.text:
            if required:
                where = found.line if found is not None else line
                self.problem(where, element, "", f"The {element} element is missing or empty.")
            return None
        if parse is None:
            return found.text
        try:
            return parse(found.text)
        except Invalid as error:
            self.problem(found.line, element, found.text, str(error))
            return None


def plan_cin_census(tables: list[Table]) -> Plan:
    census, plan = tables[0], Plan()
    check = _Checker(census, plan)
    if not census.children:
        plan.problems.append(census.problem(None, None, "", "The census lists no children."))
        return plan
    seen: dict[str, int] = {}
    records: dict[str, Record] = {}
    for child in census.children:
        before = check.problems
        reference = check.get(child.id, "LAchildID", required=True, line=child.line)
        if reference is not None:
            if reference.lower() in seen:
                check.problem(
                    child.id.line,
                    "LAchildID",
                    reference,
                    f"This child is also on line {seen[reference.lower()]}.",
                )
            else:
                seen[reference.lower()] = child.id.line
        if not child.plans:
            # A child in need with no protection plan: nothing to schedule here. One on an
            # open section 47 enquiry is listed, not made a child on a plan.
            _enquiry_only(check, child, reference, plan)
            continue
        if _unborn(child):
            dob = None
            # Expected: in the future, as a rule.
            check.get(
                child.expected,
                "ExpectedPersonBirthDate",
                lambda text: date(text, past=False),
                line=child.line,
            )
        else:
            dob = check.get(child.dob, "PersonBirthDate", date, required=True, line=child.line)
        record = _plans(check, child, Record(line=child.line, dob=dob))
        if check.problems == before:
            records[reference] = record
    if plan.ok:
        _compare(records, plan)
    return plan


def _unborn(child: CensusChild) -> bool:
    """No date of birth but an expected one: a plan made before the birth."""
    has = [found is not None and bool(found.text) for found in (child.dob, child.expected)]
    return has == [False, True]


def _enquiry_only(check: _Checker, child: CensusChild, reference, plan: Plan) -> None:
    """A section 47 enquiry with no plan is not a child protection plan: the child is not made
    one (their type and review clock stay as they are) and the enquiry is listed, so a person
    sees it. An enquiry that has not reached an initial conference has no review to schedule."""
    if reference is None:
        return
    for started, initial in child.enquiries:
        day = check.get(started, "S47ActualStartDate", date)
        check.get(initial, "DateOfInitialCPC", date)
        if day is not None:
            plan.left_out.append(
                f"Child {reference}: a section 47 enquiry started on {day.day} {day:%B %Y} and "
                "no child protection plan. Not recorded as a plan."
            )


def _plans(check: _Checker, child: CensusChild, record: Record) -> Record:
    # The enquiries' dates, read once: (started, initial conference).
    enquiries = []
    for started, initial in child.enquiries:
        enquiries.append(
            (
                check.get(started, "S47ActualStartDate", date),
                check.get(initial, "DateOfInitialCPC", date),
            )
        )
    open_plan = None
    for cpp in child.plans:
        start = check.get(cpp.start, "CPPstartDate", date, required=True, line=cpp.line)
        end = check.get(cpp.end, "CPPendDate", date)
        if start and end and end < start:
            check.problem(
                cpp.end.line, "CPPendDate", cpp.end.text, "The plan ends before it starts."
            )
        if cpp.end is None or not cpp.end.text:
            if open_plan is not None:
                check.problem(
                    cpp.line,
                    "CPPendDate",
                    "",
                    f"This plan has no end date, nor has the plan on line {open_plan}: a child "
                    "is on one plan at a time. Give the earlier plan its end date.",
                )
            open_plan = cpp.line
        for found in cpp.reviews:
            held = check.get(found, "CPPreviewDate", date, required=True, line=cpp.line)
            if held and start and held < start:
                check.problem(
                    found.line,
                    "CPPreviewDate",
                    found.text,
                    "The review is before the plan started.",
                )
            elif held and end and held > end:
                check.problem(
                    found.line, "CPPreviewDate", found.text, "The review is after the plan ended."
                )
            elif held:
                record.reviews.add((Review.Kind.CP_REVIEW, held))
        if start is None:
            continue
        record.reviews.add((Review.Kind.CP_INITIAL, start))
        if end:
            record.key_dates.add((KeyDate.Kind.CP_PLAN_ENDED, end))
        for started, initial in enquiries:
            if started and initial == start and started <= start:
                record.key_dates.add((KeyDate.Kind.STRATEGY_DISCUSSION, started))
    record.on_plan = open_plan is not None
    return record


def _status(record: Record, child: Child | None) -> str | None:
    """The child's type after the census: on a plan, or a child in need once the plans ended.
    A child in care stays in care (the SSDA903 return says when they leave)."""
    current = child.status if child is not None else None
    if current == ChildStatus.CHILD_IN_CARE:
        return current
    if record.on_plan:
        return ChildStatus.CHILD_PROTECTION
    if current in (None, ChildStatus.CHILD_PROTECTION):
        return ChildStatus.CHILD_IN_NEED
    return current


def _compare(records: dict[str, Record], plan: Plan) -> None:
    stored = {c.reference: c for c in Child.objects.filter(reference__in=list(records))}
    known = known_history(stored.values())
    for reference, record in records.items():
        child = stored.get(reference)
        wanted = {"date_of_birth": record.dob, "status": _status(record, child)}
        if record.dob is None:  # unborn: the plans of a child held here, the rest listed
            del wanted["date_of_birth"]
            if child is None:
                plan.left_out.append(
                    f"Child {reference}: unborn, on a child protection plan. Not made: add the "
                    "child from the children file once born, and import the census again."
                )
                continue
        plan_child_with_history(
            plan, reference, child, wanted, record, known, placeholder=_placeholder, write=_write
        )
    on_plans = Child.objects.filter(status=ChildStatus.CHILD_PROTECTION, archived_at__isnull=True)
    plan.not_in_extract = sorted(set(on_plans.values_list("reference", flat=True)) - set(records))


def _placeholder(reference: str, changes: dict) -> dict:
    """A child found only in the census: named "Child 1234567", for a person to complete."""
    return {
        "first_name": "Child",
        "last_name": reference,
        "legal_status": LegalStatus.NONE,
        **changes,
    }


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


CIN_CENSUS = Kind(
    code="cin_census",
    label="CIN census (child protection plans)",
    summary="The Children in Need census as its XML file: each child's child protection plans, "
    "the conferences that made and reviewed them, and the section 47 enquiries. Children in "
    "need with no plan are checked but not imported.",
    columns=COLUMNS,
    plan=plan_cin_census,
    read=read,
    xml=True,
)
