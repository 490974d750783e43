"""Ofsted's Annex A workbook: List 7 (children on a protection plan) and List 8 (children in
care), with their allocated team and worker. Column names as in Social Finance's liiatools
Annex A schema.

Annex A names workers but gives no email: a worker is matched by their full name within the
child's allocated team; one who cannot be matched (or matches two people) is an error, never
guessed. A child found only here is made with a placeholder name, to complete.
"""

from __future__ import annotations

from django.utils import timezone

from cases import services as cases
from cases.models import Allocation, Child, ChildStatus, KeyDate
from prp.models import Team, User

from ..plans import Plan, rows
from ..reading import BadFile, Problem, Table, read_table
from ..values import date, optional_date
from . import Column, Kind

ID, DOB, TEAM, WORKER = "CHILD UNIQUE ID", "DATE OF BIRTH", "ALLOCATED TEAM", "ALLOCATED WORKER"
LAC_START = "DATE STARTED TO BE LOOKED AFTER"
LISTS = {"List 7": ChildStatus.CHILD_PROTECTION, "List 8": ChildStatus.CHILD_IN_CARE}
COLUMNS = (
    Column(ID, "The child's id (the case-management person id).", "1234567", True),
    Column(DOB, "Date of birth.", "14/03/2015", True),
    Column(TEAM, "The allocated team's name, as loaded from the teams file.", "", True),
    Column(WORKER, "The allocated worker's full name, as loaded from the people file.", "", True),
    Column(LAC_START, "List 8 only: the date the child started to be looked after.", ""),
)


def read(name: str, data: bytes) -> list[Table]:
    """Lists 7 and 8 of the workbook, each a table."""
    if not name.lower().endswith(".xlsx"):
        raise BadFile([Problem(name, None, None, "", "Annex A is an Excel workbook (.xlsx).")])
    required = [c.name for c in COLUMNS if c.required]
    tables = []
    for sheet in LISTS:
        table = read_table(name, data, required=required, optional=[LAC_START], sheet=sheet)
        table.name, table.sheet = f"{name} ({sheet})", sheet
        tables.append(table)
    return tables


def plan_annex_a(tables: list[Table]) -> Plan:
    plan = Plan()
    children = {c.reference: c for c in Child.objects.all()}
    teams = {t.name.lower(): t for t in Team.objects.all()}
    members: dict[tuple, list] = {}
    for person in User.objects.filter(is_active=True, team__isnull=False):
        members.setdefault((person.team_id, person.full_name.lower()), []).append(person)
    for table in tables:
        status = LISTS[table.sheet]
        for row, reference in rows(table, plan, ID, "child"):
            dob = row.get(DOB, date, required=True)
            team_name, worker_name = row.get(TEAM, required=True), row.get(WORKER, required=True)
            started = row.get(LAC_START, optional_date)
            team = teams.get(team_name.lower()) if team_name else None
            if team_name and team is None:
                row.problem(TEAM, "No team has this name: import the teams first.")
            found = members.get((team.pk, worker_name.lower()), []) if team and worker_name else []
            if team and worker_name and len(found) != 1:
                row.problem(
                    WORKER,
                    "No one in this team has this name."
                    if not found
                    else "Two people in this team have this name: allocate in the service.",
                )
            if not row.ok:
                continue
            child = children.get(reference)
            key_dates = {(KeyDate.Kind.CAME_INTO_CARE, started)} if started else set()
            write = _write(child, reference, status, dob, team, found[0], key_dates)
            if child is None:
                plan.placeholders.append(f"Child {reference}")
                plan.create(write)
            elif (
                child.team_id != team.pk
                or child.social_worker_id != found[0].pk
                or child.status != status
                or child.date_of_birth != dob
                or key_dates - {(k.kind, k.on) for k in child.key_dates.all()}
            ):
                plan.update(write)
            else:
                plan.same()
    return plan


def _write(child, reference, status, dob, team, worker, key_dates):
    def write(by):
        target = child
        if target is None:
            target = cases.child_create(
                reference=reference,
                by=by,
                first_name="Child",
                last_name=reference,
                date_of_birth=dob,
                status=status,
            )
        elif (target.status, target.date_of_birth) != (status, dob):
            target = cases.child_update_details(
                child=target, by=by, status=status, date_of_birth=dob
            )
        today = timezone.localdate()
        for kind, holder, field in (
            (Allocation.Kind.TEAM, team, "team_id"),
            (Allocation.Kind.SOCIAL_WORKER, worker, "social_worker_id"),
        ):
            if getattr(target, field) != holder.pk:
                holders = {"team": holder} if kind == Allocation.Kind.TEAM else {"worker": holder}
                cases.child_allocate(
                    child=target, kind=kind, start_date=today, recorded_by=by, **holders
                )
        added = cases.child_record_history(child=target, by=by, key_dates=key_dates)
        if not any(added):
            cases.child_refresh_schedule(child=target)

    return write


ANNEX_A = Kind(
    code="annex_a",
    label="Ofsted Annex A (lists 7 and 8)",
    summary="The Annex A workbook: children on a protection plan (List 7) and in care "
    "(List 8), with their allocated team and worker.",
    columns=COLUMNS,
    plan=plan_annex_a,
    read=read,
)
