"""The SSDA903 return as one XML file: read into the CSV set's tables and planned by the same
planner, so the two give the same children, key dates, reviews and schedules."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.db import transaction

from cases.models import Child, ChildStatus, KeyDate, LegalStatus, Review
from imports.models import ImportRun
from imports.services import Upload, import_now

from ..factories import ChildFactory
from .conftest import SAMPLES, SSDA903_SET, sample

XML = "ssda903.xml"


def _snapshot():
    """Everything an import worked out, keyed by the child's id (not the database's)."""
    return {
        c.reference: (
            c.full_name,
            c.date_of_birth,
            c.status,
            c.legal_status,
            c.review_due_on,
            c.review_due_reason,
            sorted((k.kind, k.on) for k in c.key_dates.all()),
            sorted((r.kind, r.held_on) for r in c.reviews.all()),
        )
        for c in Child.objects.prefetch_related("key_dates", "reviews")
    }


def _imported(kind, uploads):
    """What importing gives, then undone (so the other form starts from the same nothing)."""
    with transaction.atomic():
        run, plan = import_now(kind=kind, uploads=uploads)
        assert plan.ok, plan.problems
        found = (run.created, run.updated, run.unchanged, run.placeholders), _snapshot()
        transaction.set_rollback(True)
    return found


def test_ssda903_xml_and_the_csv_set_give_identical_results(db):
    from_csv = _imported("ssda903", [sample(n) for n in SSDA903_SET])
    from_xml = _imported("ssda903_xml", [sample(XML)])

    assert not Child.objects.exists()
    assert from_xml == from_csv
    counts, children = from_xml
    assert counts[:3] == (50, 0, 0)
    assert len(children) == 50


def test_ssda903_xml_after_the_csv_set_changes_nothing_and_writes_no_audit_entry(db):
    import_now(kind="ssda903", uploads=[sample(n) for n in SSDA903_SET])
    entries = LogEntry.objects.exclude(content_type__app_label="imports").count()

    run, plan = import_now(kind="ssda903_xml", uploads=[sample(XML)])

    assert plan.ok
    assert (run.created, run.updated, run.unchanged) == (0, 0, 50)
    assert LogEntry.objects.exclude(content_type__app_label="imports").count() == entries
    run, _ = import_now(kind="ssda903_xml", uploads=[sample(XML)])
    assert (run.created, run.updated, run.unchanged) == (0, 0, 50)


def test_ssda903_xml_makes_children_in_care_with_key_dates_reviews_and_schedule(db):
    run, plan = import_now(kind="ssda903_xml", uploads=[sample(XML)])

    assert plan.ok, plan.problems
    assert run.status == ImportRun.Status.DONE
    assert (run.created, run.updated, run.unchanged) == (50, 0, 0)
    child = Child.objects.get(reference="1000001")
    assert child.full_name == "Child 1000001"
    assert child.date_of_birth == dt.date(2010, 6, 22)
    assert child.legal_status == LegalStatus.CARE_ORDER
    assert {(k.kind, k.on) for k in child.key_dates.all()} == {
        (KeyDate.Kind.CAME_INTO_CARE, dt.date(2024, 2, 19)),
        (KeyDate.Kind.CARER_CHANGE, dt.date(2024, 6, 18)),
        (KeyDate.Kind.LEFT_CARE, dt.date(2024, 8, 17)),
    }
    # 1000002: in care from 23 August 2024, first review held 17 September 2024: the second
    # is due within 3 months of it, 17 December 2024 (IRO Handbook).
    second = Child.objects.get(reference="1000002")
    assert second.status == ChildStatus.CHILD_IN_CARE
    assert list(second.reviews.values_list("kind", "held_on")) == [
        (Review.Kind.CIC_REVIEW, dt.date(2024, 9, 17))
    ]
    assert second.review_due_on == dt.date(2024, 12, 17)


def test_ssda903_xml_a_new_review_updates_the_child_and_moves_the_next_review(db):
    import_now(kind="ssda903_xml", uploads=[sample(XML)])
    data = (SAMPLES / XML).read_bytes()
    # A second review for 1000002, held on 10 December 2024.
    changed = data.replace(
        b"<REVIEW>17/09/2024</REVIEW>",
        b"<REVIEW>17/09/2024</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW>"
        b"<AREVIEW><REVIEW>10/12/2024</REVIEW>",
    )

    run, plan = import_now(kind="ssda903_xml", uploads=[Upload(XML, changed)])

    assert plan.ok, plan.problems
    assert (run.created, run.updated, run.unchanged) == (0, 1, 49)
    child = Child.objects.get(reference="1000002")
    assert child.reviews.count() == 2
    # Later reviews are due within 6 months of the last: 10 June 2025.
    assert child.review_due_on == dt.date(2025, 6, 10)


def test_ssda903_xml_matches_children_already_loaded_and_keeps_their_names(db):
    ChildFactory(reference="1000001", first_name="Amara", last_name="Okafor")

    run, _ = import_now(kind="ssda903_xml", uploads=[sample(XML)])

    assert (run.created, run.updated) == (49, 1)
    assert Child.objects.get(reference="1000001").full_name == "Amara Okafor"


def _file(*children: str) -> bytes:
    return ("<EXPSSDA903>\n" + "\n".join(children) + "\n</EXPSSDA903>\n").encode()


def _child(ident="1", dob="01/01/2015", ls="C2"):
    ids = f"<CHILDID>{ident}</CHILDID>" if ident is not None else ""
    return (
        f"<CHILD>\n<HEADER>{ids}<SEX>1</SEX>\n<DOB>{dob}</DOB>\n</HEADER>\n"
        f"<EPISODE><DECOM>01/02/2024</DECOM><RNE>S</RNE><LS>{ls}</LS></EPISODE>\n</CHILD>"
    )


BAD = [
    pytest.param(
        b"CHILD,SEX,DOB\n1,1,01/01/2015\n", (1, None, ""), "The file is not XML", id="csv"
    ),
    pytest.param(
        (SAMPLES / "cin_census.xml").read_bytes(),
        (2, None, ""),
        "The file is not an SSDA903 return: it starts with <Message>, not <EXPSSDA903>.",
        id="wrong-root",
    ),
    pytest.param(
        _file(_child(ident=None)), (3, "CHILD", ""), "This cell is empty", id="missing-childid"
    ),
    pytest.param(
        _file(_child(dob="31/02/2015")),
        (3, "DOB", "31/02/2015"),
        "Enter a real date, like 31/03/2024.",
        id="bad-date",
    ),
    pytest.param(
        _file(_child(), _child()),
        (9, "CHILD", "1"),
        "This child is also on row 3.",
        id="child-twice",
    ),
    pytest.param(
        _file(_child(ls="Z9")),
        (6, "LS", "Z9"),
        "This is not an SSDA903 legal status code.",
        id="unknown-legal-status",
    ),
]


@pytest.mark.parametrize(("data", "where", "message"), BAD)
def test_ssda903_xml_bad_file_names_file_line_element_and_value_and_writes_nothing(
    db, data, where, message
):
    run, plan = import_now(kind="ssda903_xml", uploads=[Upload("return.xml", data)])

    assert run.status == ImportRun.Status.FAILED
    assert not Child.objects.exists()
    found = [p for p in plan.problems if message in p.message]
    assert found, plan.problems
    assert found[0].file == "return.xml"
    assert (found[0].row, found[0].column, found[0].value) == where
    # In words: a line and an element, not a row and a column.
    line, element, _ = where
    assert (f"line {line}" in str(found[0])) == bool(line)
    assert (f"element {element}" in str(found[0])) == bool(element)
