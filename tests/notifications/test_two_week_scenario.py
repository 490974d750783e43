"""Two weeks over Christmas 2025 with a frozen clock: the exact emails sent each day.

Monday 22 December 2025 to Sunday 4 January 2026. Not working days: Christmas Day (Thursday
25), Boxing Day (Friday 26), New Year's Day (Thursday 1 January) and the weekends. So the working
days are 22, 23, 24, 29, 30, 31 December and 2 January.

Each day at 07:00, 09:00 (twice), 13:00 and 22:00 the chase scan runs, and the sender after it,
as beat would. Chases are every 2 working days; the formal limit is 20 working days with a
warning 3 working days before.

The people: Ira Reviewer (IRO, raises every concern), Sam Worker (social worker, line manager
Tom), Tom Manager (team manager, line manager Hana), Hana Head (Head of Service) and Sian Service
(reviewing service manager).

The work:
- T1: Sam, due Wednesday 24 December; Sam responds on Tuesday 30 December at 10:00.
- T2: Tom, due Monday 22 December; never answered.
- T3: Sam, due Friday 2 January.
- Formal: a concern at formal stage 1 since Monday 1 December (its response already in), so only
  the formal clock runs: 17 working days on 24 December, 21 on 2 January.
- Action: agreed for Sam, due Tuesday 23 December, never done: chased, like a late task, on the
  first working day after its date and then every 2 working days until done (issue 14 rule 5),
  so on 24 and 30 December and 2 January, to Sam (its owner) and Ira (who raised the concern and
  monitors it). Its next chase is Tuesday 6 January, after the two weeks.
"""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from escalations import services
from notifications.models import Kind, Notification, Status
from notifications.services import send_due
from reminders import schedule
from reminders.chase import chase_scan
from tests.builders import raised_task, responded_task

LONDON = ZoneInfo("Europe/London")
SCENARIO_DAYS = [dt.date(2025, 12, 22) + dt.timedelta(days=n) for n in range(14)]
RUN_TIMES = [(7, 0), (9, 0), (13, 0), (22, 0)]


@pytest.fixture(autouse=True)
def presets(protocols):
    """The protocols (a reused database may have lost the migration's copy to a flush)."""


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def raise_task(child, raiser, assignee, *, title, due_on=None, level=0):
    # Some of these dates pass the informal guideline (issue 14 rule 4): over Christmas the
    # team agreed longer, and the raiser says why.
    reason = {"due_reason": "Agreed with the team: most of them are away over Christmas."}
    return raised_task(
        raiser, child, assignee, level=level, agreed=due_on, title=title, raise_with=reason
    )


def respond(task):
    responded_task(task, response="We have agreed a plan.")


@pytest.fixture
def cast(child, iro, social_worker, team_manager, head_of_service, service_manager):
    team_manager.line_manager = head_of_service
    team_manager.save()
    return {
        "ira": iro.email,
        "sam": social_worker.email,
        "tom": team_manager.email,
        "hana": head_of_service.email,
        "sian": service_manager.email,
    }


def test_two_weeks_over_christmas(cast, child, iro, social_worker, team_manager):
    ira, sam, tom, hana, sian = (cast[k] for k in ("ira", "sam", "tom", "hana", "sian"))
    with time_machine.travel(at(dt.date(2025, 12, 1), 10), tick=False) as clock:
        formal = raise_task(child, iro, team_manager, title="Formal", level=1)
        respond(formal)
        clock.move_to(at(dt.date(2025, 12, 19), 10))
        t1 = raise_task(child, iro, social_worker, title="T1", due_on=dt.date(2025, 12, 24))
        raise_task(child, iro, team_manager, title="T2", due_on=dt.date(2025, 12, 22))
        raise_task(child, iro, social_worker, title="T3", due_on=dt.date(2026, 1, 2))
        services.action_add(
            concern=t1.stage.concern,
            by=iro,
            description="Book the permanence planning meeting",
            due_on=dt.date(2025, 12, 23),
            owner=social_worker,
        )
        send_due()  # the delegation emails of the set-up go now
        mail.outbox.clear()

        sent: dict[dt.date, list[tuple[str, str]]] = {day: [] for day in SCENARIO_DAYS}
        for day in SCENARIO_DAYS:
            for hour, minute in RUN_TIMES:
                now = at(day, hour, minute)
                if day == dt.date(2025, 12, 30) and hour == 13:
                    clock.move_to(at(day, 10))
                    respond(t1)  # Sam answers T1 at 10:00; Ira hears at the 13:00 send
                clock.move_to(now)
                chase_scan()
                if hour == 9:
                    assert chase_scan() == {}, f"the second 09:00 run on {day} queued more"
                before = len(mail.outbox)
                send_due()
                new = mail.outbox[before:]
                # Which kind each email is: its row, sent at this moment.
                rows = Notification.objects.filter(status=Status.SENT, sent_at=now)
                kinds = {(n.recipient.email, n.subject): n.kind for n in rows}
                assert len(rows) == len(new)
                for email in new:
                    assert schedule.in_working_hours(now), f"{email.subject} sent at {now}"
                    assert 8 <= now.hour < 18 and day.weekday() < 5
                    sent[day].append((email.to[0], kinds[(email.to[0], email.subject)]))

    expected = {
        # Monday 22: T2 is due today (queued by the 07:00 run for 08:00, sent at 09:00).
        dt.date(2025, 12, 22): [(tom, Kind.DUE_TODAY)],
        # Tuesday 23: T1 is due tomorrow; T2 is a working day late: Tom is chased, Hana (his
        # line manager) copied, Ira prompted. All queued by Monday's 22:00 run.
        dt.date(2025, 12, 23): [
            (sam, Kind.REMINDER),
            (tom, Kind.OVERDUE),
            (hana, Kind.OVERDUE_COPY),
            (ira, Kind.ESCALATE_PROMPT),
        ],
        # Wednesday 24: T1 due today; the formal stages reach 17 of 20 working days (Sian);
        # the action due yesterday is overdue (Sam owns it, Ira raised the concern). T2 was
        # chased yesterday, so not again until two working days later.
        dt.date(2025, 12, 24): [
            (sam, Kind.DUE_TODAY),
            (sian, Kind.FORMAL_LIMIT_NEAR),
            (sam, Kind.ACTION_OVERDUE),
            (ira, Kind.ACTION_OVERDUE),
        ],
        # Christmas Day, Boxing Day and the weekend: nothing, although every run queued
        # Monday's chases (once: Wednesday's 22:00 run already had them).
        dt.date(2025, 12, 25): [],
        dt.date(2025, 12, 26): [],
        dt.date(2025, 12, 27): [],
        dt.date(2025, 12, 28): [],
        # Monday 29: T1 is a working day late (Sam chased, Tom copied as his line manager, Ira
        # prompted); T2's second chase (Wednesday 24 and Monday 29 since the first).
        dt.date(2025, 12, 29): [
            (sam, Kind.OVERDUE),
            (tom, Kind.OVERDUE_COPY),
            (ira, Kind.ESCALATE_PROMPT),
            (tom, Kind.OVERDUE),
            (hana, Kind.OVERDUE_COPY),
            (ira, Kind.ESCALATE_PROMPT),
        ],
        # Tuesday 30: Sam answers T1 at 10:00; Ira hears at once (sent at 13:00). No task
        # chases: T1's next would have been Wednesday, and it is answered. The action is still
        # not done: chased again two working days after Wednesday 24 (Monday 29, Tuesday 30),
        # Sam and Ira as before (rule 5: chased every 2 working days until done).
        dt.date(2025, 12, 30): [
            (ira, Kind.RESPONDED),
            (sam, Kind.ACTION_OVERDUE),
            (ira, Kind.ACTION_OVERDUE),
        ],
        # Wednesday 31: T3 is due on Friday (the next working day: 1 January is a bank
        # holiday); T2's third chase.
        dt.date(2025, 12, 31): [
            (sam, Kind.REMINDER),
            (tom, Kind.OVERDUE),
            (hana, Kind.OVERDUE_COPY),
            (ira, Kind.ESCALATE_PROMPT),
        ],
        # New Year's Day: nothing.
        dt.date(2026, 1, 1): [],
        # Friday 2: T3 due today; the formal stages pass the limit (21 working days); the
        # action's third chase (Wednesday 31 and Friday 2 since Tuesday 30's).
        dt.date(2026, 1, 2): [
            (sam, Kind.DUE_TODAY),
            (sian, Kind.FORMAL_LIMIT_PASSED),
            (sam, Kind.ACTION_OVERDUE),
            (ira, Kind.ACTION_OVERDUE),
        ],
        # The weekend: nothing. Friday's 22:00 run queued Monday's chases for 08:00 Monday.
        dt.date(2026, 1, 3): [],
        dt.date(2026, 1, 4): [],
    }
    for day in SCENARIO_DAYS:
        assert Counter(sent[day]) == Counter(expected[day]), f"emails on {day:%A %-d %B %Y}"

    # Nothing was sent twice, and Monday 5 January's six chases wait for 08:00 that day:
    # T3 (Sam, Tom, Ira) for the first time, T2 (Tom, Hana, Ira) for the fourth. The action is
    # not among them: chased on Friday 2, its next is Tuesday 6 January.
    assert len(mail.outbox) == sum(len(v) for v in expected.values())
    keys = list(Notification.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    waiting = Notification.objects.filter(status=Status.PENDING)
    assert Counter((n.recipient.email, n.kind) for n in waiting) == Counter(
        [
            (sam, Kind.OVERDUE),
            (tom, Kind.OVERDUE_COPY),
            (ira, Kind.ESCALATE_PROMPT),
            (tom, Kind.OVERDUE),
            (hana, Kind.OVERDUE_COPY),
            (ira, Kind.ESCALATE_PROMPT),
        ]
    )
    assert {n.send_after for n in waiting} == {at(dt.date(2026, 1, 5), 8)}
