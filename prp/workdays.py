"""The working-day calendar: weekends, the nation's bank holidays and the authority's closure days.

Every deadline in the product is counted here, on every page and in every job, so the functions
are pure arithmetic over a sorted array of the non-working weekdays, held in memory per process.
The array is rebuilt when an administrator changes closure days (see prp.signals) and, in other
processes, when the shared version stamp in the cache moves.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import threading
import time
from dataclasses import dataclass

import holidays
from django.conf import settings
from django.core.cache import cache

FIRST_YEAR = 1990
LAST_YEAR = 2080
VERSION_KEY = "prp:workdays:version"

# The holidays package's subdivisions of GB. England and Wales share one calendar (ENG).
NATION_SUBDIVISIONS = {"ENG": "ENG", "WLS": "WLS", "SCT": "SCT", "NIR": "NIR"}


@dataclass(frozen=True)
class Calendar:
    """Ordinals of the weekdays that are not working days, sorted, with their names."""

    closed_weekdays: tuple[int, ...]
    names: dict[int, str]

    def is_closed_weekday(self, ordinal: int) -> bool:
        i = bisect.bisect_left(self.closed_weekdays, ordinal)
        return i < len(self.closed_weekdays) and self.closed_weekdays[i] == ordinal

    def closed_between(self, after: int, up_to: int) -> int:
        """How many closed weekdays have ordinals in (after, up_to]."""
        return bisect.bisect_right(self.closed_weekdays, up_to) - bisect.bisect_right(
            self.closed_weekdays, after
        )


_lock = threading.Lock()
_state: dict = {"calendar": None, "version": None, "checked_at": 0.0}


def bank_holidays(nation: str, years: range) -> dict[dt.date, str]:
    subdivision = NATION_SUBDIVISIONS.get(nation.upper())
    if subdivision is None:
        raise ValueError(f"Unknown AUTHORITY_NATION {nation!r}: use ENG, WLS, SCT or NIR")
    return dict(holidays.country_holidays("GB", subdiv=subdivision, years=years))


def build_calendar(nation: str, closure_days: dict[dt.date, str]) -> Calendar:
    days = bank_holidays(nation, range(FIRST_YEAR, LAST_YEAR + 1))
    days.update(closure_days)
    names = {d.toordinal(): name for d, name in days.items() if d.weekday() < 5}
    return Calendar(closed_weekdays=tuple(sorted(names)), names=names)


def _load_closure_days() -> dict[dt.date, str]:
    from .models import ClosureDay

    return dict(ClosureDay.objects.values_list("date", "reason"))


def _shared_version():
    try:
        return cache.get(VERSION_KEY)
    except Exception:  # noqa: BLE001 - a cache outage must not stop deadlines being computed
        # No stamp to compare: a stamp that matches nothing, so the copy is rebuilt whenever it
        # is WORKDAYS_CACHE_SECONDS old (returning our own stamp would keep it for ever).
        return object()


def calendar() -> Calendar:
    """The process's calendar, rebuilt if closure days changed since it was built."""
    now = time.monotonic()
    fresh_for = getattr(settings, "WORKDAYS_CACHE_SECONDS", 60)
    cal = _state["calendar"]
    if cal is not None and now - _state["checked_at"] < fresh_for:
        return cal
    version = _shared_version()
    if cal is not None and version == _state["version"]:
        _state["checked_at"] = now
        return cal
    with _lock:
        cal = build_calendar(settings.AUTHORITY_NATION, _load_closure_days())
        _state.update(calendar=cal, version=version, checked_at=now)
    return cal


def invalidate() -> None:
    """Forget this process's calendar and tell other processes to rebuild theirs."""
    _state.update(calendar=None, version=None, checked_at=0.0)
    # If the cache is down, other processes still rebuild when their copy's time is up.
    with contextlib.suppress(Exception):
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


# Arithmetic on weekdays ----------------------------------------------------------------------
# Ordinal 1 (1 January 0001) was a Monday, so (ordinal - 1) % 7 is the weekday.


def _weekdays_up_to(ordinal: int) -> int:
    """How many weekdays have ordinals in [1, ordinal]."""
    weeks, rest = divmod(ordinal - 1, 7)
    return weeks * 5 + min(rest + 1, 5)


def _nth_weekday_after(ordinal: int, n: int) -> int:
    """The ordinal of the nth weekday strictly after `ordinal` (n >= 1)."""
    weekday = (ordinal - 1) % 7
    if weekday > 4:  # from a weekend, count as if from the Friday before
        ordinal -= weekday - 4
        weekday = 4
    weeks, rest = divmod(n, 5)
    ordinal += weeks * 7
    if rest:
        ordinal += rest + (2 if weekday + rest > 4 else 0)
    return ordinal


def _nth_weekday_before(ordinal: int, n: int) -> int:
    """The ordinal of the nth weekday strictly before `ordinal` (n >= 1)."""
    weekday = (ordinal - 1) % 7
    if weekday > 4:  # from a weekend, count as if from the Monday after
        ordinal += 7 - weekday
        weekday = 0
    weeks, rest = divmod(n, 5)
    ordinal -= weeks * 7
    if rest:
        ordinal -= rest + (2 if weekday - rest < 0 else 0)
    return ordinal


def _working_days_in(after: int, up_to: int, cal: Calendar) -> int:
    """Working days with ordinals in (after, up_to], for after <= up_to."""
    weekdays = _weekdays_up_to(up_to) - _weekdays_up_to(after)
    return weekdays - cal.closed_between(after, up_to)


# The public calendar -------------------------------------------------------------------------


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not calendar().is_closed_weekday(day.toordinal())


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative if end is before start)."""
    cal = calendar()
    a, b = start.toordinal(), end.toordinal()
    if b >= a:
        return _working_days_in(a, b, cal)
    return -_working_days_in(b, a, cal)


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The nth working day after `day` (Fri 1 Dec 2023 + 5 = Fri 8 Dec 2023).

    From a non-working day the count starts at the next working day, so Saturday + 5 is the
    following Friday. A negative n counts back: -1 is the last working day before `day`.
    """
    if n == 0:
        return day
    cal = calendar()
    start = day.toordinal()
    if n > 0:
        target = _nth_weekday_after(start, n)
        while (missing := n - _working_days_in(start, target, cal)) > 0:
            target = _nth_weekday_after(target, missing)
    else:
        target = _nth_weekday_before(start, -n)
        # Count working days in [target, start), i.e. (target - 1, start - 1].
        while (missing := -n - _working_days_in(target - 1, start - 1, cal)) > 0:
            target = _nth_weekday_before(target, missing)
    return dt.date.fromordinal(target)


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself if it is a working day, otherwise the next one."""
    return day if is_working_day(day) else add_working_days(day, 1)


def non_working_reason(day: dt.date) -> str | None:
    """Why `day` is not a working day ("Saturday", "Christmas Day"), or None if it is one."""
    if day.weekday() >= 5:
        return day.strftime("%A")
    return calendar().names.get(day.toordinal())
