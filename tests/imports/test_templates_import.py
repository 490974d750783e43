"""The templates' kinds: teams, people, children and allocations, through the services."""

import datetime as dt

from auditlog.models import LogEntry

from cases.models import Allocation, Child, LegalStatus
from imports.models import ImportRun
from imports.services import Upload, import_now
from prp.models import OrgUnit, RoleCode, Team, User

from ..factories import ChildFactory, UserFactory
from .conftest import csv_upload, sample

PEOPLE = (
    "EMAIL,FULL_NAME,JOB_TITLE,ROLES,TEAM,LINE_MANAGER_EMAIL\n"
    "tm@example.org,Tia Manager,Team Manager,team_manager,Children in Care North,\n"
    "sw@example.org,Sol Worker,Social Worker,social_worker,Children in Care North,tm@example.org\n"
)


def run(kind, name, text):
    return import_now(kind=kind, uploads=[csv_upload(name, text)])


def test_teams_make_the_team_and_its_service_and_directorate(db):
    imported, plan = run(
        "teams",
        "teams.csv",
        "TEAM,TEAM_KIND,UNIT,UNIT_KIND,PARENT_UNIT\n"
        "North,operational,Children in Care,service,Children's Services\n"
        "IRO Team,reviewing,Reviewing Service,service,Children's Services\n",
    )

    assert plan.ok, plan.problems
    assert imported.created == 2
    north = Team.objects.get(name="North")
    assert north.unit.name == "Children in Care"
    assert north.unit.parent.kind == OrgUnit.Kind.DIRECTORATE
    assert OrgUnit.objects.filter(name="Children's Services").count() == 1
    assert Team.objects.get(name="IRO Team").kind == Team.Kind.REVIEWING


def test_people_are_made_with_the_roles_the_file_gives_and_no_other(db, team):
    imported, plan = run("people", "people.csv", PEOPLE)

    assert plan.ok, plan.problems
    assert imported.created == 2
    worker = User.objects.get(email="sw@example.org")
    assert worker.role_codes == {RoleCode.SOCIAL_WORKER}
    assert worker.team == team
    assert worker.line_manager.email == "tm@example.org"
    assert not worker.is_staff and not worker.is_superuser
    assert not worker.has_usable_password()


def test_people_file_never_makes_an_administrator_nor_takes_the_role_away(db, team):
    admin = UserFactory(email="admin@example.org", roles=[RoleCode.ADMINISTRATOR])
    _, plan = run(
        "people",
        "people.csv",
        "EMAIL,FULL_NAME,ROLES\nnew@example.org,New Person,administrator\n",
    )
    assert [(p.row, p.column) for p in plan.problems] == [(2, "ROLES")]
    assert not User.objects.filter(email="new@example.org").exists()

    run("people", "people.csv", f"EMAIL,FULL_NAME,ROLES\n{admin.email},{admin.full_name},iro\n")

    admin = User.objects.get(pk=admin.pk)
    assert admin.role_codes == {RoleCode.ADMINISTRATOR, RoleCode.IRO}


def test_people_same_file_twice_changes_nothing(db, team):
    run("people", "people.csv", PEOPLE)
    entries = LogEntry.objects.exclude(content_type__app_label="imports").count()

    imported, _ = run("people", "people.csv", PEOPLE)

    assert (imported.created, imported.updated, imported.unchanged) == (0, 0, 2)
    assert LogEntry.objects.exclude(content_type__app_label="imports").count() == entries


def test_children_file_makes_children_with_their_team(db, team):
    imported, plan = import_now(kind="children", uploads=[sample("children.csv")])

    assert plan.ok, plan.problems
    assert imported.created == 10
    child = Child.objects.get(reference="1000001")
    assert child.full_name == "Sample0 Child"
    assert child.legal_status == LegalStatus.CARE_ORDER
    assert child.team == team
    assert child.allocations.get(kind=Allocation.Kind.TEAM).start_date == dt.date(2025, 9, 1)


def test_children_update_run_changes_only_the_changed_row(db, team):
    import_now(kind="children", uploads=[sample("children.csv")])
    text = sample("children.csv").data.decode().replace("Sample3,", "Renamed,")

    imported, _ = run("children", "children.csv", text)

    assert (imported.created, imported.updated, imported.unchanged) == (0, 1, 9)
    assert Child.objects.get(reference="1000004").first_name == "Renamed"


def test_children_restricted_stays_restricted_and_missing_ones_are_listed(db, team):
    ChildFactory(reference="1000001", restricted=True)
    ChildFactory(reference="7777777")

    imported, _ = import_now(kind="children", uploads=[sample("children.csv")])

    assert Child.objects.get(reference="1000001").restricted  # the file says "no"
    assert imported.not_in_extract == ["7777777"]
    assert Child.objects.filter(reference="7777777").exists()


def test_children_bad_rows_name_row_and_column_and_write_nothing(db, team):
    _, plan = run(
        "children",
        "children.csv",
        "EXTERNAL_ID,FIRST_NAME,LAST_NAME,DATE_OF_BIRTH,CHILD_TYPE,LEGAL_STATUS\n"
        "1,Ann,One,01/01/2015,child_in_care,C2\n"
        "1,Ann,Again,01/01/2015,child_in_care,C2\n"
        "2,Bo,Two,01/01/2031,child_in_care,C2\n"
        "3,Cy,Three,01/01/2015,child_in_care,Q7\n",
    )

    assert [(p.file, p.row, p.column, p.value) for p in plan.problems] == [
        ("children.csv", 3, "EXTERNAL_ID", "1"),
        ("children.csv", 4, "DATE_OF_BIRTH", "01/01/2031"),
        ("children.csv", 5, "LEGAL_STATUS", "Q7"),
    ]
    assert not Child.objects.exists()


def test_allocations_end_the_current_one_and_start_the_next(db, child, social_worker):
    new_worker = UserFactory(email="new.worker@example.org", roles=[RoleCode.SOCIAL_WORKER])
    text = (
        "CHILD_ID,ROLE,PERSON_EMAIL,FROM\n"
        f"{child.reference},social_worker,{new_worker.email},01/08/2025\n"
    )

    imported, plan = run("allocations", "allocations.csv", text)

    assert plan.ok, plan.problems
    assert imported.updated == 1
    child.refresh_from_db()
    assert child.social_worker == new_worker
    ended = child.allocations.get(kind=Allocation.Kind.SOCIAL_WORKER, worker=social_worker)
    assert ended.end_date == dt.date(2025, 8, 1)
    again, _ = run("allocations", "allocations.csv", text)
    assert again.unchanged == 1


def test_allocation_to_an_unknown_person_or_child_is_an_error(db, child):
    imported, plan = run(
        "allocations",
        "allocations.csv",
        "CHILD_ID,ROLE,PERSON_EMAIL,FROM\n"
        f"{child.reference},social_worker,nobody@example.org,01/08/2025\n"
        "NOPE,social_worker,nobody@example.org,01/08/2025\n",
    )

    assert [(p.row, p.column) for p in plan.problems] == [
        (2, "PERSON_EMAIL"),
        (3, "CHILD_ID"),
        (3, "PERSON_EMAIL"),
    ]
    assert imported.status == ImportRun.Status.FAILED


def test_wrong_encoding_and_not_a_table(db):
    _, plan = import_now(
        kind="children",
        uploads=[Upload("x.csv", "Zoë".encode("cp1252"))],
    )
    assert "not in UTF-8" in plan.problems[0].message
    _, plan = import_now(kind="children", uploads=[csv_upload("x.xlsx", "not a workbook")])
    assert plan.problems[0].message == "The file is not a CSV file or an Excel workbook (.xlsx)."
    _, plan = import_now(kind="children", uploads=[csv_upload("x.pdf", "%PDF")])
    assert plan.problems[0].file == "x.pdf"


def test_children_file_without_legal_status_keeps_the_one_the_return_gave(db, team):
    ChildFactory(reference="42", legal_status=LegalStatus.PLACEMENT_ORDER)
    text = (
        "EXTERNAL_ID,FIRST_NAME,LAST_NAME,DATE_OF_BIRTH,CHILD_TYPE\n"
        "42,Ann,One,01/01/2015,child_in_care\n"
    )

    run("children", "children.csv", text)

    assert Child.objects.get(reference="42").legal_status == LegalStatus.PLACEMENT_ORDER
