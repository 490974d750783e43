"""The working-day calendar: weekends, bank holidays for the authority's nation, closure days.

Every expected date below was counted by hand on a calendar; the comments show the count.
"""

import datetime as dt
import functools

import holidays
import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from prp import workdays
from prp.models import ClosureDay
from prp.workdays import (
    add_working_days,
    is_working_day,
    next_working_day,
    non_working_reason,
    working_days_between,
)

# The calendar loads ClosureDay rows, so every test touches the database.
pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture(autouse=True)
def fresh_calendar():
    # A rolled-back ClosureDay sends no signal, so a calendar cached by an earlier test could
    # still hold it: start and end every test with no calendar in memory.
    workdays.invalidate()
    yield
    workdays.invalidate()


def close(*days, reason="Office closed"):
    for day in days:
        ClosureDay.objects.create(date=day, reason=reason)


# The Gloucestershire form's worked example and weekend starts ----------------------------------


def test_friday_plus_five_is_the_next_friday():
    # Fri 1 Dec 2023: Mon 4 (1), Tue 5 (2), Wed 6 (3), Thu 7 (4), Fri 8 (5).
    assert add_working_days(D(2023, 12, 1), 5) == D(2023, 12, 8)


@pytest.mark.parametrize("weekend_day", [D(2023, 12, 2), D(2023, 12, 3)], ids=["Sat", "Sun"])
def test_counting_from_a_weekend_starts_on_monday(weekend_day):
    # Counting starts at Mon 4 Dec, so +1 is that Monday and +5 is Fri 8 Dec.
    assert add_working_days(weekend_day, 1) == D(2023, 12, 4)
    assert add_working_days(weekend_day, 5) == D(2023, 12, 8)
    # A whole week more: Mon 11 .. Fri 15 makes ten.
    assert add_working_days(weekend_day, 10) == D(2023, 12, 15)


def test_counting_within_a_week_and_across_weekends():
    # Mon 4 Dec 2023 + 4 = Fri 8 Dec; + 5 jumps the weekend to Mon 11 Dec.
    assert add_working_days(D(2023, 12, 4), 4) == D(2023, 12, 8)
    assert add_working_days(D(2023, 12, 4), 5) == D(2023, 12, 11)
    # Thu 7 Dec + 2 = Mon 11 Dec (Fri 8 is 1).
    assert add_working_days(D(2023, 12, 7), 2) == D(2023, 12, 11)


def test_adding_zero_returns_the_day_itself_even_when_it_is_not_a_working_day():
    assert add_working_days(D(2023, 12, 1), 0) == D(2023, 12, 1)
    assert add_working_days(D(2023, 12, 2), 0) == D(2023, 12, 2)  # Saturday
    assert add_working_days(D(2025, 12, 25), 0) == D(2025, 12, 25)  # Christmas Day


def test_weekdays_are_working_days_and_weekends_are_not():
    # Mon 4 .. Sun 10 Dec 2023, a week with no bank holiday.
    week = [D(2023, 12, 4) + dt.timedelta(days=i) for i in range(7)]
    assert [is_working_day(day) for day in week] == [True] * 5 + [False] * 2


# Christmas and New Year 2025/26 ---------------------------------------------------------------
# Thu 25 Dec, Fri 26 Dec 2025 and Thu 1 Jan 2026 are bank holidays.


def test_christmas_2025_bank_holidays_are_not_working_days():
    for day in (D(2025, 12, 25), D(2025, 12, 26), D(2026, 1, 1)):
        assert not is_working_day(day)
    for day in (D(2025, 12, 24), D(2025, 12, 29), D(2025, 12, 30), D(2025, 12, 31), D(2026, 1, 2)):
        assert is_working_day(day)


def test_christmas_2025_counting_forward():
    christmas_eve = D(2025, 12, 24)  # Wednesday
    # Thu 25, Fri 26 bank holidays, Sat 27, Sun 28 weekend: Mon 29 is the first working day.
    assert add_working_days(christmas_eve, 1) == D(2025, 12, 29)
    assert add_working_days(christmas_eve, 2) == D(2025, 12, 30)
    assert add_working_days(christmas_eve, 3) == D(2025, 12, 31)
    # Thu 1 Jan 2026 is New Year's Day, so the fourth is Fri 2 Jan.
    assert add_working_days(christmas_eve, 4) == D(2026, 1, 2)
    # Sat 3, Sun 4 Jan, then Mon 5 Jan 2026.
    assert add_working_days(christmas_eve, 5) == D(2026, 1, 5)


def test_counting_from_a_bank_holiday_starts_at_the_next_working_day():
    # From Christmas Day (Thu) the next working day is Mon 29 Dec.
    assert add_working_days(D(2025, 12, 25), 1) == D(2025, 12, 29)
    assert add_working_days(D(2025, 12, 26), 1) == D(2025, 12, 29)
    # From New Year's Day 2026 (Thu): Fri 2 Jan (1), Mon 5 Jan (2).
    assert add_working_days(D(2026, 1, 1), 2) == D(2026, 1, 5)


def test_christmas_2025_with_the_authority_closed_between_christmas_and_new_year():
    close(D(2025, 12, 29), D(2025, 12, 30), D(2025, 12, 31))
    # Everything from Thu 25 Dec to Thu 1 Jan is closed: the next working day is Fri 2 Jan.
    assert add_working_days(D(2025, 12, 24), 1) == D(2026, 1, 2)
    assert add_working_days(D(2025, 12, 24), 2) == D(2026, 1, 5)
    assert working_days_between(D(2025, 12, 24), D(2026, 1, 2)) == 1
    assert add_working_days(D(2026, 1, 2), -1) == D(2025, 12, 24)


# Easter 2026 ----------------------------------------------------------------------------------


def test_easter_2026():
    good_friday, easter_monday = D(2026, 4, 3), D(2026, 4, 6)
    assert not is_working_day(good_friday)
    assert not is_working_day(easter_monday)
    assert non_working_reason(good_friday) == "Good Friday"
    assert non_working_reason(easter_monday) == "Easter Monday"
    # Maundy Thursday 2 Apr + 1: Fri 3 (Good Friday), Sat, Sun, Mon 6 (Easter Monday): Tue 7.
    assert add_working_days(D(2026, 4, 2), 1) == D(2026, 4, 7)
    # Tue 7, Wed 8, Thu 9, Fri 10, Mon 13: five working days.
    assert add_working_days(D(2026, 4, 2), 5) == D(2026, 4, 13)
    assert working_days_between(D(2026, 4, 2), D(2026, 4, 7)) == 1
    assert add_working_days(D(2026, 4, 7), -1) == D(2026, 4, 2)


# Substitute days ------------------------------------------------------------------------------


def test_christmas_2022_substitute_day():
    # Sun 25 Dec 2022 moves to Tue 27 Dec; Boxing Day is Mon 26 Dec.
    assert non_working_reason(D(2022, 12, 25)) == "Sunday"
    assert non_working_reason(D(2022, 12, 26)) == "Boxing Day"
    assert not is_working_day(D(2022, 12, 27))
    assert "Christmas Day" in non_working_reason(D(2022, 12, 27))
    # Fri 23 Dec + 1: Sat, Sun, Mon 26, Tue 27 all closed, so Wed 28 Dec.
    assert add_working_days(D(2022, 12, 23), 1) == D(2022, 12, 28)
    assert working_days_between(D(2022, 12, 23), D(2022, 12, 30)) == 3  # Wed 28, Thu 29, Fri 30


def test_new_year_2022_substitute_day():
    # Sat 1 Jan 2022 moves to Mon 3 Jan.
    assert not is_working_day(D(2022, 1, 3))
    assert "New Year's Day" in non_working_reason(D(2022, 1, 3))
    # Fri 31 Dec 2021 + 1: Sat 1, Sun 2, Mon 3 (substitute): Tue 4 Jan 2022.
    assert add_working_days(D(2021, 12, 31), 1) == D(2022, 1, 4)


def test_boxing_day_2026_substitute_day():
    # Sat 26 Dec 2026 moves to Mon 28 Dec 2026; Christmas Day is Fri 25 Dec.
    assert not is_working_day(D(2026, 12, 28))
    # Thu 24 Dec 2026 + 1: Fri 25, Sat, Sun, Mon 28: Tue 29 Dec.
    assert add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 29)


# One-off bank holidays ------------------------------------------------------------------------


def test_platinum_jubilee_2022():
    # The spring bank holiday moved from Mon 30 May to Thu 2 June, with the Jubilee on Fri 3 June.
    assert is_working_day(D(2022, 5, 30))
    assert non_working_reason(D(2022, 5, 30)) is None
    assert not is_working_day(D(2022, 6, 2))
    assert not is_working_day(D(2022, 6, 3))
    assert "Jubilee" in non_working_reason(D(2022, 6, 3))
    # Wed 1 June + 1: Thu 2, Fri 3, Sat, Sun closed: Mon 6 June.
    assert add_working_days(D(2022, 6, 1), 1) == D(2022, 6, 6)
    # Fri 27 May + 5: Mon 30, Tue 31, Wed 1, Mon 6, Tue 7.
    assert add_working_days(D(2022, 5, 27), 5) == D(2022, 6, 7)


def test_state_funeral_of_queen_elizabeth_ii():
    assert not is_working_day(D(2022, 9, 19))
    assert "Funeral" in non_working_reason(D(2022, 9, 19))
    # Fri 16 Sept + 1: Sat, Sun, Mon 19 closed: Tue 20 Sept 2022.
    assert add_working_days(D(2022, 9, 16), 1) == D(2022, 9, 20)


def test_coronation_of_king_charles_iii():
    # May 2023 had two Monday bank holidays in a row: May Day on 1 May, the Coronation on 8 May.
    assert not is_working_day(D(2023, 5, 1))
    assert not is_working_day(D(2023, 5, 8))
    assert "Coronation" in non_working_reason(D(2023, 5, 8))
    # Fri 5 May + 1: Sat, Sun, Mon 8 closed: Tue 9 May 2023.
    assert add_working_days(D(2023, 5, 5), 1) == D(2023, 5, 9)
    # Fri 28 Apr + 10 working days: Tue 2 .. Fri 5 (4), Tue 9 .. Fri 12 (8), Mon 15 (9), Tue 16.
    assert add_working_days(D(2023, 4, 28), 10) == D(2023, 5, 16)


# Closure days ---------------------------------------------------------------------------------


def test_a_closure_day_added_takes_effect_at_once():
    monday = D(2025, 12, 29)
    assert is_working_day(monday)  # builds and holds the calendar before the change
    ClosureDay.objects.create(date=monday, reason="Office closed between Christmas and New Year")
    assert not is_working_day(monday)
    assert non_working_reason(monday) == "Office closed between Christmas and New Year"
    assert add_working_days(D(2025, 12, 24), 1) == D(2025, 12, 30)


def test_a_closure_day_deleted_takes_effect_at_once():
    closure = ClosureDay.objects.create(date=D(2025, 12, 29), reason="Office closed")
    assert not is_working_day(D(2025, 12, 29))
    closure.delete()
    assert is_working_day(D(2025, 12, 29))
    assert non_working_reason(D(2025, 12, 29)) is None
    assert add_working_days(D(2025, 12, 24), 1) == D(2025, 12, 29)


def test_a_closure_day_moved_takes_effect_at_once():
    closure = ClosureDay.objects.create(date=D(2025, 12, 29), reason="Office closed")
    assert add_working_days(D(2025, 12, 24), 1) == D(2025, 12, 30)
    closure.date = D(2025, 12, 31)
    closure.save()
    assert is_working_day(D(2025, 12, 29))
    assert not is_working_day(D(2025, 12, 31))
    assert add_working_days(D(2025, 12, 24), 3) == D(2026, 1, 2)  # Mon 29, Tue 30, Fri 2


def test_a_closure_day_on_a_weekend_changes_nothing():
    before = [add_working_days(D(2025, 12, 24), n) for n in range(-3, 6)]
    close(D(2025, 12, 27), D(2025, 12, 28))  # Sat and Sun
    assert [add_working_days(D(2025, 12, 24), n) for n in range(-3, 6)] == before
    assert working_days_between(D(2025, 12, 24), D(2026, 1, 2)) == 4
    assert non_working_reason(D(2025, 12, 27)) == "Saturday"
    assert non_working_reason(D(2025, 12, 28)) == "Sunday"


def test_a_closure_day_on_a_bank_holiday_is_not_counted_twice():
    close(D(2025, 12, 25), D(2026, 1, 1))
    assert add_working_days(D(2025, 12, 24), 1) == D(2025, 12, 29)
    assert add_working_days(D(2025, 12, 24), 4) == D(2026, 1, 2)
    assert working_days_between(D(2025, 12, 24), D(2026, 1, 2)) == 4


def test_a_change_made_in_another_process_is_picked_up_through_the_shared_version():
    day = D(2025, 12, 29)
    assert is_working_day(day)
    # bulk_create sends no post_save: this process's calendar is now stale, as another
    # process's would be after an administrator's change here.
    ClosureDay.objects.bulk_create([ClosureDay(date=day, reason="Office closed")])
    assert is_working_day(day)
    # The changing process moves the shared stamp; with WORKDAYS_CACHE_SECONDS = 0 in tests
    # the next call compares the stamp and rebuilds.
    cache.set(workdays.VERSION_KEY, "moved by another process")
    assert not is_working_day(day)


def test_the_shared_version_is_only_checked_once_the_calendar_is_old_enough(settings, monkeypatch):
    settings.WORKDAYS_CACHE_SECONDS = 60
    clock = [1000.0]
    monkeypatch.setattr(workdays.time, "monotonic", lambda: clock[0])
    workdays.invalidate()
    day = D(2025, 12, 29)
    assert is_working_day(day)
    ClosureDay.objects.bulk_create([ClosureDay(date=day, reason="Office closed")])  # no signal
    cache.set(workdays.VERSION_KEY, "moved by another process")
    clock[0] += 59
    assert is_working_day(day)  # still within the minute: the stamp is not even read
    clock[0] += 2
    assert not is_working_day(day)


def test_during_a_cache_outage_other_processes_rebuild_when_their_copy_is_old(
    settings, monkeypatch
):
    # The comment in invalidate() promises this: with no shared stamp to compare, a process
    # must rebuild its calendar once its copy is WORKDAYS_CACHE_SECONDS old.
    settings.WORKDAYS_CACHE_SECONDS = 60
    clock = [1000.0]
    monkeypatch.setattr(workdays.time, "monotonic", lambda: clock[0])
    workdays.invalidate()
    day = D(2025, 12, 29)
    assert is_working_day(day)

    def cache_down(*args, **kwargs):
        raise ConnectionError("cache unavailable")

    monkeypatch.setattr(workdays.cache, "get", cache_down)
    ClosureDay.objects.bulk_create([ClosureDay(date=day, reason="Office closed")])  # no signal
    clock[0] += 61
    assert not is_working_day(day)


def test_invalidate_survives_a_cache_outage(monkeypatch):
    def cache_down(*args, **kwargs):
        raise ConnectionError("cache unavailable")

    monkeypatch.setattr(workdays.cache, "set", cache_down)
    monkeypatch.setattr(workdays.cache, "get", cache_down)
    close(D(2025, 12, 29))  # the signal calls invalidate(), which must not raise
    assert not is_working_day(D(2025, 12, 29))


# working_days_between -------------------------------------------------------------------------


def test_working_days_between_the_same_day_is_zero():
    for day in (D(2023, 12, 1), D(2023, 12, 2), D(2025, 12, 25)):
        assert working_days_between(day, day) == 0


def test_working_days_between_counts_after_start_up_to_and_including_end():
    # Fri 1 Dec 2023 to Fri 8 Dec: Mon 4 .. Fri 8.
    assert working_days_between(D(2023, 12, 1), D(2023, 12, 8)) == 5
    assert working_days_between(D(2023, 12, 1), D(2023, 12, 4)) == 1
    # Only a weekend in between, or the end on it: nothing.
    assert working_days_between(D(2023, 12, 1), D(2023, 12, 3)) == 0
    assert working_days_between(D(2023, 12, 2), D(2023, 12, 3)) == 0
    # From a weekend: Mon 4 .. Fri 8.
    assert working_days_between(D(2023, 12, 2), D(2023, 12, 8)) == 5


def test_working_days_between_in_reverse_order_is_negative():
    assert working_days_between(D(2023, 12, 8), D(2023, 12, 1)) == -5
    assert working_days_between(D(2026, 1, 2), D(2025, 12, 24)) == -4
    assert working_days_between(D(2023, 12, 3), D(2023, 12, 2)) == 0


def test_working_days_between_across_bank_holidays():
    # Wed 24 Dec 2025 to Fri 2 Jan 2026: Mon 29, Tue 30, Wed 31, Fri 2.
    assert working_days_between(D(2025, 12, 24), D(2026, 1, 2)) == 4
    # Christmas Day to Boxing Day 2025: both bank holidays.
    assert working_days_between(D(2025, 12, 25), D(2025, 12, 26)) == 0
    # The whole of 2025: 261 weekdays less 8 bank holidays, all on weekdays.
    assert working_days_between(D(2024, 12, 31), D(2025, 12, 31)) == 253


def test_working_days_between_inverts_add_working_days():
    start = D(2025, 12, 19)
    for end in (D(2025, 12, 22), D(2025, 12, 24), D(2025, 12, 29), D(2026, 1, 2), D(2026, 4, 7)):
        assert is_working_day(end)
        assert add_working_days(start, working_days_between(start, end)) == end
        assert add_working_days(end, working_days_between(end, start)) == start


# Counting back --------------------------------------------------------------------------------


def test_counting_back_over_christmas_2025():
    # -1 is the last working day before: Sun 28, Sat 27, Fri 26, Thu 25 are closed.
    assert add_working_days(D(2025, 12, 29), -1) == D(2025, 12, 24)
    assert add_working_days(D(2025, 12, 29), -2) == D(2025, 12, 23)
    # Fri 2 Jan 2026: Wed 31 Dec (1), Tue 30 (2), Mon 29 (3), Wed 24 (4).
    assert add_working_days(D(2026, 1, 2), -1) == D(2025, 12, 31)
    assert add_working_days(D(2026, 1, 2), -4) == D(2025, 12, 24)
    # From Christmas Day itself.
    assert add_working_days(D(2025, 12, 25), -1) == D(2025, 12, 24)


def test_counting_back_from_a_weekend():
    # Sat 9 and Sun 10 Dec 2023: the last working day before is Fri 8 Dec.
    assert add_working_days(D(2023, 12, 9), -1) == D(2023, 12, 8)
    assert add_working_days(D(2023, 12, 10), -1) == D(2023, 12, 8)
    assert add_working_days(D(2023, 12, 10), -5) == D(2023, 12, 4)
    assert add_working_days(D(2023, 12, 10), -6) == D(2023, 12, 1)


def test_counting_back_undoes_counting_forward_between_working_days():
    assert add_working_days(D(2023, 12, 8), -5) == D(2023, 12, 1)
    assert add_working_days(D(2023, 12, 4), -1) == D(2023, 12, 1)  # Mon back to Fri


# next_working_day -----------------------------------------------------------------------------


def test_next_working_day():
    assert next_working_day(D(2023, 12, 1)) == D(2023, 12, 1)  # a Friday is itself
    assert next_working_day(D(2023, 12, 2)) == D(2023, 12, 4)  # Sat to Mon
    assert next_working_day(D(2025, 12, 25)) == D(2025, 12, 29)  # Christmas Day to Mon 29
    assert next_working_day(D(2022, 12, 24)) == D(2022, 12, 28)  # Sat, Sun, Mon, Tue closed


# non_working_reason ---------------------------------------------------------------------------


def test_non_working_reason():
    assert non_working_reason(D(2023, 12, 2)) == "Saturday"
    assert non_working_reason(D(2023, 12, 3)) == "Sunday"
    assert non_working_reason(D(2025, 12, 25)) == "Christmas Day"
    assert non_working_reason(D(2025, 12, 26)) == "Boxing Day"
    assert non_working_reason(D(2026, 1, 1)) == "New Year's Day"
    assert non_working_reason(D(2023, 12, 1)) is None


def test_non_working_reason_for_a_closure_day_is_its_reason():
    close(D(2025, 12, 29), reason="Office closed between Christmas and New Year")
    assert non_working_reason(D(2025, 12, 29)) == "Office closed between Christmas and New Year"


def test_non_working_reason_agrees_with_is_working_day_across_a_year():
    close(D(2025, 12, 29))
    day = D(2025, 1, 1)
    while day.year == 2025:
        assert (non_working_reason(day) is None) == is_working_day(day), day
        day += dt.timedelta(days=1)


# Other nations --------------------------------------------------------------------------------


@pytest.fixture
def nation(settings):
    """Switch AUTHORITY_NATION for one test; the calendar is rebuilt either side."""

    def switch(code):
        settings.AUTHORITY_NATION = code
        workdays.invalidate()

    # No clean-up needed here: fresh_calendar is autouse, so it is set up before `settings` and
    # torn down after it, and invalidates once AUTHORITY_NATION is back to ENG.
    return switch


def test_scotland_has_2_january_and_no_easter_monday(nation):
    nation("SCT")
    # Thu 1 and Fri 2 Jan 2026 are both holidays in Scotland.
    assert not is_working_day(D(2026, 1, 2))
    assert add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 5)
    # Easter Monday is not a bank holiday in Scotland; Good Friday is.
    assert not is_working_day(D(2026, 4, 3))
    assert is_working_day(D(2026, 4, 6))
    # The summer bank holiday is the first Monday of August, not the last.
    assert not is_working_day(D(2026, 8, 3))
    assert is_working_day(D(2026, 8, 31))


def test_scotland_has_st_andrews_day(nation):
    nation("SCT")
    # Mon 30 Nov 2026.
    assert not is_working_day(D(2026, 11, 30))
    assert "Andrew" in non_working_reason(D(2026, 11, 30))
    # Sun 30 Nov 2025 moves to Mon 1 Dec: Fri 28 Nov + 1 = Tue 2 Dec.
    assert not is_working_day(D(2025, 12, 1))
    assert add_working_days(D(2025, 11, 28), 1) == D(2025, 12, 2)


def test_england_has_neither_2_january_nor_st_andrews_day():
    assert is_working_day(D(2026, 1, 2))
    assert is_working_day(D(2026, 11, 30))
    assert add_working_days(D(2025, 11, 28), 1) == D(2025, 12, 1)
    assert add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 2)


def test_switching_nation_and_back(nation):
    nation("SCT")
    assert not is_working_day(D(2026, 1, 2))
    nation("ENG")
    assert is_working_day(D(2026, 1, 2))


def test_wales_shares_englands_calendar(nation):
    nation("WLS")
    assert add_working_days(D(2025, 12, 24), 4) == D(2026, 1, 2)
    assert not is_working_day(D(2026, 4, 6))  # Easter Monday
    assert is_working_day(D(2026, 1, 2))


def test_northern_ireland_has_st_patricks_day(nation):
    nation("NIR")
    assert not is_working_day(D(2026, 3, 17))  # Tuesday


def test_an_unknown_nation_is_refused(nation):
    nation("FRA")
    with pytest.raises(ValueError, match="AUTHORITY_NATION"):
        is_working_day(D(2026, 1, 2))


# Against a day-by-day reference ---------------------------------------------------------------

FIRST = D(2015, 1, 1)
LAST = D(2035, 12, 31)

# Chosen to bite: a run over Christmas, one on a bank holiday, one on a Saturday, lone weekdays.
REFERENCE_CLOSURES = [
    D(2015, 12, 29),
    D(2015, 12, 30),
    D(2015, 12, 31),
    D(2020, 12, 25),  # Christmas Day, already a bank holiday
    D(2024, 2, 14),
    D(2025, 12, 29),
    D(2025, 12, 30),
    D(2025, 12, 31),
    D(2026, 1, 2),
    D(2026, 4, 4),  # Saturday of Easter weekend
    D(2030, 7, 1),
    D(2035, 12, 31),
]


@functools.cache
def reference_closed_days():
    # Wider than FIRST..LAST: sixty working days either side of the range are reachable.
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(2014, 2037))
    return frozenset(bank) | frozenset(REFERENCE_CLOSURES)


def reference_is_working_day(day):
    return day.weekday() < 5 and day not in reference_closed_days()


def reference_add_working_days(day, n):
    step = dt.timedelta(days=1 if n > 0 else -1)
    left = abs(n)
    while left:
        day += step
        if reference_is_working_day(day):
            left -= 1
    return day


def reference_working_days_between(start, end):
    if end < start:
        return -reference_working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += reference_is_working_day(day)
    return count


# Half the dates land within a fortnight of a closure or a Christmas, where the calendar is busy.
busy_days = st.builds(
    lambda base, offset: base + dt.timedelta(days=offset),
    st.sampled_from(REFERENCE_CLOSURES + [D(year, 12, 25) for year in range(2015, 2036)]),
    st.integers(-14, 14),
).filter(lambda day: FIRST <= day <= LAST)
any_day = st.one_of(st.dates(FIRST, LAST), busy_days)


@pytest.fixture
def reference_closures():
    close(*REFERENCE_CLOSURES)


@hypothesis_settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(day=any_day, other=any_day, n=st.integers(-40, 60))
@example(day=D(2025, 12, 24), other=D(2026, 1, 2), n=1)
@example(day=D(2015, 12, 26), other=D(2016, 1, 4), n=-3)
@example(day=D(2026, 4, 4), other=D(2026, 4, 7), n=-1)
def test_matches_a_day_by_day_reference(reference_closures, day, other, n):
    assert is_working_day(day) == reference_is_working_day(day)
    assert add_working_days(day, n) == (day if n == 0 else reference_add_working_days(day, n))
    assert working_days_between(day, other) == reference_working_days_between(day, other)
    if other > day and reference_is_working_day(other):
        assert add_working_days(day, working_days_between(day, other)) == other


def test_the_reference_agrees_on_every_day_of_the_range(reference_closures):
    # Not random: every day in 2015-2035 for is_working_day, and a running count for
    # working_days_between from the first day.
    day, count = FIRST, 0
    while day <= LAST:
        assert is_working_day(day) == reference_is_working_day(day), day
        assert working_days_between(FIRST, day) == count, day
        day += dt.timedelta(days=1)
        count += reference_is_working_day(day)


# Speed: the calendar is held in memory --------------------------------------------------------


def test_calendar_does_not_query_the_database_per_call(settings, django_assert_num_queries):
    settings.WORKDAYS_CACHE_SECONDS = 60
    workdays.invalidate()
    first = workdays.calendar()  # warm-up: one query for the closure days
    with django_assert_num_queries(0):
        for _ in range(1000):
            assert workdays.calendar() is first


def test_the_public_functions_do_not_query_the_database_per_call(django_assert_num_queries):
    # Even with WORKDAYS_CACHE_SECONDS = 0, as in tests, a call only compares the cache stamp.
    is_working_day(D(2025, 12, 24))
    with django_assert_num_queries(0):
        for i in range(200):
            day = D(2025, 1, 1) + dt.timedelta(days=i)
            is_working_day(day)
            add_working_days(day, 10)
            working_days_between(day, D(2025, 12, 31))
            non_working_reason(day)


def test_calendar_is_built_once_per_invalidation(django_assert_num_queries):
    workdays.invalidate()
    with django_assert_num_queries(1):
        workdays.calendar()
        workdays.calendar()
