"""When messages may go out: working days, inside working hours, Europe/London."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from prp import workdays


def _local(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def in_working_hours(now: dt.datetime) -> bool:
    local = _local(now)
    start, end = settings.WORKING_HOURS_START, settings.WORKING_HOURS_END
    return workdays.is_working_day(local.date()) and start <= local.hour < end


def work_date(now: dt.datetime) -> dt.date:
    """The working day a job running at `now` works for: today in or before working hours,
    otherwise the next working day (so a night or bank-holiday run prepares the next morning)."""
    local = _local(now)
    today = local.date()
    if workdays.is_working_day(today) and local.hour < settings.WORKING_HOURS_END:
        return today
    return workdays.add_working_days(today, 1)


def send_time(now: dt.datetime) -> dt.datetime:
    """The earliest a chase made at `now` may be sent: now if in working hours, otherwise the
    start of the next working morning."""
    if in_working_hours(now):
        return now
    return _at(work_date(now), settings.WORKING_HOURS_START)
