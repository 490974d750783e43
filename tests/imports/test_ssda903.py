"""The SSDA903 return's CSV set: children in care, key dates, legal status, reviews held."""

import datetime as dt

from auditlog.models import LogEntry

from cases.models import Child, ChildStatus, KeyDate, LegalStatus, Review
from imports.models import ImportRun
from imports.services import import_now

from ..factories import ChildFactory
from .conftest import SSDA903_SET, csv_upload, sample


def test_ssda903_set_makes_children_in_care_with_key_dates_and_reviews(db):
    run, plan = import_now(kind="ssda903", uploads=[sample(n) for n in SSDA903_SET])

    assert plan.ok, plan.problems
    assert (run.created, run.updated, run.unchanged) == (50, 0, 0)
    assert run.status == ImportRun.Status.DONE
    assert Child.objects.count() == 50
    child = Child.objects.get(reference="1000001")
    assert child.full_name == "Child 1000001"  # the return carries no names
    assert "Child 1000001" in run.placeholders
    assert child.date_of_birth == dt.date(2010, 6, 22)
    assert child.status == ChildStatus.CHILD_IN_CARE
    assert child.legal_status == LegalStatus.CARE_ORDER
    kinds = {(k.kind, k.on) for k in child.key_dates.all()}
    assert kinds == {
        (KeyDate.Kind.CAME_INTO_CARE, dt.date(2024, 2, 19)),
        (KeyDate.Kind.CARER_CHANGE, dt.date(2024, 6, 18)),
        (KeyDate.Kind.LEFT_CARE, dt.date(2024, 8, 17)),
    }
    assert list(child.reviews.values_list("kind", "held_on")) == [
        (Review.Kind.CIC_REVIEW, dt.date(2024, 3, 15))
    ]
    # The steps after a review were done in the case-management system at the time.
    assert not child.reviews.get().steps.exists()


def test_ssda903_review_schedule_worked_out_after_import(db):
    import_now(kind="ssda903", uploads=[sample(n) for n in SSDA903_SET])

    # 1000002: in care from 19 August 2024 (row 3 of the episodes), first review held
    # 17 September 2024: the second is due within 3 months of it (IRO Handbook).
    child = Child.objects.get(reference="1000002")
    assert child.review_due_on is not None
    first = child.reviews.get().held_on
    assert first + dt.timedelta(days=80) <= child.review_due_on <= first + dt.timedelta(days=93)


def test_ssda903_same_files_twice_change_nothing_and_write_no_audit_entry(db):
    uploads = [sample(n) for n in SSDA903_SET]
    import_now(kind="ssda903", uploads=uploads)
    entries = LogEntry.objects.exclude(content_type__app_label="imports").count()

    run, _plan = import_now(kind="ssda903", uploads=uploads)

    assert (run.created, run.updated, run.unchanged) == (0, 0, 50)
    assert LogEntry.objects.exclude(content_type__app_label="imports").count() == entries


def test_ssda903_matches_children_already_loaded_and_keeps_their_names(db):
    ChildFactory(reference="1000001", first_name="Amara", last_name="Okafor")

    run, _ = import_now(kind="ssda903", uploads=[sample(n) for n in SSDA903_SET])

    assert (run.created, run.updated) == (49, 1)
    assert Child.objects.get(reference="1000001").full_name == "Amara Okafor"
    assert "Child 1000001" not in run.placeholders


def test_ssda903_child_in_care_missing_from_the_return_is_listed_not_deleted(db):
    ChildFactory(reference="9999999")

    run, _ = import_now(kind="ssda903", uploads=[sample(n) for n in SSDA903_SET])

    assert run.not_in_extract == ["9999999"]
    assert Child.objects.filter(reference="9999999").exists()


def test_ssda903_unknown_legal_status_names_file_row_and_column_and_writes_nothing(db):
    header = csv_upload("header.csv", "CHILD,SEX,DOB\n1,1,01/01/2015\n2,2,01/01/2016\n")
    episodes = csv_upload(
        "episodes.csv", "CHILD,DECOM,RNE,LS\n1,01/02/2024,S,C2\n2,01/02/2024,S,Z9\n"
    )

    run, plan = import_now(kind="ssda903", uploads=[header, episodes])

    assert [(p.file, p.row, p.column, p.value) for p in plan.problems] == [
        ("episodes.csv", 3, "LS", "Z9")
    ]
    assert run.status == ImportRun.Status.FAILED
    assert not Child.objects.exists()


def test_ssda903_missing_columns_and_missing_files_are_errors(db):
    header = csv_upload("header.csv", "CHILD,SEX\n1,1\n")

    _, plan = import_now(kind="ssda903", uploads=[header])

    assert ("header.csv", 1, "DOB") in [(p.file, p.row, p.column) for p in plan.problems]
    _, plan = import_now(kind="ssda903", uploads=[sample("ssda903_header.csv")])
    assert [p.message for p in plan.problems] == ["The episodes file of the set is missing."]


def test_ssda903_child_twice_in_header_and_birth_in_future(db):
    header = csv_upload(
        "header.csv", "CHILD,SEX,DOB\n1,1,01/01/2015\n1,2,01/01/2016\n2,1,01/01/2030\n"
    )
    episodes = csv_upload("episodes.csv", "CHILD,DECOM,RNE,LS\n1,01/02/2024,S,C2\n")

    _, plan = import_now(kind="ssda903", uploads=[header, episodes])

    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (3, "CHILD", "This child is also on row 2."),
        (4, "DOB", "The date is in the future."),
    ]
