"""The CIN census (XML): child protection plans, the conferences held, the schedule after."""

import datetime as dt
import tracemalloc

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command

from cases.models import Child, ChildStatus, KeyDate, Review
from imports.kinds.cin_census import read
from imports.models import ImportRun
from imports.services import Upload, import_now
from imports.summary import summary_lines
from imports.xmlfile import Items

from ..factories import ChildFactory
from .conftest import SAMPLES, sample

CIN = "cin_census.xml"
K, R = KeyDate.Kind, Review.Kind


def _history(child):
    return (
        {(k.kind, k.on) for k in child.key_dates.all()},
        {(r.kind, r.held_on) for r in child.reviews.all()},
    )


def _census(*children: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<Message>\n<Children>\n'
        + "\n".join(children)
        + "\n</Children>\n</Message>\n"
    ).encode()


def _child(ident="3000001", dob="2015-04-01", plans=("<CPPstartDate>2025-01-14</CPPstartDate>",)):
    ids = f"<LAchildID>{ident}</LAchildID>" if ident is not None else ""
    body = "".join(f"<ChildProtectionPlans>{p}</ChildProtectionPlans>" for p in plans)
    return (
        f"<Child>\n<ChildIdentifiers>{ids}\n<PersonBirthDate>{dob}</PersonBirthDate>\n"
        f"</ChildIdentifiers>\n<CINdetails>\n{body}\n</CINdetails>\n</Child>"
    )


def test_cin_census_makes_children_on_plans_with_their_conferences(db):
    run, plan = import_now(kind="cin_census", uploads=[sample(CIN)])

    assert plan.ok, plan.problems
    assert run.status == ImportRun.Status.DONE
    # 22 children in the census, 20 on plans: the 2 children in need with no plan are not made.
    assert (run.created, run.updated, run.unchanged) == (20, 0, 0)
    assert Child.objects.count() == 20
    assert not Child.objects.filter(reference__in=["2000021", "2000022"]).exists()
    child = Child.objects.get(reference="2000001")
    assert child.full_name == "Child 2000001"  # the census carries no names
    assert "Child 2000001" in run.placeholders
    assert child.date_of_birth == dt.date(2016, 1, 20)
    assert child.status == ChildStatus.CHILD_PROTECTION
    # The plan's start is the initial conference; the enquiry that led to it, the strategy
    # discussion.
    assert _history(child) == (
        {(K.STRATEGY_DISCUSSION, dt.date(2025, 6, 8))},
        {(R.CP_INITIAL, dt.date(2025, 6, 20))},
    )
    # The steps after a conference were done in the case-management system at the time.
    assert not child.reviews.get().steps.exists()


def test_cin_census_review_conferences_and_the_worked_out_next_conference(db):
    import_now(kind="cin_census", uploads=[sample(CIN)])

    # Initial conference on 20 June 2025, no review yet: the first review is due within 3
    # months, 20 September 2025, a Saturday, so Friday 19 September.
    first = Child.objects.get(reference="2000001")
    assert first.review_due_on == dt.date(2025, 9, 19)
    assert first.review_due_reason.startswith("First review conference")
    # Two reviews held (9 December 2024, 7 June 2025): the next within 6 months of the last.
    reviewed = Child.objects.get(reference="2000003")
    assert _history(reviewed)[1] == {
        (R.CP_INITIAL, dt.date(2024, 9, 15)),
        (R.CP_REVIEW, dt.date(2024, 12, 9)),
        (R.CP_REVIEW, dt.date(2025, 6, 7)),
    }
    assert reviewed.review_due_on == dt.date(2025, 12, 5)  # 7 December is a Sunday


def test_cin_census_ended_plan_makes_a_child_in_need_and_a_second_plan_counts_from_its_start(db):
    import_now(kind="cin_census", uploads=[sample(CIN)])

    ended = Child.objects.get(reference="2000004")
    assert ended.status == ChildStatus.CHILD_IN_NEED
    assert (K.CP_PLAN_ENDED, dt.date(2025, 5, 25)) in _history(ended)[0]
    assert ended.review_due_on is None  # no conferences are due once the plan has ended
    # 2000005: a plan from 16 July 2023 to 1 February 2024, then the current one from
    # 19 August 2024, reviewed on 12 November 2024: the next is due 6 months after that.
    again = Child.objects.get(reference="2000005")
    assert again.status == ChildStatus.CHILD_PROTECTION
    dates, reviews = _history(again)
    assert (K.CP_PLAN_ENDED, dt.date(2024, 2, 1)) in dates
    assert {(R.CP_INITIAL, dt.date(2023, 7, 16)), (R.CP_INITIAL, dt.date(2024, 8, 19))} <= reviews
    assert again.review_due_on == dt.date(2025, 5, 12)
    assert "12 November 2024" in again.review_due_reason


def test_cin_census_same_file_twice_changes_nothing_and_writes_no_audit_entry(db):
    import_now(kind="cin_census", uploads=[sample(CIN)])
    entries = LogEntry.objects.exclude(content_type__app_label="imports").count()

    run, plan = import_now(kind="cin_census", uploads=[sample(CIN)])

    assert plan.ok
    assert (run.created, run.updated, run.unchanged) == (0, 0, 20)
    assert run.placeholders == []
    assert LogEntry.objects.exclude(content_type__app_label="imports").count() == entries


def test_cin_census_a_new_review_updates_the_child_and_moves_the_next_conference(db):
    import_now(kind="cin_census", uploads=[sample(CIN)])
    data = (SAMPLES / CIN).read_bytes()
    # 2000001's first review conference, held on 1 August 2025.
    changed = data.replace(
        b"<CPPstartDate>2025-06-20</CPPstartDate>",
        b"<CPPstartDate>2025-06-20</CPPstartDate>"
        b"<Reviews><CPPreviewDate>2025-08-01</CPPreviewDate></Reviews>",
    )

    run, plan = import_now(kind="cin_census", uploads=[Upload(CIN, changed)])

    assert plan.ok, plan.problems
    assert (run.created, run.updated, run.unchanged) == (0, 1, 19)
    child = Child.objects.get(reference="2000001")
    assert (R.CP_REVIEW, dt.date(2025, 8, 1)) in _history(child)[1]
    assert child.review_due_on == dt.date(2026, 2, 1) - dt.timedelta(days=2)  # Sunday: Friday


def test_cin_census_matches_children_already_loaded_and_keeps_their_names_and_care(db):
    ChildFactory(
        reference="2000002",
        first_name="Amara",
        last_name="Okafor",
        status=ChildStatus.CHILD_IN_NEED,
    )
    ChildFactory(reference="2000003", status=ChildStatus.CHILD_IN_CARE)

    run, _ = import_now(kind="cin_census", uploads=[sample(CIN)])

    assert (run.created, run.updated) == (18, 2)
    named = Child.objects.get(reference="2000002")
    assert named.full_name == "Amara Okafor"
    assert named.status == ChildStatus.CHILD_PROTECTION
    assert "Child 2000002" not in run.placeholders
    # A child in care on a plan stays in care: the SSDA903 return says when they leave.
    assert Child.objects.get(reference="2000003").status == ChildStatus.CHILD_IN_CARE


def test_cin_census_child_on_a_plan_missing_from_the_census_is_listed_not_deleted(db):
    ChildFactory(reference="9999999", status=ChildStatus.CHILD_PROTECTION)

    run, _ = import_now(kind="cin_census", uploads=[sample(CIN)])

    assert run.not_in_extract == ["9999999"]
    assert Child.objects.filter(reference="9999999").exists()


def test_cin_census_from_the_nightly_command_and_a_folder_of_xml_files(db, tmp_path):
    (tmp_path / CIN).write_bytes((SAMPLES / CIN).read_bytes())

    call_command("import_records", "--kind", "cin_census", str(tmp_path))

    assert Child.objects.count() == 20


BAD = [
    pytest.param(
        b"CHILD,DOB\n1000001,01/02/2015\n",
        (1, None, ""),
        "The file is not XML",
        id="not-xml",
    ),
    pytest.param(
        (SAMPLES / "ssda903.xml").read_bytes(),
        (2, None, ""),
        "The file is not a CIN census: it starts with <EXPSSDA903>, not <Message>.",
        id="wrong-root",
    ),
    pytest.param(
        _census(_child(ident=None)),
        (4, "LAchildID", ""),
        "The LAchildID element is missing or empty.",
        id="missing-lachildid",
    ),
    pytest.param(
        _census(_child(plans=("<CPPstartDate>2025-02-30</CPPstartDate>",))),
        (9, "CPPstartDate", "2025-02-30"),
        "Enter a real date, like 31/03/2024.",
        id="bad-date",
    ),
    pytest.param(
        _census(_child(), _child()),
        (13, "LAchildID", "3000001"),
        "This child is also on line 5.",
        id="child-twice",
    ),
    pytest.param(
        _census(_child(plans=("<CPPstartDate>2024-01-14</CPPstartDate>",) * 2)),
        (9, "CPPendDate", ""),
        "a child is on one plan at a time",
        id="two-open-plans",
    ),
    pytest.param(
        b'<?xml version="1.0"?>\n<!DOCTYPE Message [<!ENTITY a "aaaaaaaaaa">]>\n'
        b"<Message><Children>&a;</Children></Message>",
        (None, None, ""),
        "The file declares a document type or entities",
        id="entity-declared",
    ),
]


@pytest.mark.parametrize(("data", "where", "message"), BAD)
def test_cin_census_bad_file_names_the_file_line_element_and_value_and_writes_nothing(
    db, data, where, message
):
    run, plan = import_now(kind="cin_census", uploads=[Upload("census.xml", data)])

    assert run.status == ImportRun.Status.FAILED
    assert not Child.objects.exists()
    found = [p for p in plan.problems if message in p.message]
    assert found, plan.problems
    assert found[0].file == "census.xml"
    assert (found[0].row, found[0].column, found[0].value) == where
    # In words: a line and an element, not a row and a column.
    line, element, _ = where
    assert (f"line {line}" in str(found[0])) == bool(line)
    assert (f"element {element}" in str(found[0])) == bool(element)


def test_cin_census_parsing_memory_stays_flat_as_the_file_grows():
    """The element tree of a child is let go once read: 20,000 children take no more memory to
    parse than 2,000 (the figures are in docs/PERFORMANCE.md)."""

    def peak(count):
        data = _census(*(_child(ident=str(4000000 + n)) for n in range(count)))
        tracemalloc.start()
        for _child_element in Items("c.xml", data, roots=("Message",), item="Child", what="x"):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(2_000), peak(20_000)
    assert large < small * 1.5, (small, large)


def test_cin_census_reader_keeps_each_plan_with_its_child():
    census = read(CIN, (SAMPLES / CIN).read_bytes())[0]

    assert len(census.children) == 22
    assert sum(1 for c in census.children if c.plans) == 20
    second = next(c for c in census.children if c.id.text == "2000005")
    assert [p.start.text for p in second.plans] == ["2023-07-16", "2024-08-19"]


def _enquiry_only(ident="3000009"):
    return (
        f"<Child>\n<ChildIdentifiers><LAchildID>{ident}</LAchildID>\n"
        "<PersonBirthDate>2014-05-05</PersonBirthDate>\n</ChildIdentifiers>\n<CINdetails>\n"
        "<Section47><S47ActualStartDate>2025-08-11</S47ActualStartDate></Section47>\n"
        "</CINdetails>\n</Child>"
    )


def _unborn(ident="3000010"):
    return (
        f"<Child>\n<ChildIdentifiers><LAchildID>{ident}</LAchildID>\n"
        "<ExpectedPersonBirthDate>2025-10-20</ExpectedPersonBirthDate>\n</ChildIdentifiers>\n"
        "<CINdetails>\n<ChildProtectionPlans><CPPstartDate>2025-07-01</CPPstartDate>"
        "</ChildProtectionPlans>\n</CINdetails>\n</Child>"
    )


def test_cin_census_open_section_47_enquiry_without_a_plan_is_listed_not_made_a_plan(db):
    held = ChildFactory(reference="3000009", status=ChildStatus.CHILD_IN_NEED)
    upload = Upload("census.xml", _census(_child(), _enquiry_only()))

    run, plan = import_now(kind="cin_census", uploads=[upload])

    assert plan.ok, plan.problems
    assert (run.created, run.updated, run.unchanged) == (1, 0, 0)
    held.refresh_from_db()
    assert held.status == ChildStatus.CHILD_IN_NEED
    assert not held.key_dates.exists() and not held.reviews.exists()
    assert plan.left_out == [
        "Child 3000009: a section 47 enquiry started on 11 August 2025 and no child protection "
        "plan. Not recorded as a plan."
    ]
    assert "1 in the file and not imported:" in summary_lines(plan, confirmed=True)


def test_cin_census_unborn_child_not_held_is_listed_without_an_error(db):
    run, plan = import_now(kind="cin_census", uploads=[Upload("c.xml", _census(_unborn()))])

    assert plan.ok, plan.problems
    assert run.status == ImportRun.Status.DONE
    assert not Child.objects.filter(reference="3000010").exists()
    assert plan.left_out[0].startswith("Child 3000010: unborn, on a child protection plan.")


def test_cin_census_unborn_child_held_here_gets_the_plan_and_keeps_the_date_of_birth(db):
    held = ChildFactory(
        reference="3000010", status=ChildStatus.CHILD_IN_NEED, date_of_birth=dt.date(2025, 8, 2)
    )

    run, plan = import_now(kind="cin_census", uploads=[Upload("c.xml", _census(_unborn()))])

    assert plan.ok, plan.problems
    assert (run.created, run.updated) == (0, 1)
    held.refresh_from_db()
    assert held.date_of_birth == dt.date(2025, 8, 2)
    assert held.status == ChildStatus.CHILD_PROTECTION
    assert {(r.kind, r.held_on) for r in held.reviews.all()} == {
        (Review.Kind.CP_INITIAL, dt.date(2025, 7, 1))
    }
    assert held.review_due_on is not None


def test_cin_census_child_with_neither_date_of_birth_is_an_error(db):
    xml = _unborn().replace("ExpectedPersonBirthDate", "Other")

    _, plan = import_now(kind="cin_census", uploads=[Upload("c.xml", _census(xml))])

    assert [p.column for p in plan.problems] == ["PersonBirthDate"]
