"""Children (from the case-management system's list) and their allocations."""

from __future__ import annotations

from django.db.models.functions import Lower
from django.utils import timezone

from cases import services as cases
from cases.models import Allocation, Child, ChildStatus, LegalStatus
from prp.models import Team, User

from ..legal import LS_CODES
from ..plans import Plan, Row, batches, bulk, rows
from ..reading import Table
from ..values import Invalid, choice, date, yes_no
from . import Column, Kind
from .staff import _email

ID, FIRST, LAST, DOB, TYPE, LEGAL, TEAM, RESTRICTED = (
    "EXTERNAL_ID",
    "FIRST_NAME",
    "LAST_NAME",
    "DATE_OF_BIRTH",
    "CHILD_TYPE",
    "LEGAL_STATUS",
    "TEAM",
    "RESTRICTED",
)


def legal_status(text: str) -> str:
    """A legal status as the service names it, or as an SSDA903 LS code."""
    code = text.strip().upper()
    if code in LS_CODES:
        return LS_CODES[code][1]
    return choice(text, LegalStatus.choices, "legal status")


def stored_children(references) -> dict[str, Child]:
    """The stored children of these ids (in any case), by id in lower case: one query."""
    keys = {reference.lower() for reference in references if reference}
    found = Child.objects.annotate(key=Lower("reference")).filter(key__in=keys)
    return {child.reference.lower(): child for child in found}


def plan_children(tables: list[Table]) -> Plan:
    """Read a batch of rows at a time, with the stored children of that batch only, so the
    memory an import takes does not grow with the file."""
    table, plan = tables[0], Plan()
    teams = {t.name.lower(): t for t in Team.objects.all()}
    seen = set()
    for batch in batches(rows(table, plan, ID, "child id")):
        children = stored_children(reference for _row, reference in batch)
        for row, reference in batch:
            if reference:
                seen.add(reference.lower())
            _plan_child(plan, row, reference, children, teams)
    plan.not_in_extract = sorted(
        reference
        for reference in Child.objects.filter(archived_at__isnull=True).values_list(
            "reference", flat=True
        )
        if reference.lower() not in seen
    )
    return plan


def _plan_child(plan: Plan, row: Row, reference, children, teams) -> None:
    wanted = {
        "first_name": row.get(FIRST, required=True),
        "last_name": row.get(LAST, required=True),
        "date_of_birth": row.get(DOB, date, required=True),
        "status": row.get(
            TYPE, lambda t: choice(t, ChildStatus.choices, "child type"), required=True
        ),
        # Empty: the stored one stays (the SSDA903 return may have given it).
        "legal_status": row.get(LEGAL, legal_status),
        "restricted": row.get(RESTRICTED, yes_no) or False,
    }
    team_name = row.get(TEAM)
    team = teams.get(team_name.lower()) if team_name else None
    if team_name and team is None:
        row.problem(TEAM, "No team has this name: import the teams first.")
    if not row.ok:
        return
    child = children.get(reference.lower())
    if child is None:
        wanted["legal_status"] = wanted["legal_status"] or LegalStatus.NONE
        if bulk():
            # As child_create: the team from today.
            team_from = [(Allocation.Kind.TEAM, team, timezone.localdate())] if team else []
            plan.create_many(_load, cases.NewChild(reference, wanted, allocations=team_from))
        else:
            plan.create(_child_create(reference, wanted, team))
        return
    changes = {k: v for k, v in wanted.items() if v is not None and getattr(child, k) != v}
    if child.restricted:
        changes.pop("restricted", None)  # restricted stays restricted
    new_team = team if team is not None and team.pk != child.team_id else None
    if not (changes or new_team):
        plan.same()
    elif bulk():
        plan.update_many(_load_changes, (child.pk, changes, new_team))
    else:
        plan.update(_child_update(child, changes, new_team))


def _load(items, by):
    cases.children_load(rows=items, by=by)


def _load_changes(items, by):
    cases.children_update_many(items=items, by=by)


def _child_create(reference, wanted, team):
    def write(by):
        child = cases.child_create(reference=reference, by=by, team=team, **wanted)
        cases.child_refresh_schedule(child=child)

    return write


def _child_update(child, changes, team):
    def write(by):
        target = child
        if changes:
            # The record as changed: its schedule is worked out for its type now.
            target = cases.child_update_details(child=child, by=by, **changes)
        if team is not None:
            cases.child_allocate(
                child=target,
                kind=Allocation.Kind.TEAM,
                team=team,
                start_date=timezone.localdate(),
                recorded_by=by,
            )
        cases.child_refresh_schedule(child=target)

    return write


CHILDREN = Kind(
    code="children",
    label="Children",
    summary="Every child the service works with, from the case-management system: a full list.",
    columns=(
        Column(ID, "The child's person id in the case-management system.", "1234567", True),
        Column(FIRST, "First name.", "Amara", True),
        Column(LAST, "Last name.", "Okafor", True),
        Column(DOB, "Date of birth, like 31/03/2016.", "31/03/2016", True),
        Column(
            TYPE,
            "child_in_care, child_protection, child_in_need or care_leaver.",
            "child_in_care",
            True,
        ),
        Column(
            LEGAL,
            "Their legal status: as the service names it (care_order) or an SSDA903 LS code "
            "(C2). Empty leaves a child's stored legal status as it is.",
            "C2",
        ),
        Column(
            TEAM, "Their allocated team's name: import the teams first.", "Children in Care North"
        ),
        Column(
            RESTRICTED,
            "yes if only the people named on the record may see it. A file never lifts a "
            "restriction: a person does, in the admin.",
            "no",
        ),
    ),
    plan=plan_children,
)


# Allocations ----------------------------------------------------------------------------------

CHILD, ROLE, PERSON, FROM = "CHILD_ID", "ROLE", "PERSON_EMAIL", "FROM"
ROLE_WORDS = {
    "social_worker": Allocation.Kind.SOCIAL_WORKER,
    "social worker": Allocation.Kind.SOCIAL_WORKER,
    "reviewing_officer": Allocation.Kind.REVIEWING_OFFICER,
    "iro": Allocation.Kind.REVIEWING_OFFICER,
    "cp chair": Allocation.Kind.REVIEWING_OFFICER,
    "cp_chair": Allocation.Kind.REVIEWING_OFFICER,
    "team": Allocation.Kind.TEAM,
}
_HOLDER_FIELD = {
    Allocation.Kind.SOCIAL_WORKER: "social_worker_id",
    Allocation.Kind.REVIEWING_OFFICER: "reviewing_officer_id",
    Allocation.Kind.TEAM: "team_id",
}


def _role(text: str) -> str:
    try:
        return ROLE_WORDS[text.strip().lower()]
    except KeyError:
        raise Invalid("Enter social_worker, reviewing_officer (IRO or CP Chair) or team.") from None


def plan_allocations(tables: list[Table]) -> Plan:
    """A batch of rows at a time, with the stored children of that batch, then the current
    allocations of the rows that would change one (on a re-import, a few of the batch)."""
    table, plan = tables[0], Plan()
    people = {u.email: u for u in User.objects.all()}
    teams = {t.name.lower(): t for t in Team.objects.all()}
    seen: dict[tuple, int] = {}
    for batch in batches(table.rows):
        children = stored_children(values.get(CHILD, "").strip() for _number, values in batch)
        waiting = []  # (a change, where its row's problems end)
        for number, values in batch:
            row = Row(table, number, values, plan)
            change = _check_allocation(plan, row, children, people, teams, seen)
            if change is not None:
                waiting.append((change, len(plan.problems)))
        _plan_changes(plan, waiting)
    return plan


def _check_allocation(plan, row, children, people, teams, seen):
    """The row read and checked: (row, child, kind, holder, from) if it would change the
    child's allocation, else None (counted unchanged, or its problems added)."""
    reference, kind = row.get(CHILD, required=True), row.get(ROLE, _role, required=True)
    start = row.get(FROM, date, required=True)
    child = children.get(reference.lower()) if reference else None
    if reference and child is None:
        row.problem(CHILD, "No child has this id: import the children first.")
    key = ((reference or "").lower(), kind)
    if key in seen:
        row.problem(CHILD, f"This child and role are also on row {seen[key]}.")
    seen.setdefault(key, row.number)
    holder = _holder(row, kind, people, teams)
    if not row.ok:
        return None
    if getattr(child, _HOLDER_FIELD[kind]) == holder.pk:
        plan.same()
        return None
    return row, child, kind, holder, start


def _plan_changes(plan, waiting) -> None:
    """The changes of a batch against the children's current allocations, read for them only.
    A problem found here goes in its row's place among the batch's problems."""
    ids = {change[1].pk for change, _ in waiting}
    starts = {
        (a["child_id"], a["kind"]): a["start_date"]
        for a in Allocation.objects.filter(child__in=ids, end_date__isnull=True).values(
            "child_id", "kind", "start_date"
        )
    }
    moved = 0
    for (row, child, kind, holder, start), at in waiting:
        before = len(plan.problems)
        _plan_allocation(plan, row, child, kind, holder, start, starts.get((child.pk, kind)))
        if len(plan.problems) > before:
            plan.problems.insert(at + moved, plan.problems.pop())
            moved += 1


def _plan_allocation(plan, row, child, kind, holder, start, current) -> None:
    if current and start < current:
        row.problem(FROM, f"The current allocation starts later, on {current:%-d %B %Y}.")
        return
    if bulk():
        # Written with the others of the batch: the child's first of this kind, or a change.
        item = (child.pk, kind, holder, start)
        if current is None:
            plan.create_many(_load_allocations, item)
        else:
            plan.update_many(_load_allocation_changes, item)
        return
    (plan.update if current else plan.create)(_allocate(child, kind, holder, start))


def _load_allocations(items, by):
    cases.allocations_first_many(items=items, by=by)


def _load_allocation_changes(items, by):
    cases.allocations_change_many(items=items, by=by)


def _holder(row, kind, people, teams):
    if kind == Allocation.Kind.TEAM:
        name = row.get(TEAM, required=True)
        team = teams.get(name.lower()) if name else None
        if name and team is None:
            row.problem(TEAM, "No team has this name: import the teams first.")
        return team
    email = row.get(PERSON, _email, required=True)
    person = people.get(email) if email else None
    if email and (person is None or not person.is_active):
        row.problem(PERSON, "No one working here has this email address.")
    return person


def _allocate(child, kind, holder, start):
    def write(by):
        holders = {"team": holder} if kind == Allocation.Kind.TEAM else {"worker": holder}
        cases.child_allocate(child=child, kind=kind, start_date=start, recorded_by=by, **holders)

    return write


ALLOCATIONS = Kind(
    code="allocations",
    label="Allocations",
    summary="Who is allocated to each child now: one row per child and role.",
    columns=(
        Column(CHILD, "The child's person id, as in the children file.", "1234567", True),
        Column(
            ROLE,
            "social_worker, reviewing_officer (IRO or CP Chair) or team.",
            "social_worker",
            True,
        ),
        Column(PERSON, "The worker's work email (not for a team).", "sam.patel@example.org"),
        Column(TEAM, "The team's name (for the team role only).", ""),
        Column(FROM, "The date the allocation started, like 1/04/2024.", "01/04/2024", True),
    ),
    plan=plan_allocations,
)
