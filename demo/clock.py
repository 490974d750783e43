"""The demo's and the scale generator's clock: how the histories they write are dated.

The demo plays every child's history forward through the real services, which stamp what they
write with today; the helpers here move those rows back to the day they happened. The scale
generator writes rows directly, with the same `at`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from cases.models import ChildLog
from escalations.models import Concern, Event, Stage, Task
from notifications import services as outbox
from notifications.models import Notification, Status
from prp import workdays

# How a family's next review falls due: overdue, due soon or well in hand.
OVERDUE, DUE_SOON, IN_HAND, RECENT = "overdue", "due_soon", "in_hand", "recent"
PROFILE_WEIGHTS = {IN_HAND: 55, DUE_SOON: 25, OVERDUE: 20}

# Order of events on the same day: the review before the work after it, QAPRs after both.
KEY_DATE, REVIEW, STEP, QAPR, CHANGE = range(5)


# Dating things back ------------------------------------------------------------------------------


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@contextmanager
def dated(day: dt.date, hour: int = 10, minute: int = 0) -> Iterator[None]:
    """Whatever the services write inside the block happened on `day`: move the history lines
    and messages they made back to then. Messages older than today count as sent (and, after a
    week, read), as they would have been at the time.

    The rows the block made are those stamped since it began: rows from earlier blocks have
    been moved back already, and those dated today go to just before this block began."""
    began = timezone.now()
    yield
    when = (
        at(day, hour, minute)
        if day < timezone.localdate()
        else began - dt.timedelta(microseconds=1)
    )
    ChildLog.objects.filter(at__gte=began).update(at=when)
    backdate_messages(Notification.objects.filter(created_at__gte=began), day, when)


def backdate_messages(messages, day: dt.date, when: dt.datetime) -> None:
    """Messages queued about something that happened on `day` (at `when`): sent then (and
    read, after a week), unless that is today, when the worker sends them as usual."""
    today = timezone.localdate()
    if day >= today:
        messages.update(created_at=when)
        return
    read = {"read_at": when} if day < today - dt.timedelta(days=7) else {}
    sent = Case(When(by_digest=True, then=Value(Status.IN_DIGEST)), default=Value(Status.SENT))
    messages.update(status=sent, created_at=when, send_after=when, sent_at=when, **read)


@contextmanager
def one_wake_up() -> Iterator[None]:
    """Every message queued asks the worker to wake once the transaction commits. Hundreds of
    demo messages need one wake-up, not hundreds (most are already marked sent)."""
    wake = outbox.wake_sender
    outbox.wake_sender = lambda: None
    try:
        yield
    finally:
        outbox.wake_sender = wake
    transaction.on_commit(wake)


def working_on_or_after(day: dt.date) -> dt.date:
    return workdays.next_working_day(day)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


# Concerns raised in the past ----------------------------------------------------------------


def shift_concern_back(concern: Concern, working_days_back: int) -> None:
    """Move a concern's dates back as if it had been raised that many working days ago."""
    today = timezone.localdate()
    start = workdays.add_working_days(today, -working_days_back)
    delta = today - start
    Concern.objects.filter(pk=concern.pk).update(opened_on=F("opened_on") - delta)
    Stage.objects.filter(concern=concern).update(
        opened_on=F("opened_on") - delta, due_on=F("due_on") - delta
    )
    for task in Task.objects.filter(stage__concern=concern):
        # Event summaries name the due date in words: move those words with the date.
        old, new = in_words(task.due_on), in_words(task.due_on - delta)
        for event in Event.objects.filter(task=task, summary__contains=old):
            Event.objects.filter(pk=event.pk).update(summary=event.summary.replace(old, new))
    Task.objects.filter(stage__concern=concern).update(
        due_on=F("due_on") - delta, delegated_at=F("delegated_at") - delta
    )
    Event.objects.filter(concern=concern).update(at=F("at") - delta)


def in_words(day) -> str:
    return f"{day.day} {day:%B %Y}"
