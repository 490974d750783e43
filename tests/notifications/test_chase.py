"""The chase scan and the digests: each message on the right working day to the right people,
queued for the next working morning when the job runs at night or on a day off, repeated every
N working days until answered, and never twice."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalations import services
from escalations.models import Action, Task, TaskState
from notifications.models import Kind, Notification, Status
from notifications.services import send_due
from prp import workdays
from reminders import chase, digests
from reminders.chase import chase_scan
from tests.builders import fresh, raised_task, responded_task
from tests.factories import UserFactory

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def presets(protocols):
    """The protocols (a reused database may have lost the migration's copy to a flush)."""


def at(year, month, day, hour=10, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def queued(**filters):
    """(recipient, kind) of the chase rows queued, sorted, leaving out the delegation emails."""
    rows = Notification.objects.exclude(kind__in=[Kind.DELEGATED, Kind.COPIED, Kind.RESPONDED])
    return sorted((n.recipient.full_name, n.kind) for n in rows.filter(**filters))


@pytest.fixture
def task(child, iro, social_worker):
    """Delegated on Monday 10 November 2025, due on Wednesday 12 November."""
    with time_machine.travel(at(2025, 11, 10), tick=False):
        return raised_task(iro, child, social_worker, level=0, agreed=dt.date(2025, 11, 12))


# Reminders and due today ---------------------------------------------------------------------


def test_a_reminder_goes_to_the_assignee_the_working_day_before(task, social_worker):
    counts = chase_scan(at(2025, 11, 11, 10))
    assert counts == {Kind.REMINDER: 1}
    reminder = Notification.objects.get(kind=Kind.REMINDER)
    assert reminder.recipient == social_worker
    assert reminder.task == task
    assert reminder.key == f"reminder:task:{task.pk}:2025-11-11"
    assert reminder.send_after == at(2025, 11, 11, 10)
    assert "due on 12 November 2025" in reminder.subject
    assert "Amara Okafor" in reminder.subject
    assert "is due on 12 November 2025" in reminder.body_text
    assert "What happens next" in reminder.body_text
    assert f"/tasks/{task.pk}/" in reminder.body_text


def test_nothing_is_sent_two_working_days_before(task):
    assert chase_scan(at(2025, 11, 10, 12)) == {}


def test_due_today_goes_to_the_assignee_on_the_day(task, social_worker):
    assert chase_scan(at(2025, 11, 12, 9)) == {Kind.DUE_TODAY: 1}
    note = Notification.objects.get(kind=Kind.DUE_TODAY)
    assert note.recipient == social_worker
    assert "due today, 12 November 2025" in note.subject


def test_a_response_due_on_monday_is_reminded_on_friday(child, iro, social_worker):
    with time_machine.travel(at(2025, 11, 12), tick=False):
        task = raised_task(iro, child, social_worker, level=0, agreed=dt.date(2025, 11, 17))
    assert chase_scan(at(2025, 11, 14, 10)) == {Kind.REMINDER: 1}
    assert Notification.objects.get(kind=Kind.REMINDER).task == task


# Overdue chases -------------------------------------------------------------------------------


def test_an_overdue_response_chases_the_assignee_copying_their_manager_and_the_raiser(
    task, social_worker, team_manager, iro
):
    counts = chase_scan(at(2025, 11, 13, 10))
    assert counts == {Kind.OVERDUE: 1, Kind.OVERDUE_COPY: 1, Kind.ESCALATE_PROMPT: 1}
    assert queued() == sorted(
        [
            ("Sam Worker", Kind.OVERDUE),
            ("Tom Manager", Kind.OVERDUE_COPY),  # Sam's line manager
            ("Ira Reviewer", Kind.ESCALATE_PROMPT),  # raised the concern
        ]
    )
    overdue = Notification.objects.get(kind=Kind.OVERDUE)
    assert "1 working day late" in overdue.body_text
    assert "Tom Manager, your manager, and Ira Reviewer" in overdue.body_text
    prompt = Notification.objects.get(kind=Kind.ESCALATE_PROMPT)
    assert prompt.subject == (
        "The response to your concern about Amara Okafor is 1 working day late: consider escalating"
    )
    assert "escalate the concern to the next stage" in prompt.body_text
    copy = Notification.objects.get(kind=Kind.OVERDUE_COPY)
    assert "You are copied in as Sam Worker's manager" in copy.body_text
    assert fresh(task).last_chased_on == dt.date(2025, 11, 13)


def test_without_a_line_manager_the_team_manager_is_copied(child, iro, team, team_manager):
    worker = UserFactory(full_name="Nina Newstarter", team=team, line_manager=None)
    with time_machine.travel(at(2025, 11, 10), tick=False):
        raised_task(iro, child, worker, level=0, agreed=dt.date(2025, 11, 11))
    chase_scan(at(2025, 11, 12, 10))
    assert Notification.objects.get(kind=Kind.OVERDUE_COPY).recipient == team_manager


def test_nobody_is_copied_on_a_chase_to_themself(child, iro, team_manager):
    # The team manager manages their own team and has no line manager.
    with time_machine.travel(at(2025, 11, 10), tick=False):
        raised_task(iro, child, team_manager, level=0, agreed=dt.date(2025, 11, 11))
    assert chase_scan(at(2025, 11, 12, 10)) == {Kind.OVERDUE: 1, Kind.ESCALATE_PROMPT: 1}


def test_chases_repeat_every_n_working_days_until_answered(task, settings):
    settings.CHASE_EVERY_WORKING_DAYS = 2
    # Due Wednesday 12 November; scan at 10:00 every day for two weeks, weekends included
    # (a weekend run works for Monday).
    for day in range(13, 27):
        when = at(2025, 11, day, 10)
        if day == 24:
            with time_machine.travel(when, tick=False):
                responded_task(task)  # answered on Monday 24 November, before the scan
        chase_scan(when)
    overdue = Notification.objects.filter(kind=Kind.OVERDUE).order_by("id")
    assert [n.key.split(":")[3] for n in overdue] == [
        "2025-11-13",  # Thursday: the first working day late
        "2025-11-17",  # Monday: two working days later (Friday, Monday)
        "2025-11-19",  # Wednesday
        "2025-11-21",  # Friday; answered on Monday 24, so no more
    ]
    assert Notification.objects.filter(kind=Kind.ESCALATE_PROMPT).count() == 4
    assert Notification.objects.filter(kind=Kind.OVERDUE_COPY).count() == 4
    days_late = [n.body_text.split(" working day")[0].rsplit(" ", 1)[-1] for n in overdue]
    assert days_late == ["1", "3", "5", "7"]


def test_the_chase_interval_is_a_setting(task, settings):
    settings.CHASE_EVERY_WORKING_DAYS = 1
    assert chase_scan(at(2025, 11, 13, 10)).get(Kind.OVERDUE) == 1
    assert chase_scan(at(2025, 11, 14, 10)).get(Kind.OVERDUE) == 1


def test_a_retracted_task_is_not_chased(task, iro):
    task = fresh(task)
    with time_machine.travel(at(2025, 11, 12, 11), tick=False):
        services.task_retract(
            task=task, by=iro, lock_version=task.lock_version, reason="absent", note="On leave"
        )
    assert chase_scan(at(2025, 11, 13, 10)) == {}


# Weekends, nights and bank holidays -------------------------------------------------------------


def test_a_night_run_queues_for_the_next_working_morning(task):
    # Wednesday 12 November at 22:00 works for Thursday: the first chase, sent at 08:00.
    send_due(at(2025, 11, 12, 21))  # the delegation email, long since due
    chase_scan(at(2025, 11, 12, 22))
    chases = Notification.objects.filter(
        kind__in=[Kind.OVERDUE, Kind.OVERDUE_COPY, Kind.ESCALATE_PROMPT]
    )
    assert [r.send_after for r in chases] == [at(2025, 11, 13, 8)] * 3
    mail.outbox.clear()
    assert send_due(at(2025, 11, 12, 23)) == 0
    assert send_due(at(2025, 11, 13, 7, 59)) == 0
    assert send_due(at(2025, 11, 13, 8)) == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.recipient.email for n in chases)


def test_a_chase_queued_overnight_is_not_sent_if_answered_before_the_morning(task):
    send_due(at(2025, 11, 12, 21))
    chase_scan(at(2025, 11, 12, 22))  # queued for Thursday 08:00
    with time_machine.travel(at(2025, 11, 13, 7, 30), tick=False):
        responded_task(task)  # the manager answers at 07:30
    mail.outbox.clear()
    send_due(at(2025, 11, 13, 8))
    kinds = {n.kind: n.status for n in Notification.objects.filter(task=task)}
    assert kinds[Kind.OVERDUE] == Status.NOT_NEEDED
    assert kinds[Kind.ESCALATE_PROMPT] == Status.NOT_NEEDED
    assert [m.subject for m in mail.outbox if "overdue" in m.subject.lower()] == []
    # The raiser still hears that the response arrived.
    assert kinds[Kind.RESPONDED] == Status.SENT


def test_a_digest_leaves_out_chases_answered_since(task, social_worker):
    social_worker.wants_daily_digest = True
    social_worker.save()
    chase_scan(at(2025, 11, 13, 7))  # overdue chase waits for the digest
    with time_machine.travel(at(2025, 11, 13, 7, 30), tick=False):
        responded_task(task)
    digests.send_daily_digests(at(2025, 11, 13, 8, 5))
    assert not Notification.objects.filter(recipient=social_worker, kind=Kind.DIGEST).exists()
    assert Notification.objects.get(recipient=social_worker, kind=Kind.OVERDUE).status == (
        Status.NOT_NEEDED
    )


def test_a_weekend_run_queues_for_monday_morning(child, iro, social_worker):
    with time_machine.travel(at(2025, 11, 12), tick=False):
        raised_task(iro, child, social_worker, level=0, agreed=dt.date(2025, 11, 17))
    # Saturday 15 November at 10:00 works for Monday 17: due today, sent Monday at 08:00.
    assert chase_scan(at(2025, 11, 15, 10)) == {Kind.DUE_TODAY: 1}
    assert Notification.objects.get(kind=Kind.DUE_TODAY).send_after == at(2025, 11, 17, 8)
    # Monday's own runs add nothing.
    assert chase_scan(at(2025, 11, 17, 7)) == {}
    assert chase_scan(at(2025, 11, 17, 9)) == {}


def test_a_bank_holiday_run_queues_for_the_next_working_day(child, iro, social_worker):
    # Friday 26 December 2025 (Boxing Day) works for Monday 29 December.
    with time_machine.travel(at(2025, 12, 22), tick=False):
        task = raised_task(iro, child, social_worker, level=0, agreed=dt.date(2025, 12, 24))
    assert chase_scan(at(2025, 12, 26, 11))[Kind.OVERDUE] == 1
    rows = Notification.objects.filter(task=task, kind=Kind.OVERDUE)
    assert [(r.key.split(":")[3], r.send_after) for r in rows] == [
        ("2025-12-29", at(2025, 12, 29, 8))
    ]


# Idempotence --------------------------------------------------------------------------------


def test_running_twice_queues_nothing_new(task, child, iro, team_manager):
    with time_machine.travel(at(2025, 11, 10), tick=False):
        raised_task(
            iro, child, team_manager, level=0, agreed=dt.date(2025, 11, 14)
        )  # reminder on 13th
        concern = task.stage.concern
        services.action_add(
            concern=concern,
            by=iro,
            description="Ask the school",
            due_on=dt.date(2025, 11, 11),
            owner_name="The school",
        )
    first = chase_scan(at(2025, 11, 13, 10))
    assert first == {
        Kind.REMINDER: 1,
        Kind.OVERDUE: 1,
        Kind.OVERDUE_COPY: 1,
        Kind.ESCALATE_PROMPT: 1,
        Kind.ACTION_OVERDUE: 1,
    }
    total = Notification.objects.count()
    assert chase_scan(at(2025, 11, 13, 10, 15)) == {}
    assert chase_scan(at(2025, 11, 13, 17, 45)) == {}
    assert Notification.objects.count() == total


def test_the_night_before_and_the_morning_runs_agree(task):
    chase_scan(at(2025, 11, 12, 20))  # works for Thursday 13
    total = Notification.objects.count()
    assert chase_scan(at(2025, 11, 13, 7)) == {}
    assert chase_scan(at(2025, 11, 13, 9)) == {}
    assert Notification.objects.count() == total


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite in memory cannot be shared by threads writing at once; PostgreSQL runs it",
)
def test_two_scans_at_once_queue_each_message_once(protocols, child, iro, social_worker):
    with time_machine.travel(at(2025, 11, 3), tick=False):
        for n in range(30):
            raised_task(
                iro, child, social_worker, level=0, agreed=dt.date(2025, 11, 5), title=f"No {n}"
            )
    now = at(2025, 11, 13, 10)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def scan():
        try:
            barrier.wait()
            results.append(chase_scan(now))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Notification.objects.filter(kind=Kind.OVERDUE).count() == 30
    assert Notification.objects.filter(kind=Kind.ESCALATE_PROMPT).count() == 30
    assert sum(r.get(Kind.OVERDUE, 0) for r in results) >= 30


def test_the_scan_does_not_grow_its_queries_with_the_open_tasks(child, iro, social_worker):
    def scan_queries(count, start_day):
        with time_machine.travel(at(2025, 11, start_day), tick=False):
            for _ in range(count):
                raised_task(iro, child, social_worker, level=0, agreed=dt.date(2025, 11, start_day))
        workdays.calendar()  # loaded once per process, not per scan
        with CaptureQueriesContext(connection) as context:
            counts = chase_scan(at(2025, 11, start_day + 1, 10))
        assert counts[Kind.OVERDUE] == count
        return len(context.captured_queries)

    small = scan_queries(3, 3)
    Task.objects.filter(state=TaskState.ACTIVE).update(last_chased_on=dt.date(2025, 11, 30))
    # (Under one chunk, and under one SQLite bulk-insert batch: those grow by design.)
    large = scan_queries(10, 10)
    assert large == small


# Formal limit --------------------------------------------------------------------------------


@pytest.fixture
def formal_concern(child, iro, team_manager):
    """Raised at formal stage 1 on Monday 3 November 2025 and answered, so only the formal
    clock runs (the limit is 20 working days, the warning 3 days before)."""
    with time_machine.travel(at(2025, 11, 3), tick=False):
        task = raised_task(iro, child, team_manager, level=1)
        responded_task(task)
    return task.stage.concern


def test_formal_limit_near_then_passed_once_each(formal_concern, service_manager):
    # Working days after Monday 3 November: 25 November is the 16th, 26 November the 17th
    # (20 - 3: near), 1 December the 20th (the limit) and 2 December the 21st (past it).
    assert chase_scan(at(2025, 11, 25, 10)) == {}  # 16 working days
    assert chase_scan(at(2025, 11, 26, 10)) == {Kind.FORMAL_LIMIT_NEAR: 1}  # 17
    near = Notification.objects.get(kind=Kind.FORMAL_LIMIT_NEAR)
    assert near.recipient == service_manager
    assert near.key == f"formal_limit_near:concern:{formal_concern.pk}:{service_manager.pk}"
    assert "17 working days so far" in near.body_text
    assert "reached on 1 December 2025" in near.body_text
    for day in (27, 28):
        assert chase_scan(at(2025, 11, day, 10)) == {}
    assert chase_scan(at(2025, 12, 1, 10)) == {}  # 20: at the limit, not past it
    assert chase_scan(at(2025, 12, 2, 10)) == {Kind.FORMAL_LIMIT_PASSED: 1}  # 21
    passed = Notification.objects.get(kind=Kind.FORMAL_LIMIT_PASSED)
    assert "21 working days: 1 more than the limit of 20" in passed.body_text
    for day in (3, 4, 5, 8):
        assert chase_scan(at(2025, 12, day, 10)) == {}


def test_a_concern_first_seen_past_the_limit_is_warned_once_as_passed(
    formal_concern, service_manager
):
    assert chase_scan(at(2025, 12, 10, 10)) == {Kind.FORMAL_LIMIT_PASSED: 1}
    assert chase_scan(at(2025, 12, 11, 10)) == {}


def test_informal_concerns_are_not_counted(task, service_manager):
    assert chase_scan(at(2026, 3, 2, 10)).get(Kind.FORMAL_LIMIT_NEAR) is None
    assert chase_scan(at(2026, 3, 2, 10)).get(Kind.FORMAL_LIMIT_PASSED) is None


def test_every_reviewing_service_manager_is_warned(formal_concern, service_manager):
    other = UserFactory(full_name="Rhys Review", roles=["reviewing_service_manager"])
    UserFactory(full_name="Gone Away", roles=["reviewing_service_manager"], is_active=False)
    chase_scan(at(2025, 11, 26, 10))
    assert queued(kind=Kind.FORMAL_LIMIT_NEAR) == sorted(
        [
            (service_manager.full_name, Kind.FORMAL_LIMIT_NEAR),
            (other.full_name, Kind.FORMAL_LIMIT_NEAR),
        ]
    )


# Overdue actions -------------------------------------------------------------------------------


def test_an_overdue_action_is_chased_with_its_owner_and_the_raiser_until_done(
    task, iro, social_worker
):
    concern = task.stage.concern
    with time_machine.travel(at(2025, 11, 10), tick=False):
        action = services.action_add(
            concern=concern,
            by=iro,
            description="Book the permanence planning meeting",
            due_on=dt.date(2025, 11, 11),
            owner=social_worker,
        )
        services.action_add(
            concern=concern,
            by=iro,
            description="Ask the school",
            due_on=dt.date(2025, 11, 11),
            owner_name="Mrs Head (school)",
        )
        done = services.action_add(
            concern=concern,
            by=iro,
            description="Done already",
            due_on=dt.date(2025, 11, 10),
            owner=social_worker,
        )
        services.action_mark_done(action=done, by=iro, done_on=dt.date(2025, 11, 10))
    assert chase_scan(at(2025, 11, 11, 10)).get(Kind.ACTION_OVERDUE) is None  # due today
    counts = chase_scan(at(2025, 11, 12, 9))
    assert counts[Kind.ACTION_OVERDUE] == 3  # owner + raiser, and the raiser for the school's
    assert queued(kind=Kind.ACTION_OVERDUE) == sorted(
        [
            ("Sam Worker", Kind.ACTION_OVERDUE),
            ("Ira Reviewer", Kind.ACTION_OVERDUE),
            ("Ira Reviewer", Kind.ACTION_OVERDUE),
        ]
    )
    owner_note = Notification.objects.get(kind=Kind.ACTION_OVERDUE, recipient=social_worker)
    assert "An action agreed for you" in owner_note.body_text
    assert "mark it as done" in owner_note.body_text
    school = Notification.objects.get(key__contains=":action:", body_text__contains="Mrs Head")
    assert "Check with Mrs Head (school)" in school.body_text
    assert Action.objects.get(pk=action.pk).last_chased_on == dt.date(2025, 11, 12)
    assert chase_scan(at(2025, 11, 13, 9)).get(Kind.ACTION_OVERDUE) is None
    # Every CHASE_EVERY_WORKING_DAYS (2) working days until it is done (issue 14 rule 5).
    assert chase_scan(at(2025, 11, 14, 9))[Kind.ACTION_OVERDUE] == 3
    with time_machine.travel(at(2025, 11, 14, 10), tick=False):
        services.action_mark_done(action=action, by=iro, done_on=dt.date(2025, 11, 14))
    assert chase_scan(at(2025, 11, 18, 9))[Kind.ACTION_OVERDUE] == 1  # the school's


# Digests --------------------------------------------------------------------------------------


def test_digest_readers_get_one_digest_and_no_separate_reminders(task, social_worker):
    social_worker.wants_daily_digest = True
    social_worker.save()
    send_due(at(2025, 11, 12, 21))  # the delegation email
    chase_scan(at(2025, 11, 12, 22))  # Thursday's chases, queued overnight
    mine = Notification.objects.get(kind=Kind.OVERDUE)
    assert mine.by_digest
    mail.outbox.clear()
    send_due(at(2025, 11, 13, 8, 1))
    # The manager and the raiser get theirs; Sam's waits for the digest.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        n.recipient.email
        for n in Notification.objects.filter(kind__in=[Kind.OVERDUE_COPY, Kind.ESCALATE_PROMPT])
    )
    mail.outbox.clear()
    assert digests.send_daily_digests(at(2025, 11, 13, 8, 5)) == 1
    assert fresh(mine).status == Status.IN_DIGEST
    digest = Notification.objects.get(kind=Kind.DIGEST)
    assert digest.recipient == social_worker
    assert digest.key == f"digest:{social_worker.pk}:2025-11-13"
    assert "1. " + mine.subject in digest.body_text
    assert f"/tasks/{task.pk}/" in digest.body_text
    assert send_due(at(2025, 11, 13, 8, 6)) == 1
    assert [m.to for m in mail.outbox] == [[social_worker.email]]
    assert mail.outbox[0].subject == "Your reminders and chases for 13 November 2025: 1 item"
    # A second run the same day sends nothing more.
    assert digests.send_daily_digests(at(2025, 11, 13, 9, 5)) == 0
    assert send_due(at(2025, 11, 13, 9, 6)) == 0


def test_a_digest_lists_every_waiting_item(task, child, iro, social_worker):
    social_worker.wants_daily_digest = True
    social_worker.save()
    with time_machine.travel(at(2025, 11, 10), tick=False):
        raised_task(
            iro, child, social_worker, level=0, agreed=dt.date(2025, 11, 13), title="Second"
        )
        raised_task(iro, child, social_worker, level=0, agreed=dt.date(2025, 11, 14), title="Third")
    chase_scan(at(2025, 11, 13, 7))
    assert digests.send_daily_digests(at(2025, 11, 13, 8, 5)) == 1
    digest = Notification.objects.get(kind=Kind.DIGEST)
    assert "3 items" in digest.subject
    text = digest.body_text
    # The most pressing first: overdue, then due today, then tomorrow's reminder.
    assert text.index("1. Your response is overdue") < text.index("2. Your response is due today")
    assert text.index("2. Your response is due today") < text.index("3. Reminder: your response")
    assert not Notification.objects.filter(recipient=social_worker, status=Status.PENDING).exclude(
        kind__in=[Kind.DIGEST, Kind.DELEGATED]
    )


def test_no_digest_on_a_day_off_or_outside_working_hours(task, social_worker):
    social_worker.wants_daily_digest = True
    social_worker.save()
    chase_scan(at(2025, 11, 14, 22))  # Monday's chase
    assert digests.send_daily_digests(at(2025, 11, 15, 8, 5)) == 0  # Saturday
    assert digests.send_daily_digests(at(2025, 11, 17, 7, 5)) == 0  # before hours
    assert digests.send_daily_digests(at(2025, 11, 17, 8, 5)) == 1


def test_a_digest_reader_still_gets_other_messages_at_once(task, social_worker, iro):
    social_worker.wants_daily_digest = True
    social_worker.save()
    delegated = Notification.objects.get(kind=Kind.DELEGATED, recipient=social_worker)
    assert not delegated.by_digest


def test_team_digest_lists_the_teams_overdue_responses(task, child, iro, team_manager):
    outsider_task_assignee = UserFactory(full_name="No Team")
    with time_machine.travel(at(2025, 11, 10), tick=False):
        raised_task(iro, child, outsider_task_assignee, level=0, agreed=dt.date(2025, 11, 11))
        raised_task(iro, child, team_manager, level=0, agreed=dt.date(2025, 11, 11))  # their own
    assert digests.send_team_digests(at(2025, 11, 14, 8, 5)) == 1
    team_digest = Notification.objects.get(kind=Kind.TEAM_DIGEST)
    assert team_digest.recipient == team_manager
    assert team_digest.key == f"team_digest:{team_manager.pk}:2025-11-14"
    assert team_digest.subject == "Your team's overdue responses on 14 November 2025: 1"
    text = team_digest.body_text
    concern = task.stage.concern
    assert f"Sam Worker: {concern.reference}, concern about Amara Okafor (Informal)" in text
    assert "Due on 12 November 2025, 2 working days late" in text
    assert "No Team" not in text
    # Once a day.
    assert digests.send_team_digests(at(2025, 11, 14, 9, 5)) == 0
    assert digests.send_team_digests(at(2025, 11, 17, 8, 5)) == 1


def test_no_team_digest_when_nothing_is_overdue(task):
    assert digests.send_team_digests(at(2025, 11, 12, 8, 5)) == 0
    assert digests.send_team_digests(at(2025, 11, 15, 8, 5)) == 0  # Saturday


def test_the_digest_queries_do_not_grow_with_the_readers(child, iro, team, team_manager):
    def team_digest_queries(count, day):
        with time_machine.travel(at(2025, 11, day), tick=False):
            for _ in range(count):
                person = UserFactory(team=team, line_manager=team_manager)
                raised_task(iro, child, person, level=0, agreed=dt.date(2025, 11, day))
        workdays.calendar()
        with CaptureQueriesContext(connection) as context:
            assert digests.send_team_digests(at(2025, 11, day + 1, 9)) == 1
        return len(context.captured_queries)

    assert team_digest_queries(2, 3) == team_digest_queries(20, 10)


# The tasks and the schedule -----------------------------------------------------------------


def test_the_celery_tasks_record_their_heartbeat(task):
    from prp.models import JobHeartbeat
    from reminders import tasks

    with time_machine.travel(at(2025, 11, 13, 10), tick=False):
        assert tasks.chase() == {Kind.OVERDUE: 1, Kind.OVERDUE_COPY: 1, Kind.ESCALATE_PROMPT: 1}
        assert tasks.daily_digests() == {"digests": 0, "team_digests": 1}
    beats = dict(JobHeartbeat.objects.values_list("name", "last_success_at"))
    assert beats["chase"] == at(2025, 11, 13, 10)
    assert beats["daily_digests"] == at(2025, 11, 13, 10)


def test_the_beat_schedule_runs_the_chase_and_the_digests():
    from celery.schedules import crontab

    from config.celery_app import app

    schedule = app.conf.beat_schedule
    assert schedule["chase"]["task"] == "notifications.chase"
    assert schedule["chase"]["schedule"] == crontab(minute="*/15")
    assert schedule["daily-digests"]["task"] == "notifications.daily_digests"
    assert schedule["daily-digests"]["schedule"] == crontab(hour="8-17", minute=5)
    assert schedule["send-outbox"]["schedule"] == 60.0


def test_the_overdue_query_uses_the_due_date_index(db):
    """The scan selects by (state, due_on); never a loop over every open task."""
    sql = str(chase.overdue_selection(dt.date(2025, 11, 13)).query)
    assert '"state"' in sql and '"due_on" <' in sql
    # The formal limit is one aggregate query over stages each.
    near, passed = chase.formal_selection(dt.date(2025, 11, 13))
    assert "MIN(" in str(near.query).upper() and "HAVING" in str(passed.query).upper()
