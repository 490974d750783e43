import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import Allocation
from cases.services import child_allocate, child_sync_current_allocation
from tests.factories import AllocationFactory, ChildFactory, UserFactory


def test_reallocating_ends_the_current_allocation_and_moves_the_child(child, social_worker):
    new_worker = UserFactory(full_name="New Worker")
    child_allocate(
        child=child,
        kind=Allocation.Kind.SOCIAL_WORKER,
        worker=new_worker,
        start_date=dt.date(2026, 3, 2),
        recorded_by=social_worker,
    )
    child.refresh_from_db()
    assert child.social_worker == new_worker
    history = list(child.allocations.filter(kind=Allocation.Kind.SOCIAL_WORKER))
    assert [(a.worker, a.end_date) for a in history] == [
        (new_worker, None),
        (social_worker, dt.date(2026, 3, 2)),
    ]


def test_a_new_allocation_cannot_start_before_the_current_one(child):
    with pytest.raises(ValidationError):
        child_allocate(
            child=child,
            kind=Allocation.Kind.SOCIAL_WORKER,
            worker=UserFactory(),
            start_date=dt.date(2020, 1, 1),
            recorded_by=None,
        )
    child.refresh_from_db()
    assert child.allocations.filter(end_date__isnull=True).count() == 3


def test_the_database_refuses_two_current_allocations_of_one_kind(db):
    child = ChildFactory()
    AllocationFactory(child=child)
    with pytest.raises(IntegrityError), transaction.atomic():
        AllocationFactory(child=child)


def test_the_database_refuses_an_allocation_without_a_holder(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        AllocationFactory(kind=Allocation.Kind.TEAM, worker=None, team=None)


def test_the_database_refuses_an_allocation_ending_before_it_starts(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        AllocationFactory(start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 1, 1))


def test_sync_sets_current_fields_from_open_allocations(child, social_worker):
    child.allocations.filter(kind=Allocation.Kind.SOCIAL_WORKER).update(
        end_date=dt.date(2026, 1, 1)
    )
    child = child_sync_current_allocation(child=child)
    assert child.social_worker is None
    assert child.reviewing_officer is not None


def test_age_is_worked_out_on_a_given_day():
    child = ChildFactory.build(date_of_birth=dt.date(2015, 3, 14))
    assert child.age_on(dt.date(2026, 3, 13)) == 10
    assert child.age_on(dt.date(2026, 3, 14)) == 11
