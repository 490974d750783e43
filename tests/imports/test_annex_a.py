"""Ofsted's Annex A workbook: children in care and on plans, their allocated team and worker."""

import datetime as dt
import io

import openpyxl

from cases.models import Child, ChildStatus, KeyDate
from imports.services import Upload, import_now
from prp.models import RoleCode

from ..factories import ChildFactory, UserFactory

HEADER = [
    "Child Unique ID",
    "Gender",
    "Date of Birth",
    "Allocated Team",
    "Allocated Worker",
]


def workbook(list7, list8) -> Upload:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, header, rows in (
        ("List 7", HEADER, list7),
        ("List 8", [*HEADER, "Date Started to be Looked After"], list8),
    ):
        sheet = book.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return Upload("annex_a.xlsx", out.getvalue())


def test_annex_a_allocates_team_and_worker_matched_by_name_within_the_team(db, team):
    worker = UserFactory(full_name="Sam Patel", team=team, roles=[RoleCode.SOCIAL_WORKER])
    known = ChildFactory(reference="A1", first_name="Amara", last_name="Okafor")
    upload = workbook(
        [["A2", "b) Female", dt.datetime(2016, 5, 1), team.name, "sam patel"]],
        [
            [
                "A1",
                "a) Male",
                known.date_of_birth.strftime("%d/%m/%Y"),
                team.name,
                "Sam Patel",
                dt.datetime(2024, 2, 1),
            ]
        ],
    )

    run, plan = import_now(kind="annex_a", uploads=[upload])

    assert plan.ok, plan.problems
    assert (run.created, run.updated) == (1, 1)
    known.refresh_from_db()
    assert (known.team, known.social_worker, known.full_name) == (team, worker, "Amara Okafor")
    assert known.key_dates.get().kind == KeyDate.Kind.CAME_INTO_CARE
    on_plan = Child.objects.get(reference="A2")
    assert on_plan.status == ChildStatus.CHILD_PROTECTION
    assert run.placeholders == ["Child A2"]
    again, _ = import_now(kind="annex_a", uploads=[upload])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_annex_a_worker_not_matched_is_reported_never_guessed(db, team):
    UserFactory(full_name="Sam Patel", team=team)
    UserFactory(full_name="Jo Bloggs", team=team)
    UserFactory(full_name="Jo Bloggs", team=team)
    upload = workbook(
        [],
        [
            ["A1", "", "01/01/2015", team.name, "Sam Patil", ""],
            ["A2", "", "01/01/2015", team.name, "Jo Bloggs", ""],
        ],
    )

    _, plan = import_now(kind="annex_a", uploads=[upload])

    assert [(p.file, p.row, p.column, p.value) for p in plan.problems] == [
        ("annex_a.xlsx (List 8)", 2, "ALLOCATED WORKER", "Sam Patil"),
        ("annex_a.xlsx (List 8)", 3, "ALLOCATED WORKER", "Jo Bloggs"),
    ]
    assert not Child.objects.exists()


def test_annex_a_must_be_a_workbook_with_its_lists(db):
    _, plan = import_now(kind="annex_a", uploads=[Upload("annex.csv", b"a,b\n")])
    assert plan.problems[0].message == "Annex A is an Excel workbook (.xlsx)."
    book = openpyxl.Workbook()
    out = io.BytesIO()
    book.save(out)
    _, plan = import_now(kind="annex_a", uploads=[Upload("annex.xlsx", out.getvalue())])
    assert plan.problems[0].message == "The workbook has no sheet \u201cList 7\u201d."
