"""When the scheduled packs go out (issue 20 part 2, the calendar rule): the weekly clinic pack
on the first working day of the week, the themes report on the first working day of the month;
a bank-holiday Monday sends on the next working day (England and Wales bank holidays)."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboards import packs
from prp import workdays
from prp.models import ClosureDay

D = dt.date
pytestmark = pytest.mark.django_db


def test_an_ordinary_monday_sends_the_pack_for_the_week_just_ended():
    assert packs.clinic_pack_due(D(2026, 3, 16)) == D(2026, 3, 9)
    assert packs.clinic_pack_due(D(2026, 3, 17)) is None  # Tuesday: already sent on Monday


def test_a_bank_holiday_monday_sends_on_tuesday():
    # Easter Monday, 6 April 2026.
    assert packs.clinic_pack_due(D(2026, 4, 6)) is None
    assert packs.clinic_pack_due(D(2026, 4, 7)) == D(2026, 3, 30)
    assert packs.clinic_pack_due(D(2026, 4, 8)) is None


def test_christmas_on_monday_and_boxing_day_on_tuesday_send_on_wednesday():
    assert packs.clinic_pack_send_day(D(2028, 12, 25)) == D(2028, 12, 27)
    assert packs.clinic_pack_due(D(2028, 12, 27)) == D(2028, 12, 18)


def test_a_closure_day_the_council_adds_counts_like_a_bank_holiday():
    ClosureDay.objects.create(date=D(2026, 3, 23), reason="Office move")
    workdays.invalidate()
    assert packs.clinic_pack_due(D(2026, 3, 23)) is None
    assert packs.clinic_pack_due(D(2026, 3, 24)) == D(2026, 3, 16)


def test_the_themes_report_goes_on_the_first_working_day_of_the_month():
    assert packs.themes_report_due(D(2026, 6, 1)) == D(2026, 5, 1)  # a Monday
    assert packs.themes_report_due(D(2026, 6, 2)) is None
    # 1 August 2026 is a Saturday: Monday 3 August.
    assert packs.themes_report_due(D(2026, 8, 1)) is None
    assert packs.themes_report_due(D(2026, 8, 3)) == D(2026, 7, 1)
    # 1 January 2027 is a Friday and New Year's Day: Monday 4 January, for December.
    assert packs.themes_report_due(D(2027, 1, 1)) is None
    assert packs.themes_report_due(D(2027, 1, 4)) == D(2026, 12, 1)
