"""Issue 14 rule 5: agreed actions are chased until done, also after the concern is resolved
(every council); Blackpool (seed 004) signs a resolved concern off only when its last action is
done, and shows "Resolved - N actions being monitored" until then; actions can be changed and
removed (archived with a reason, kept in the history); a due date in the past or more than a
year ahead is refused with a GOV.UK error.

The clock is Monday 10 November 2025, a working day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from escalations import services
from escalations.models import Action, Concern, ConcernState, Event, Outcome
from notifications.models import Kind, Notification
from prp.presets import activate
from records.retention import archive_closed_concerns
from reminders.chase import chase_scan
from tests.builders import fresh, outcome_recorded, raised_concern

LONDON = ZoneInfo("Europe/London")
D = dt.date


def at(year, month, day, hour=10):
    return dt.datetime(year, month, day, hour, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(2025, 11, 10), tick=False) as traveller:
        yield traveller


def date_data(name: str, day: dt.date) -> dict:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def add_action(concern, by, description, due_on, **who):
    who = who or {"owner_name": "Mrs Head (school)"}
    return services.action_add(
        concern=fresh(concern), by=by, description=description, due_on=due_on, **who
    )


def detail(client, concern) -> str:
    return client.get(reverse("escalations:concern_detail", args=[concern.pk])).content.decode()


def assert_error_page(response, *texts):
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    for text in texts:
        assert text in page


@pytest.fixture
def blackpool(protocols):
    return activate(protocols["blackpool"])


def test_blackpool_seed_004_sign_off_waits_for_the_last_action_while_it_is_monitored(
    client, blackpool, child, iro, team_manager, social_worker
):
    concern = raised_concern(iro, child, team_manager)
    assert concern.protocol.sign_off_after_actions
    first = add_action(concern, iro, "Book the permanence meeting", D(2025, 11, 14))
    second = add_action(concern, iro, "Update the care plan", D(2025, 11, 21), owner=social_worker)
    outcome_recorded(concern, iro, Outcome.RESOLVED)
    concern = fresh(concern)
    assert concern.state == ConcernState.RESOLVED
    assert concern.signed_off_on is None
    client.force_login(iro)
    page = detail(client, concern)
    assert "Resolved – 2 actions being monitored" in page
    assert "It is signed off when the last agreed action is done." in page
    mine = client.get(reverse("escalations:concern_list") + "?state=closed").content.decode()
    assert "Resolved – 2 actions being monitored" in mine

    services.action_mark_done(action=first, by=iro, done_on=D(2025, 11, 10))
    assert "Resolved – 1 action being monitored" in detail(client, concern)
    assert fresh(concern).signed_off_on is None

    # The last one removed (with its reason) or done: the concern is signed off.
    response = client.post(
        reverse("escalations:action_remove", args=[concern.pk, second.pk]),
        {"reason": "The care plan was updated at the review", "lock_version": second.lock_version},
    )
    assert response.status_code == 302
    concern = fresh(concern)
    assert concern.signed_off_on == D(2025, 11, 10)
    assert Event.objects.filter(concern=concern, kind=Event.Kind.SIGNED_OFF).exists()
    page = detail(client, concern)
    assert "Signed off on 10 November 2025" in page
    assert "Resolved – " not in page


def test_rule_5_seed_000_gloucestershire_signs_off_at_resolution(
    gloucestershire, child, iro, team_manager
):
    concern = raised_concern(iro, child, team_manager)
    add_action(concern, iro, "Book the permanence meeting", D(2025, 11, 14))
    outcome_recorded(concern, iro, Outcome.RESOLVED)
    assert fresh(concern).signed_off_on == D(2025, 11, 10)


def test_rule_5_seed_004_actions_are_chased_until_done_also_after_the_concern_is_resolved(
    gloucestershire, child, iro, team_manager, social_worker, settings
):
    settings.CONCERN_ARCHIVE_AFTER_DAYS = 1
    concern = raised_concern(iro, child, team_manager)
    action = add_action(
        concern, iro, "Book the permanence meeting", D(2025, 11, 11), owner=social_worker
    )
    outcome_recorded(concern, iro, Outcome.RESOLVED)
    # Due Tuesday 11: chased Wednesday 12, then every 2 working days (Friday 14, Tuesday 18).
    assert chase_scan(at(2025, 11, 12)) == {Kind.ACTION_OVERDUE: 2}
    assert chase_scan(at(2025, 11, 13)) == {}
    assert chase_scan(at(2025, 11, 14)) == {Kind.ACTION_OVERDUE: 2}
    chase = Notification.objects.filter(kind=Kind.ACTION_OVERDUE, recipient=social_worker).last()
    assert "You will be reminded every 2 working days until it is marked as done" in (
        chase.body_text
    )
    assert "the concern is resolved, and its actions are monitored" in chase.body_text
    # Still monitored, so not archived off the working lists.
    assert archive_closed_concerns(now=at(2025, 11, 17)) == 0
    with time_machine.travel(at(2025, 11, 17), tick=False):
        services.action_mark_done(action=action, by=social_worker, done_on=D(2025, 11, 17))
    assert chase_scan(at(2025, 11, 18)) == {}
    assert archive_closed_concerns(now=at(2025, 11, 19)) == 1


def test_rule_5_seed_004_an_action_is_changed_and_removed_and_the_history_keeps_both(
    client, gloucestershire, child, iro, team_manager, social_worker, outsider
):
    concern = raised_concern(iro, child, team_manager)
    action = add_action(concern, iro, "Ask the school", D(2025, 11, 14))
    edit = reverse("escalations:action_edit", args=[concern.pk, action.pk])
    remove = reverse("escalations:action_remove", args=[concern.pk, action.pk])

    client.force_login(outsider)
    assert client.get(edit).status_code == 404
    client.force_login(social_worker)  # can see the concern, did not agree the action
    assert client.get(edit).status_code in (403, 404)

    client.force_login(iro)
    page = detail(client, concern)
    assert edit in page and remove in page
    assert "Ask the school" in client.get(edit).content.decode()
    response = client.post(
        edit,
        {
            "description": "Ask the school for the attendance record",
            "owner_name": "Mrs Head (school)",
            **date_data("due_on", D(2025, 11, 21)),
            "lock_version": action.lock_version,
        },
    )
    assert response.status_code == 302
    action = Action.objects.get(pk=action.pk)
    assert (action.description, action.due_on) == (
        "Ask the school for the attendance record",
        D(2025, 11, 21),
    )
    changed = Event.objects.get(concern=concern, kind=Event.Kind.ACTION_CHANGED)
    assert "Ask the school (Mrs Head (school), by 14 November 2025)" in changed.summary

    # A stale form is refused, never a silent overwrite.
    stale = {"reason": "Not needed", "lock_version": action.lock_version - 1}
    assert_error_page(client.post(remove, stale), "changed by someone else")
    assert_error_page(
        client.post(remove, {"reason": " ", "lock_version": action.lock_version}),
        "Enter why the action is being removed",
    )
    response = client.post(remove, {"reason": "Not needed", "lock_version": action.lock_version})
    assert response.status_code == 302
    action = Action.objects.get(pk=action.pk)
    assert action.archived_at is not None
    assert (action.archived_by, action.archive_reason) == (iro, "Not needed")
    page = detail(client, concern)
    assert "Action removed: Ask the school for the attendance record" in page  # the history
    assert edit not in page
    assert client.get(edit).status_code == 404
    assert Concern.objects.filter(pk=concern.pk).exists()


@pytest.mark.parametrize(
    ("due_on", "message"),
    [
        (D(2025, 11, 7), "The date the action is due must be today or in the future"),
        (D(2026, 11, 11), "The date the action is due must be 10 November 2026 or earlier"),
    ],
)
def test_rule_5_seed_004_a_due_date_in_the_past_or_more_than_a_year_ahead_is_refused(
    client, gloucestershire, child, iro, team_manager, due_on, message
):
    concern = raised_concern(iro, child, team_manager)
    client.force_login(iro)
    data = {
        "description": "Ask the school",
        "owner_name": "Mrs Head",
        **date_data("due_on", due_on),
    }
    add = reverse("escalations:action_add", args=[concern.pk])
    assert_error_page(client.post(add, data), message)
    assert not Action.objects.exists()
    action = add_action(concern, iro, "Ask the school", D(2026, 11, 10))  # a year ahead is fine
    edit = reverse("escalations:action_edit", args=[concern.pk, action.pk])
    assert_error_page(client.post(edit, {**data, "lock_version": action.lock_version}), message)
    assert Action.objects.get(pk=action.pk).due_on == D(2026, 11, 10)
