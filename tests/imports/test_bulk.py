"""A first load written in batches (cases.services.children_load) gives what the one-record
services give: the same records, history lines, audit entries and worked-out review dates."""

import datetime as dt
import tracemalloc
from collections import Counter

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases import services as cases
from cases.models import Allocation, Child, ChildLog, KeyDate, PlannedReview, PlannedStep, Review
from imports import reading
from imports.reading import read_table
from imports.services import import_now
from prp.models import RoleCode

from ..factories import ChildFactory, TeamFactory, UserFactory
from .conftest import SSDA903_SET, csv_upload, sample


class _Undo(Exception):
    pass


def _people():
    workers = [
        UserFactory(email=f"sw{n}@example.org", roles=[RoleCode.SOCIAL_WORKER]) for n in range(3)
    ]
    iro = UserFactory(email="iro@example.org", roles=[RoleCode.IRO])
    return workers, iro


def _allocations(workers, iro, references):
    lines = ["CHILD_ID,ROLE,PERSON_EMAIL,TEAM,FROM"]
    for n, reference in enumerate(references):
        lines.append(f"{reference},social_worker,{workers[n % 3].email},,01/04/2025")
        if n % 2 == 0:
            lines.append(f"{reference},iro,{iro.email},,02/04/2025")
    return csv_upload("allocations.csv", "\n".join(lines) + "\n")


def _load(workers, iro):
    """The children file, the SSDA903 set (its 50 children: 10 known, 40 made from it), then
    every child's first social worker and, for half, an IRO (their planned reviews follow)."""
    results = []
    for kind, uploads in (
        ("children", [sample("children.csv")]),
        ("ssda903", [sample(n) for n in SSDA903_SET]),
        ("allocations", [_allocations(workers, iro, [f"{1000001 + n}" for n in range(50)])]),
    ):
        run, plan = import_now(kind=kind, uploads=uploads)
        assert plan.ok, plan.problems
        results.append((run.created, run.updated, run.unchanged))
    return results


def _changes(entry):
    """The entry's changes, with record numbers (which differ between two runs) left out."""
    model = entry.content_type.model_class()
    found = {}
    for name, values in (entry.changes_dict or {}).items():
        if name == "id":
            continue
        field = model._meta.get_field(name)
        found[name] = tuple(
            "#" if field.is_relation and v not in (None, "None") else v for v in values
        )
    return tuple(sorted(found.items()))


def _snapshot():
    children = {
        c.reference: {
            f.attname: getattr(c, f.attname)
            for f in Child._meta.concrete_fields
            if f.attname not in ("id", "created_at", "updated_at")
        }
        for c in Child.objects.all()
    }
    return {
        "children": children,
        "allocations": sorted(
            Allocation.objects.values_list(
                "child__reference", "kind", "worker__email", "team__name", "start_date", "end_date"
            ),
            key=str,
        ),
        "key_dates": sorted(
            KeyDate.objects.values_list("child__reference", "kind", "on", "note"), key=str
        ),
        "reviews": sorted(
            Review.objects.values_list("child__reference", "kind", "held_on", "notes", "chair"),
            key=str,
        ),
        "history": Counter(ChildLog.objects.values_list("child__reference", "summary", "actor")),
        "planned": sorted(
            PlannedReview.objects.values_list(
                "child__reference", "kind", "due_on", "reason", "initial", "after_review__held_on"
            ),
            key=str,
        ),
        "steps": sorted(
            PlannedStep.objects.values_list(
                "planned__child__reference", "kind", "assignee__email", "due_on"
            ),
            key=str,
        ),
        "audit": Counter(
            (e.content_type.model, e.action, e.object_repr, _changes(e), e.actor_id)
            for e in LogEntry.objects.exclude(content_type__app_label="imports")
            .exclude(action=LogEntry.Action.ACCESS)
            .select_related("content_type")
        ),
    }


def _one_by_one(settings, workers, iro):
    settings.IMPORTS_BULK = False
    try:
        with transaction.atomic():
            counts = _load(workers, iro)
            found = _snapshot()
            raise _Undo
    except _Undo:
        pass
    settings.IMPORTS_BULK = True
    return counts, found


@pytest.mark.parametrize("batch", [2000, 7])
def test_bulk_first_load_gives_the_records_history_audit_and_dates_of_the_services(
    db, team, settings, batch
):
    workers, iro = _people()
    ChildFactory(reference="9999999", team=team)  # held already: left as it is
    settings.IMPORTS_BATCH = batch  # 7: the batches meet in the middle of the files
    counts, expected = _one_by_one(settings, workers, iro)
    assert Child.objects.count() == 1

    assert _load(workers, iro) == counts
    found = _snapshot()

    assert counts == [(10, 0, 0), (40, 10, 0), (75, 0, 0)]
    for part in expected:
        assert found[part] == expected[part], part
    # The worked-out dates are there, not empty.
    assert Child.objects.exclude(review_due_on=None).count() > 40
    assert PlannedStep.objects.exclude(assignee=None).exists()


def test_bulk_first_load_audit_entries_name_the_person_importing(db, team):
    admin = UserFactory(roles=[RoleCode.ADMINISTRATOR])
    with set_actor(admin):
        import_now(kind="children", uploads=[sample("children.csv")])

    entries = LogEntry.objects.filter(content_type__model="child", action=LogEntry.Action.CREATE)
    assert entries.count() == 10
    assert set(entries.values_list("actor", flat=True)) == {admin.pk}


def test_reimport_after_bulk_first_load_changes_nothing(db, team):
    workers, iro = _people()
    _load(workers, iro)
    entries = LogEntry.objects.exclude(content_type__app_label="imports").count()
    before = _snapshot()

    again = _load(workers, iro)

    assert again == [(0, 0, 10), (0, 0, 50), (0, 0, 75)]
    assert LogEntry.objects.exclude(content_type__app_label="imports").count() == entries
    assert _snapshot() == before


def test_bulk_first_load_keeps_restricted_children_restricted_and_gives_no_role(db, team):
    text = (
        sample("children.csv")
        .data.decode()
        .replace(
            "1000001,Sample0,Child,22/06/2010,child_in_care,C2,Children in Care North,no",
            "1000001,Sample0,Child,22/06/2010,child_in_care,C2,Children in Care North,yes",
        )
    )
    workers, iro = _people()
    roles = {w.pk: set(w.role_codes) for w in [*workers, iro]}

    import_now(kind="children", uploads=[csv_upload("children.csv", text)])
    import_now(kind="allocations", uploads=[_allocations(workers, iro, ["1000001"])])

    child = Child.objects.get(reference="1000001")
    assert child.restricted
    assert child.social_worker == workers[0]
    assert not Child.objects.filter(restricted=True).exclude(pk=child.pk).exists()
    for person in [*workers, iro]:
        person.refresh_from_db()
        assert set(person.role_codes) == roles[person.pk]


def test_bulk_first_load_with_a_bad_row_late_in_the_file_writes_nothing(db, team, settings):
    settings.IMPORTS_BATCH = 3  # the first batches are written before the bad row is read
    text = sample("children.csv").data.decode() + "1000099,Late,Child,31/13/2010,child_in_care\n"

    _run, plan = import_now(kind="children", uploads=[csv_upload("children.csv", text)])

    assert [(p.row, p.column) for p in plan.problems] == [(12, "DATE_OF_BIRTH")]
    assert not Child.objects.exists()
    assert not LogEntry.objects.filter(content_type__model="child").exists()


def test_csv_reading_memory_stays_flat_as_the_file_grows():
    """The rows of a CSV file are read as the planner goes through them, never held in a list:
    100,000 rows take no more memory to read than 20,000 (beyond the file's own bytes)."""

    def peak(count):
        data = (
            "EXTERNAL_ID,FIRST_NAME,LAST_NAME,DATE_OF_BIRTH,CHILD_TYPE\n"
            + "".join(f"{n},First{n},Last{n},01/02/2012,child_in_care\n" for n in range(count))
        ).encode()
        tracemalloc.start()
        table = read_table("children.csv", data, required=["EXTERNAL_ID"], optional=["DOB"])
        read = sum(1 for _row in table.rows)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert read == count
        return top

    small, large = peak(20_000), peak(100_000)
    assert large < small * 1.5, (small, large)


def test_csv_utf8_check_reads_in_chunks_and_names_the_bad_byte(monkeypatch):
    monkeypatch.setattr(reading, "_CHUNK", 4)  # characters cut between chunks
    good = "EXTERNAL_ID,FIRST_NAME\n1,Zoë Ãdé\n".encode()
    table = read_table("c.csv", good, required=["EXTERNAL_ID"], optional=["FIRST_NAME"])
    assert [values["FIRST_NAME"] for _, values in table.rows] == ["Zoë Ãdé"]

    bad = "EXTERNAL_ID\nZoë".encode() + b"\xff\n"
    with pytest.raises(reading.BadFile) as refused:
        read_table("c.csv", bad, required=["EXTERNAL_ID"])
    assert "byte 17 cannot be read" in str(refused.value)


def test_bulk_cin_census_gives_the_records_history_audit_and_dates_of_the_services(
    db, team, settings
):
    """The census sample: 20 children on plans, two of them held already (one in care)."""
    ChildFactory(reference="2000001", team=team)
    ChildFactory(reference="2000002", team=team, status="child_in_care")

    def load():
        run, plan = import_now(kind="cin_census", uploads=[sample("cin_census.xml")])
        assert plan.ok, plan.problems
        return run.created, run.updated, run.unchanged

    settings.IMPORTS_BULK = False
    try:
        with transaction.atomic():
            counts, expected = load(), _snapshot()
            raise _Undo
    except _Undo:
        pass
    settings.IMPORTS_BULK = True

    assert load() == counts == (18, 2, 0)
    found = _snapshot()
    for part in expected:
        assert found[part] == expected[part], part
    assert load() == (0, 0, 20)


# A re-import with rows changed: the changes written in batches (cases.children_update_many,
# allocations_change_many, children_add_history) give what the one-record services give.


def _replaced(upload, *pairs):
    text = upload.data.decode()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return csv_upload(upload.name, text)


def _changed_files(workers, iro, new_iro):
    """The sample files again with rows changed: names, a type, a date of birth, a team and a
    restriction in the children file (and a child made from the return named, and one added);
    social workers, IROs and a team in the allocations (and a first IRO); a legal status and a
    review in the SSDA903 set."""
    north = "Children in Care North,no"
    children = _replaced(
        sample("children.csv"),
        ("1000002,Sample1,", "1000002,Renamed,"),
        (
            "1000003,Sample2,Child,26/01/2012,child_in_care",
            "1000003,Sample2,Child,26/01/2012,child_in_need",
        ),
        ("04/03/2012", "05/03/2012"),
        (
            f"1000005,Sample4,Child,29/06/2014,child_in_care,E1,{north}",
            "1000005,Sample4,Child,29/06/2014,child_in_care,E1,Children in Care South,no",
        ),
        (
            f"1000006,Sample5,Child,02/12/2010,child_in_care,C2,{north}",
            "1000006,Sample5,Child,02/12/2010,child_in_care,V2,Children in Care North,yes",
        ),
        (
            f"1000007,Sample6,Child,17/10/2012,child_in_care,C2,{north}",
            "1000007,Later,Child,17/10/2012,child_in_care,C2,Children in Care South,no",
        ),
        ("1000010,", "1000011,New,Child,01/02/2013,child_in_need,,,no\n1000010,"),
        ("1000010,", "1000099,Newer,Child,01/03/2013,child_in_need,,,no\n1000010,"),
    )
    allocations = _replaced(
        _allocations(workers, iro, [f"{1000001 + n}" for n in range(50)]),
        (
            f"1000001,social_worker,{workers[0].email},,01/04/2025",
            f"1000001,social_worker,{workers[1].email},,01/06/2025",
        ),
        (f"1000001,iro,{iro.email},,02/04/2025", f"1000001,iro,{new_iro.email},,02/06/2025"),
        (
            f"1000004,social_worker,{workers[0].email},,01/04/2025",
            f"1000004,social_worker,{workers[2].email},,01/05/2025\n"
            f"1000004,iro,{iro.email},,01/05/2025",
        ),
        (
            f"1000005,social_worker,{workers[1].email},,01/04/2025",
            f"1000005,social_worker,{workers[0].email},,01/04/2025\n"
            "1000005,team,,Children in Care North,01/09/2025",
        ),
        (f"1000005,iro,{iro.email},,02/04/2025", f"1000005,iro,{new_iro.email},,03/07/2025"),
        (
            f"1000020,social_worker,{workers[1].email},,01/04/2025",
            f"1000020,social_worker,{workers[2].email},,01/08/2025",
        ),
    )
    header, episodes, reviews = (sample(name) for name in SSDA903_SET)
    episodes = _replaced(episodes, ("1000008,13/07/2024,S,C1,", "1000008,13/07/2024,S,C2,"))
    reviews = _replaced(reviews, ("1000010,", "1000010,16/03/2014,01/08/2025,PN1\n1000010,"))
    return [
        ("children", [children]),
        ("ssda903", [header, episodes, reviews]),
        ("allocations", [allocations]),
    ]


def _import(files):
    results = []
    for kind, uploads in files:
        run, plan = import_now(kind=kind, uploads=uploads)
        assert plan.ok, plan.problems
        results.append((run.created, run.updated, run.unchanged))
    return results


def _named(field, value):
    """The record a change points to, by what names it in both runs (its number differs)."""
    if not field.is_relation or value in (None, "None"):
        return value
    found = field.related_model._base_manager.filter(pk=value).first()
    return getattr(found, "email", None) or getattr(found, "reference", None) or str(found)


def _audit_by_name():
    """Every change entry, the records it points to by name; the new history lines' fields."""
    entries = Counter()
    for entry in (
        LogEntry.objects.exclude(content_type__app_label="imports")
        .exclude(action=LogEntry.Action.ACCESS)
        .select_related("content_type")
    ):
        model = entry.content_type.model_class()
        changes = tuple(
            sorted(
                (name, tuple(_named(model._meta.get_field(name), v) for v in values))
                for name, values in (entry.changes_dict or {}).items()
                if name != "id"
            )
        )
        entries[(model.__name__, entry.action, entry.object_repr, changes, entry.actor_id)] += 1
    lines = Counter(
        (line.child.reference, line.summary, str(line.data.get("fields")))
        for line in ChildLog.objects.select_related("child")
    )
    versions = sorted(Child.objects.values_list("reference", "lock_version"))
    return {"audit_by_name": entries, "lines": lines, "versions": versions}


@pytest.mark.parametrize("batch", [2000, 7])
def test_bulk_reimport_with_changes_gives_the_records_history_audit_and_dates_of_the_services(
    db, team, settings, batch
):
    TeamFactory(name="Children in Care South", unit=team.unit)
    workers, iro = _people()
    new_iro = UserFactory(email="iro2@example.org", roles=[RoleCode.IRO])
    _load(workers, iro)
    # A step whose owner is not the one its review's allocations give (changed in the admin):
    # the child's two changes below each reassign it, one after the other.
    step = PlannedStep.objects.get(
        planned__child__reference="1000005",
        planned__closed_on=None,
        kind=PlannedStep.Kind.INVITATIONS_SENT,
    )
    step.assignee = workers[2]
    step.save()
    settings.IMPORTS_BATCH = batch  # 7: the batches meet in the middle of the files
    files = _changed_files(workers, iro, new_iro)

    settings.IMPORTS_BULK = False
    try:
        with transaction.atomic():
            counts = _import(files)
            expected = {**_snapshot(), **_audit_by_name()}
            raise _Undo
    except _Undo:
        pass
    settings.IMPORTS_BULK = True

    assert _import(files) == counts
    found = {**_snapshot(), **_audit_by_name()}

    assert counts == [(1, 7, 4), (0, 6, 44), (1, 7, 69)]
    for part in expected:
        assert found[part] == expected[part], part
    child = Child.objects.get(reference="1000005")
    assert (child.social_worker, child.reviewing_officer) == (workers[0], new_iro)
    assert PlannedStep.objects.get(pk=step.pk).assignee == new_iro
    assert Child.objects.get(reference="1000006").restricted


def test_batched_allocation_change_starting_before_the_current_one_is_refused(
    db, child, social_worker
):
    """Someone allocated a later worker after the import was checked: as child_allocate, the
    change is refused (and with it the import, undone by its transaction)."""
    other = UserFactory(roles=[RoleCode.SOCIAL_WORKER])
    current = child.allocations.get(kind=Allocation.Kind.SOCIAL_WORKER, end_date=None)
    before = current.start_date - dt.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        cases.allocations_change_many(
            items=[(child.pk, Allocation.Kind.SOCIAL_WORKER, other, before)], by=None
        )

    assert "start on or after the current one" in str(refused.value)
    current.refresh_from_db()
    assert current.end_date is None


def test_batched_changes_to_a_child_gone_since_the_import_was_checked_are_refused(db, team):
    with pytest.raises(IntegrityError):
        cases.children_update_many(items=[(987654, {"first_name": "Gone"}, None)], by=None)


@pytest.mark.parametrize("bulk", [True, False])
def test_allocation_starting_before_the_current_one_is_a_problem_in_its_row_place(
    db, team, settings, bulk
):
    """The current allocations are read after the batch's rows are checked (for the rows that
    would change one only): its problem is still listed in row order."""
    settings.IMPORTS_BULK = bulk
    workers, iro = _people()
    import_now(kind="children", uploads=[sample("children.csv")])
    import_now(kind="allocations", uploads=[_allocations(workers, iro, ["1000001", "1000002"])])
    lines = [
        "CHILD_ID,ROLE,PERSON_EMAIL,TEAM,FROM",
        f"1000001,social_worker,{workers[2].email},,01/03/2025",  # before the current one
        "1000002,social_worker,nobody@example.org,,01/05/2025",
        f"1000003,social_worker,{workers[2].email},,31/13/2025",
        f"1000004,social_worker,{workers[2].email},,01/05/2025",
    ]

    _run, plan = import_now(
        kind="allocations", uploads=[csv_upload("allocations.csv", "\n".join(lines) + "\n")]
    )

    assert [(p.row, p.column) for p in plan.problems] == [
        (2, "FROM"),
        (3, "PERSON_EMAIL"),
        (4, "FROM"),
    ]
    assert "starts later, on 1 April 2025" in plan.problems[0].message
    assert Child.objects.get(reference="1000001").social_worker == workers[0]
