"""The bulk writers' shortcuts give what Django and auditlog give: prp.audit.changes_of is
auditlog's model_instance_diff, and prp.bulk.create_rows (COPY on PostgreSQL) writes the rows
bulk_create writes."""

import datetime as dt

import pytest
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from cases.models import Allocation, Child, ChildLog, ChildStatus, KeyDate, LegalStatus
from prp.audit import changes_of
from prp.bulk import create_rows, snapshot, update_rows

from ..factories import ChildFactory, TeamFactory, UserFactory

MOMENT = dt.datetime(2025, 3, 30, 1, 30, 15, 123456, tzinfo=dt.UTC)


def _child(**values):
    details = {
        "pk": 41,
        "first_name": "Zoë",
        "last_name": "O'Neil\tTab",
        "date_of_birth": dt.date(2012, 2, 29),
        "reference": "R\\1",
        "status": ChildStatus.CHILD_IN_CARE,
        "legal_status": LegalStatus.NONE,
        "created_at": MOMENT,
        **values,
    }
    return Child(**details)


@pytest.mark.parametrize("model", sorted(auditlog.get_models(), key=lambda m: m._meta.label))
def test_a_new_record_of_every_audited_model_has_auditlogs_changes(model):
    """Every registered model, as made with its defaults: the empty and default values of every
    field kind auditlog reads (None, "", 0, False, a default date-time, a JSON default)."""
    record = model(pk=7)
    assert changes_of(None, record, None) == model_instance_diff(None, record)


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"team_id": 3, "social_worker_id": 12, "restricted": True},
        {"archived_at": MOMENT, "review_due_on": dt.date(2026, 1, 5), "qapr_windows_due": 4},
        {"review_due_reason": "None"},  # the text "None" reads as no change from nothing
        {"first_name": "", "legal_status": "care_order"},
    ],
)
def test_a_new_childs_changes_are_auditlogs(values):
    child = _child(**values)
    assert changes_of(None, child, None) == model_instance_diff(None, child)


@pytest.mark.parametrize(
    "fields",
    [
        None,
        ["team", "updated_at", "lock_version"],
        ["team_id"],
        ["review_due_on", "review_due_reason", "qapr_due_on", "qapr_windows_due"],
        ["first_name", "archived_at", "restricted"],
    ],
)
def test_a_changed_childs_changes_are_auditlogs(fields):
    before = _child(team_id=3)
    after = snapshot(before)
    after.team_id, after.first_name, after.restricted = 4, "Amara", True
    after.archived_at = MOMENT + dt.timedelta(hours=2)
    after.review_due_on, after.review_due_reason = dt.date(2026, 1, 5), "First review"
    after.lock_version, after.updated_at = 3, MOMENT
    expected = model_instance_diff(before, after, fields_to_check=fields)
    assert changes_of(before, after, fields) == expected
    assert changes_of(before, snapshot(before), fields) is None


def test_a_new_allocation_and_key_date_have_auditlogs_changes(db):
    worker, team = UserFactory(), TeamFactory()
    child = ChildFactory()
    for record in (
        Allocation(
            pk=5,
            child=child,
            kind=Allocation.Kind.SOCIAL_WORKER,
            worker=worker,
            start_date=dt.date(2024, 4, 1),
        ),
        Allocation(
            pk=6,
            child=child,
            kind=Allocation.Kind.TEAM,
            team=team,
            start_date=dt.date(2024, 4, 1),
            recorded_by=worker,
        ),
        KeyDate(
            pk=9,
            child=child,
            kind=KeyDate.Kind.CAME_INTO_CARE,
            on=dt.date(2024, 1, 8),
            note="Imported\nfrom the return",
        ),
    ):
        assert changes_of(None, record, None) == model_instance_diff(None, record)


def _stored(model, pks):
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    return [
        {name: row[name] for name in fields}
        for row in model.objects.filter(pk__in=pks).order_by("pk").values(*fields)
    ]


def _both_ways(model, make):
    """The rows `make()` gives, written by create_rows and by bulk_create: what is stored."""
    copied = create_rows(model, make())
    assert all(obj.pk and not obj._state.adding for obj in copied)
    inserted = model.objects.bulk_create(make())
    return _stored(model, [o.pk for o in copied]), _stored(model, [o.pk for o in inserted])


def test_create_rows_writes_what_bulk_create_writes(db):
    team, worker = TeamFactory(), UserFactory()

    made = iter(range(100))

    def children():
        return [
            _child(
                pk=None,
                reference=f"R{next(made)}",
                team=team if n % 2 else None,
                social_worker=worker,
                restricted=bool(n % 3),
                first_name=["Zoë", "back\\slash", "new\nline", "tab\there", "cr\r"][n],
                legal_status=LegalStatus.NONE,
                archived_at=None if n else MOMENT,
                qapr_windows_due=n,
            )
            for n in range(5)
        ]

    copied, inserted = _both_ways(Child, children)
    for row in copied + inserted:
        row.pop("reference"), row.pop("updated_at")  # unique; stamped at the write
    assert copied == inserted
    assert copied[1]["first_name"] == "back\\slash" and copied[4]["first_name"] == "cr\r"


def test_create_rows_writes_json_addresses_and_stamps_as_bulk_create(db):
    child = ChildFactory()
    kind = ContentType.objects.get_for_model(Child)
    user = UserFactory()

    def entries():
        return [
            LogEntry(
                content_type=kind,
                object_pk="12",
                object_id=12,
                object_repr="Child\t12",
                action=LogEntry.Action.UPDATE,
                changes={"first_name": ["None", "Zoë"]},
                actor=user,
                actor_email=user.email,
                remote_addr="2001:db8::1",
                remote_port=443,
                additional_data={"page": "child", "rows": [1, None]},
                timestamp=MOMENT,
                cid="abc",
            ),
            LogEntry(
                content_type=kind,
                object_pk="x",
                object_repr="",
                action=0,
                changes=None,
                remote_addr="",
                timestamp=MOMENT,
            ),
            LogEntry(
                content_type=kind,
                object_pk="y",
                object_repr="a\\b",
                action=2,
                changes={},
                remote_addr="127.0.0.1",
                timestamp=timezone.now(),
            ),
        ]

    copied, inserted = _both_ways(LogEntry, entries)
    assert copied[:2] == inserted[:2]
    # An empty text stays empty, not NULL; None is NULL.
    assert (copied[1]["object_repr"], copied[1]["cid"], copied[1]["remote_addr"]) == (
        "",
        None,
        None,
    )
    assert copied[2]["object_repr"] == "a\\b" and copied[2]["changes"] == {}

    copied, inserted = _both_ways(
        ChildLog, lambda: [ChildLog(child=child, summary="Made", at=MOMENT, data={"f": ["a"]})]
    )
    assert copied == inserted


def test_create_rows_takes_ascending_ids_after_those_held(db):
    held = ChildFactory()
    made = create_rows(Child, [_child(pk=None, reference=f"S{n}") for n in range(4)])
    ids = [child.pk for child in made]
    assert ids == sorted(ids) and ids[0] > held.pk and len(set(ids)) == 4
    assert Child.objects.filter(pk__in=ids).count() == 4


def test_update_rows_writes_what_bulk_update_writes(db):
    team, worker = TeamFactory(), UserFactory()
    fields = [
        "first_name",
        "legal_status",
        "restricted",
        "team",
        "social_worker",
        "review_due_on",
        "review_due_reason",
        "archived_at",
        "qapr_windows_due",
        "lock_version",
    ]

    def changed(prefix):
        children = [ChildFactory(reference=f"{prefix}{n}", team=team) for n in range(3)]
        for n, child in enumerate(children):
            child.first_name = ["Zoë", "", "tab\there"][n]
            child.legal_status = LegalStatus.NONE if n else "care_order"
            child.restricted, child.team = bool(n % 2), None if n else team
            child.social_worker = worker if n else None
            child.review_due_on = dt.date(2026, 1, 5) if n else None
            child.review_due_reason = "None" if n == 2 else "Due"
            child.archived_at = MOMENT if n == 1 else None
            child.qapr_windows_due, child.lock_version = n, n + 1
        return children

    update_rows(Child, written := changed("U"), fields, batch=2)
    Child.objects.bulk_update(expected := changed("B"), fields)
    values = [*fields[:3], "team_id", "social_worker_id", *fields[5:]]
    stored = lambda children: list(  # noqa: E731
        Child.objects.filter(pk__in=[c.pk for c in children]).order_by("pk").values(*values)
    )
    assert stored(written) == stored(expected)
