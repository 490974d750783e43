"""The review timescales in the admin, working every child's dates out again after a change,
and the read-only admin pages for reviews, key dates, changes and history."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from kombu.exceptions import OperationalError

from cases import services, tasks
from cases.models import (
    ChildLog,
    ChildStatus,
    KeyDate,
    Review,
    ReviewRule,
    RuleUnit,
    SignificantChange,
)
from prp.models import RoleCode
from tests.builders import allocate
from tests.factories import ChildFactory, UserFactory

D = dt.date
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, tzinfo=LONDON), tick=False) as t:
        yield t


@pytest.fixture
def admin_user(db):
    return UserFactory(
        full_name="Ada Admin", roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True
    )


@pytest.fixture
def cic_first(db):
    rule, _ = ReviewRule.objects.update_or_create(
        code=ReviewRule.Code.CIC_FIRST,
        defaults={"amount": 20, "unit": RuleUnit.WORKING_DAYS},
    )
    return rule


@pytest.fixture
def queued(monkeypatch):
    """Records each time the admin asks a worker to refresh the schedules."""
    calls = []
    monkeypatch.setattr(tasks.refresh_schedules, "delay", lambda: calls.append("queued"))
    return calls


def change_url(rule) -> str:
    return reverse("admin:cases_reviewrule_change", args=[rule.pk])


def test_the_rules_are_listed_by_what_they_mean(client, admin_user, cic_first):
    client.force_login(admin_user)
    page = client.get(reverse("admin:cases_reviewrule_changelist")).content.decode()
    assert "Child in care: first review after coming into care" in page
    assert "working days" in page
    assert reverse("admin:cases_reviewrule_add") not in page


def test_rules_cannot_be_added_or_deleted(client, admin_user, cic_first):
    client.force_login(admin_user)
    assert client.get(reverse("admin:cases_reviewrule_add")).status_code == 403
    delete = reverse("admin:cases_reviewrule_delete", args=[cic_first.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ReviewRule.objects.filter(pk=cic_first.pk).exists()


def test_changing_a_rule_works_out_every_childs_dates_again(
    client, admin_user, iro, team, cic_first, queued, django_capture_on_commit_callbacks
):
    child = allocate(ChildFactory(), team=team, reviewing_officer=iro)
    services.key_date_record(
        child=child, by=iro, kind=KeyDate.Kind.CAME_INTO_CARE, on=D(2026, 2, 2)
    )
    child.refresh_from_db()
    assert child.review_due_on == D(2026, 3, 2)  # 20 working days

    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(cic_first), {"amount": 10, "unit": "working_days", "edit_version": 0}
        )
    assert response.status_code == 302
    assert queued == ["queued"]
    cic_first.refresh_from_db()
    assert cic_first.amount == 10

    # The worker's job, run here directly.
    assert tasks.refresh_schedules() == 1
    child.refresh_from_db()
    assert child.review_due_on == D(2026, 2, 16)  # 10 working days
    assert "within 10 working days" in child.review_due_reason


def test_the_job_refreshes_only_children_with_a_schedule(iro, team, cic_first):
    in_care = allocate(ChildFactory(), team=team, reviewing_officer=iro)
    services.key_date_record(
        child=in_care, by=iro, kind=KeyDate.Kind.CAME_INTO_CARE, on=D(2026, 2, 2)
    )
    on_plan = allocate(
        ChildFactory(status=ChildStatus.CHILD_PROTECTION), team=team, reviewing_officer=iro
    )
    services.key_date_record(
        child=on_plan, by=iro, kind=KeyDate.Kind.STRATEGY_DISCUSSION, on=D(2026, 2, 2)
    )
    allocate(ChildFactory(status=ChildStatus.CHILD_IN_NEED), team=team, reviewing_officer=iro)
    ReviewRule.objects.filter(pk=cic_first.pk).update(amount=5)
    ReviewRule.objects.update_or_create(
        code=ReviewRule.Code.CP_INITIAL, defaults={"amount": 10, "unit": RuleUnit.WORKING_DAYS}
    )
    # Small chunks, so more than one is loaded.
    assert tasks.refresh_all_schedules(chunk=1) == 2
    in_care.refresh_from_db()
    on_plan.refresh_from_db()
    assert in_care.review_due_on == D(2026, 2, 9)
    assert on_plan.review_due_on == D(2026, 2, 16)


def test_the_command_runs_the_same_job(iro, team, cic_first, capsys):
    child = allocate(ChildFactory(), team=team, reviewing_officer=iro)
    services.key_date_record(
        child=child, by=iro, kind=KeyDate.Kind.CAME_INTO_CARE, on=D(2026, 2, 2)
    )
    ReviewRule.objects.filter(pk=cic_first.pk).update(amount=15)
    call_command("refresh_schedules")
    assert "worked out again for 1 children" in capsys.readouterr().out
    child.refresh_from_db()
    assert child.review_due_on == D(2026, 2, 23)


def test_the_admin_saves_when_the_broker_is_down(
    client, admin_user, cic_first, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down():
        raise OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    monkeypatch.setattr(tasks.refresh_schedules, "delay", broker_down)
    client.force_login(admin_user)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(cic_first), {"amount": 25, "unit": "working_days", "edit_version": 0}
        )
    assert response.status_code == 302
    cic_first.refresh_from_db()
    assert cic_first.amount == 25
    assert "Could not queue the review schedule refresh" in caplog.text


@pytest.mark.parametrize(
    ("code", "data", "message"),
    [
        (ReviewRule.Code.CIC_FIRST, {"amount": 3, "unit": "times_a_year"}, "time limit"),
        (ReviewRule.Code.QAPR_CP_FIRST_YEAR, {"amount": 3, "unit": "months"}, "times a year"),
        (ReviewRule.Code.CIC_FIRST, {"amount": 0, "unit": "working_days"}, "Enter 1 or more."),
        (ReviewRule.Code.CIC_FIRST, {"amount": "", "unit": "working_days"}, "required"),
    ],
)
def test_a_rule_that_makes_no_sense_is_refused(client, admin_user, queued, code, data, message):
    rule, _ = ReviewRule.objects.update_or_create(
        code=code,
        defaults={"amount": 3, "unit": "times_a_year" if "qapr" in code else "months"},
    )
    client.force_login(admin_user)
    response = client.post(change_url(rule), {**data, "edit_version": rule.lock_version})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert queued == []


def test_a_rule_change_needs_staff(client, iro, cic_first):
    client.force_login(iro)
    response = client.post(change_url(cic_first), {"amount": 1, "unit": "working_days"})
    assert response.status_code == 403  # the GOV.UK page, not a loop via sign-in
    cic_first.refresh_from_db()
    assert cic_first.amount == 20


# The record of what happened: read only ----------------------------------------------------------


@pytest.fixture
def history(iro, social_worker, child):
    services.key_date_record(
        child=child, by=iro, kind=KeyDate.Kind.CAME_INTO_CARE, on=D(2026, 2, 2)
    )
    services.review_record(child=child, by=iro, kind=Review.Kind.CIC_REVIEW, held_on=D(2026, 3, 2))
    services.significant_change_record(
        child=child,
        by=social_worker,
        kind=SignificantChange.Kind.HEALTH,
        occurred_on=D(2026, 3, 3),
        details="Seen by the GP",
    )
    return child


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (KeyDate, "keydate"),
        (Review, "review"),
        (SignificantChange, "significantchange"),
        (ChildLog, "childlog"),
    ],
)
def test_the_record_can_be_read_but_not_changed(client, admin_user, history, model, name):
    client.force_login(admin_user)
    obj = model.objects.first()
    changelist = client.get(reverse(f"admin:cases_{name}_changelist"))
    assert changelist.status_code == 200
    assert history.full_name in changelist.content.decode()
    assert client.get(reverse(f"admin:cases_{name}_add")).status_code == 403
    change = reverse(f"admin:cases_{name}_change", args=[obj.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change, {}).status_code == 403
    delete = reverse(f"admin:cases_{name}_delete", args=[obj.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_a_review_shows_its_tasks(client, admin_user, history):
    client.force_login(admin_user)
    review = Review.objects.get()
    page = client.get(reverse("admin:cases_review_change", args=[review.pk])).content.decode()
    assert "Circulate the review decisions" in page
    assert "Update the care plan" in page
