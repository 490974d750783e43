"""Issue 14 rule 1, seed 000 §6.1 and §6.2: a significant change for a child with no IRO or CP
Chair allocated is recorded; the IRO Service Manager (child in care) or the CP Service Manager
(child protection) is told instead and may decide on an early review or allocate. Every message
meant for the child's reviewing officer falls back the same way (cases.reviewer).

The clock is Wednesday 4 March 2026."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from cases.models import ChildStatus, KeyDate, SignificantChange
from cases.services import key_date_record
from notifications.models import Kind, Notification
from prp.models import OrgUnit, RoleCode, Team
from reminders.chase import chase_scan
from tests.builders import allocate, raised_task
from tests.cases.test_review_pages import assert_error_page, banners, date_data
from tests.factories import (
    ChildFactory,
    OrgUnitFactory,
    PostFactory,
    RoleFactory,
    TeamFactory,
    UserFactory,
)

LONDON = ZoneInfo("Europe/London")
TODAY = dt.date(2026, 3, 4)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, tzinfo=LONDON), tick=False) as t:
        yield t


def _service_manager(unit, name):
    role = RoleFactory(code=RoleCode.REVIEWING_SERVICE_MANAGER)
    holder = UserFactory(full_name=name, roles=[RoleCode.REVIEWING_SERVICE_MANAGER])
    return PostFactory(unit=unit, role=role, holder=holder).holder


@pytest.fixture
def iro_service_manager(reviewing_service, iro):
    """Above the IRO team (the `iro` fixture is its member)."""
    return _service_manager(reviewing_service, "Isla Service")


@pytest.fixture
def cp_service_manager(directorate):
    """The CP Chairs have a service of their own with its own service manager."""
    unit = OrgUnitFactory(
        name="Child Protection Chairs",
        kind=OrgUnit.Kind.SERVICE,
        parent=directorate,
        is_reviewing_service=True,
    )
    chairs = TeamFactory(name="CP Chairs Team", unit=unit, kind=Team.Kind.REVIEWING)
    UserFactory(full_name="Chris Chair", roles=[RoleCode.CP_CHAIR], team=chairs)
    return _service_manager(unit, "Cass Protection")


@pytest.fixture
def unreviewed_child(team, social_worker):
    return allocate(
        ChildFactory(first_name="Nia", last_name="Alone"), team=team, social_worker=social_worker
    )


@pytest.fixture
def unreviewed_cp_child(team, social_worker):
    child = ChildFactory(first_name="Kai", last_name="Alone", status=ChildStatus.CHILD_PROTECTION)
    return allocate(child, team=team, social_worker=social_worker)


def record_change(client, by, child, kind="missing"):
    client.force_login(by)
    data = {"kind": kind, **date_data("occurred_on", TODAY), "details": "Missing overnight"}
    return client.post(reverse("cases:change_new", args=[child.pk]), data)


def test_gloucestershire_6_1_change_without_an_iro_tells_the_iro_service_manager(
    client, social_worker, unreviewed_child, iro_service_manager, cp_service_manager
):
    page = client.force_login(social_worker) or client.get(
        reverse("cases:change_new", args=[unreviewed_child.pk])
    )
    assert "so the IRO Service Manager is told at once instead" in page.content.decode()
    response = record_change(client, social_worker, unreviewed_child)
    assert response.status_code == 302
    assert banners(response) == [
        "Significant change recorded. Nia has no Independent Reviewing Officer allocated, so the "
        "IRO Service Manager (Isla Service) has been told"
    ]
    change = SignificantChange.objects.get()
    assert change.reviewing_officer is None
    told = Notification.objects.get(kind=Kind.SIGNIFICANT_CHANGE)
    assert told.recipient == iro_service_manager  # not the CP Service Manager
    assert "has told you as the IRO Service Manager" in told.body_text
    assert "Nia Alone has no Independent Reviewing Officer allocated" in told.body_text
    assert "You can instead allocate an IRO, who will be told and will decide" in told.body_text
    assert told.url == reverse("cases:change_decide", args=[change.pk])

    # The service manager finds it waiting and decides.
    client.force_login(iro_service_manager)
    assert "Missing from care" in client.get(reverse("cases:reviews_due")).content.decode()
    decide = reverse("cases:change_decide", args=[change.pk])
    page = client.get(decide).content.decode()
    assert reverse("cases:reviewer_allocate", args=[unreviewed_child.pk]) in page
    assert "The IRO Service Manager: no IRO was allocated" in page
    response = client.post(
        decide,
        {
            "decision": "early_review",
            **date_data("early_review_by", dt.date(2026, 3, 18)),
            "lock_version": change.lock_version,
        },
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.decision == SignificantChange.Decision.EARLY_REVIEW
    assert change.decided_by == iro_service_manager


def test_gloucestershire_6_2_change_without_a_cp_chair_tells_the_cp_service_manager(
    client, social_worker, unreviewed_cp_child, iro_service_manager, cp_service_manager
):
    response = record_change(client, social_worker, unreviewed_cp_child, kind="harm")
    assert response.status_code == 302
    assert "the CP Service Manager (Cass Protection) has been told" in banners(response)[0]
    told = Notification.objects.get(kind=Kind.SIGNIFICANT_CHANGE)
    assert told.recipient == cp_service_manager
    assert "has no Child Protection Chair allocated" in told.body_text
    client.force_login(cp_service_manager)
    change = SignificantChange.objects.get()
    page = client.get(reverse("cases:change_decide", args=[change.pk])).content.decode()
    assert "The CP Service Manager: no CP Chair was allocated" in page


def test_gloucestershire_6_without_any_service_manager_post_every_reviewing_manager_is_told(
    client, social_worker, unreviewed_child, service_manager
):
    record_change(client, social_worker, unreviewed_child)
    told = Notification.objects.get(kind=Kind.SIGNIFICANT_CHANGE)
    assert told.recipient == service_manager


def test_gloucestershire_6_the_service_manager_allocates_an_iro_who_is_told(
    client, iro, social_worker, unreviewed_child, iro_service_manager, cp_service_manager
):
    record_change(client, social_worker, unreviewed_child)
    change = SignificantChange.objects.get()
    url = reverse("cases:reviewer_allocate", args=[unreviewed_child.pk])

    # Only the reviewing service's managers allocate.
    assert client.get(url).status_code == 403
    client.force_login(iro_service_manager)
    assert_error_page(client.post(url, {}), "Select an IRO")
    chair = UserFactory(full_name="Chris Other", roles=[RoleCode.CP_CHAIR])
    assert_error_page(client.post(url, {"officer": chair.pk}), "Select an IRO")
    assert "Chris Other" not in client.get(url).content.decode()

    response = client.post(url, {"officer": iro.pk})
    assert response.status_code == 302
    assert banners(response) == ["Ira Reviewer is now Nia's Independent Reviewing Officer"]
    unreviewed_child.refresh_from_db()
    assert unreviewed_child.reviewing_officer == iro
    change.refresh_from_db()
    assert change.reviewing_officer == iro
    told = Notification.objects.get(kind=Kind.SIGNIFICANT_CHANGE, recipient=iro)
    assert "as Nia Alone's Independent Reviewing Officer" in told.body_text
    assert unreviewed_child.log.filter(summary__contains="allocated as").exists()
    # Now the IRO decides, and the next change goes straight to them.
    record_change(client, social_worker, unreviewed_child)
    assert Notification.objects.filter(kind=Kind.SIGNIFICANT_CHANGE, recipient=iro).count() == 2


def test_gloucestershire_6_a_review_due_without_an_iro_is_chased_with_the_service_manager(
    social_worker, unreviewed_child, iro_service_manager, cp_service_manager
):
    key_date_record(
        child=unreviewed_child,
        by=social_worker,
        kind=KeyDate.Kind.CAME_INTO_CARE,
        on=dt.date(2026, 2, 2),
    )
    # The first review was due on Monday 2 March: Tuesday 3 March is the first day late.
    chase_scan(dt.datetime(2026, 3, 3, 10, tzinfo=LONDON))
    chased = Notification.objects.get(kind=Kind.REVIEW_DUE)
    assert chased.recipient == iro_service_manager
    assert (
        "Why this has come to you: Nia Alone has no Independent Reviewing Officer allocated, so "
        "it comes to you as the IRO Service Manager, who stands in for them. You can allocate an "
        "IRO in"
    ) in " ".join(chased.body_text.split())
    assert "Why this has come to you" in chased.body_html


# The same fallback for every message meant for "the child's IRO / CP Chair" ---------------------


def test_seed_000_6_an_iro_allocated_gets_the_review_due_with_no_standing_in_note(
    social_worker, unreviewed_child, iro, iro_service_manager
):
    unreviewed_child.reviewing_officer = iro
    unreviewed_child.save(update_fields=["reviewing_officer"])
    key_date_record(
        child=unreviewed_child,
        by=social_worker,
        kind=KeyDate.Kind.CAME_INTO_CARE,
        on=dt.date(2026, 2, 2),
    )
    chase_scan(dt.datetime(2026, 3, 3, 10, tzinfo=LONDON))
    chased = Notification.objects.get(kind=Kind.REVIEW_DUE)
    assert chased.recipient == iro
    assert "Why this has come to you" not in chased.body_text


def test_seed_000_6_2_no_cp_chair_the_qapr_due_goes_to_the_cp_service_manager_saying_why(
    unreviewed_cp_child, iro_service_manager, cp_service_manager
):
    """Kai's initial conference was chaired on 3 November 2025 by a CP Chair who is not
    allocated to him; his QAPR comes due by 3 February 2026 with no CP Chair allocated."""
    from cases.models import Review, ReviewStep
    from prp.models import User
    from tests.notifications.test_review_notifications import complete, record_review, step_of

    chair = User.objects.get(full_name="Chris Chair")
    review = record_review(unreviewed_cp_child, chair, dt.date(2025, 11, 3), Review.Kind.CP_INITIAL)
    complete(step_of(review, ReviewStep.Kind.DECISIONS_CIRCULATED), chair, dt.date(2025, 11, 5))
    unreviewed_cp_child.refresh_from_db()
    assert unreviewed_cp_child.reviewing_officer is None
    chase_scan(dt.datetime(2026, 1, 20, 10, tzinfo=LONDON))
    told = Notification.objects.get(kind=Kind.QAPR_DUE)
    assert told.recipient == cp_service_manager  # not the IRO Service Manager
    assert (
        "Kai Alone has no Child Protection Chair allocated, so it comes to you as the CP Service "
        "Manager"
    ) in " ".join(told.body_text.split())


@pytest.fixture
def blackpool(protocols):
    from prp.presets import activate

    return activate(protocols["blackpool"])


@pytest.fixture
def sqr_head(reviewing_service, iro_team):
    role = RoleCode.REVIEWING_HEAD_OF_SERVICE
    holder = UserFactory(full_name="Hal Reviewing", roles=[role], team=iro_team)
    return PostFactory(unit=reviewing_service, role=RoleFactory(code=role), holder=holder).holder


def _blackpool_stage_4_not_resolved(iro, child, team_manager, sqr_head, assistant_director):
    """Raised by the IRO at stage 1, taken to stage 4 by the SQR Head of Service, and withdrawn
    there: not resolved for a child in care (seed 004 stage 4)."""
    from escalations.models import Outcome
    from tests.escalations.test_told import _escalate_to, _outcome

    concern = raised_task(iro, [child], delegate_to=team_manager).stage.concern
    _escalate_to(concern, sqr_head, 4, assistant_director)
    _outcome(concern, sqr_head, Outcome.WITHDRAWN)
    return concern


def test_seed_004_stage_4_no_iro_the_iro_service_manager_is_told_instead(
    client,
    blackpool,
    unreviewed_child,
    iro,
    team_manager,
    sqr_head,
    assistant_director,
    iro_service_manager,
    cp_service_manager,
):
    """Blackpool stage 4 not resolved for a child in care tells the IRO to seek legal advice and
    consider CAFCASS (rule 6); Nia has no IRO, so the IRO Service Manager is told, and why."""
    concern = _blackpool_stage_4_not_resolved(
        iro, unreviewed_child, team_manager, sqr_head, assistant_director
    )
    told = Notification.objects.get(kind=Kind.OUTCOME, recipient=iro_service_manager)
    text = " ".join(told.body_text.split())
    assert "The child's IRO would be told to seek independent legal advice and consider a " in text
    assert "allocate an IRO as soon as you can and make sure both are done" in text
    assert (
        "Why this has come to you: Nia Alone has no Independent Reviewing Officer allocated, so "
        "it comes to you as the IRO Service Manager"
    ) in text
    assert "Why this has come to you" in told.body_html
    # Not the CP Service Manager (Nia is in care), and nobody else gets the prompt.
    assert not Notification.objects.filter(kind=Kind.OUTCOME, recipient=cp_service_manager)
    prompted = Notification.objects.filter(kind=Kind.OUTCOME, body_text__contains="CAFCASS")
    assert [n.recipient for n in prompted] == [iro_service_manager]

    client.force_login(iro)
    page = client.get(reverse("escalations:concern_detail", args=[concern.pk])).content.decode()
    assert (
        "Nia Alone has no IRO allocated, so the IRO Service Manager (Isla Service) has been told "
        "instead, to allocate an IRO and make sure independent legal advice is sought"
    ) in " ".join(page.split())


def test_seed_004_stage_4_with_an_iro_the_iro_is_told_and_the_service_manager_is_not(
    client,
    blackpool,
    child,
    iro,
    team_manager,
    sqr_head,
    assistant_director,
    iro_service_manager,
):
    concern = _blackpool_stage_4_not_resolved(
        iro, child, team_manager, sqr_head, assistant_director
    )
    told = Notification.objects.get(kind=Kind.OUTCOME, recipient=iro)
    assert "Seek independent legal advice and consider a referral to CAFCASS" in told.body_text
    assert "Why this has come to you" not in told.body_text
    assert not Notification.objects.filter(kind=Kind.OUTCOME, recipient=iro_service_manager)
    client.force_login(iro)
    page = client.get(reverse("escalations:concern_detail", args=[concern.pk])).content.decode()
    assert (
        "for a child in care: the IRO has been told to seek independent legal advice"
        in " ".join(page.split())
    )


def _action_with_the_raiser_gone(iro, child, team_manager, social_worker):
    """Ira raises a concern on Monday 2 March 2026 with an action for Sam due on the 3rd, then
    leaves the service; the action is not done."""
    from escalations import services

    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=LONDON), tick=False):
        concern = raised_task(iro, [child], delegate_to=team_manager).stage.concern
        services.action_add(
            concern=concern,
            by=iro,
            description="Book the permanence planning meeting",
            due_on=dt.date(2026, 3, 3),
            owner=social_worker,
        )
    iro.is_active = False
    iro.save(update_fields=["is_active"])
    chase_scan(dt.datetime(2026, 3, 4, 10, tzinfo=LONDON))
    return {n.recipient: n for n in Notification.objects.filter(kind=Kind.ACTION_OVERDUE)}


def test_seed_004_actions_monitored_the_raiser_gone_and_no_iro_the_service_manager_is_told(
    gloucestershire, iro, unreviewed_child, team_manager, social_worker, iro_service_manager
):
    """The IRO / CP Chair monitors the actions until done (seed 004; rule 5): with the raiser
    gone and no IRO allocated, the IRO Service Manager is chased instead (rule 1)."""
    chased = _action_with_the_raiser_gone(iro, unreviewed_child, team_manager, social_worker)
    assert set(chased) == {social_worker, iro_service_manager}
    text = " ".join(chased[iro_service_manager].body_text.split())
    assert (
        "Why this has come to you: Ira Reviewer, who raised the concern and would monitor its "
        "actions, no longer uses"
    ) in text
    assert "Nia Alone has no Independent Reviewing Officer allocated, so it comes to you" in text
    assert "Why this has come to you" not in chased[social_worker].body_text


def test_seed_004_actions_monitored_the_raiser_gone_the_childs_iro_is_told(
    gloucestershire, iro, unreviewed_child, team_manager, social_worker, iro_service_manager
):
    other = UserFactory(full_name="Olu Other", roles=[RoleCode.IRO], team=iro.team)
    unreviewed_child.reviewing_officer = other
    unreviewed_child.save(update_fields=["reviewing_officer"])
    chased = _action_with_the_raiser_gone(iro, unreviewed_child, team_manager, social_worker)
    assert set(chased) == {social_worker, other}
    text = " ".join(chased[other].body_text.split())
    assert "It comes to you as Nia Alone's Independent Reviewing Officer" in text
