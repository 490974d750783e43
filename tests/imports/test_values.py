import datetime as dt

import pytest
import time_machine

from imports.values import Invalid, date


@pytest.mark.parametrize("text", ["1/9/2025", "01/09/2025", "2025-09-01", "01-09-2025"])
def test_date_reads_the_three_formats(text):
    assert date(text) == dt.date(2025, 9, 1)


def test_date_in_the_future_is_refused_by_the_service_today_not_a_day_kept():
    # 23:30 UTC on 31 August is 00:30 on 1 September in London, the service's time zone.
    with time_machine.travel(dt.datetime(2025, 8, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        assert date("01/09/2025") == dt.date(2025, 9, 1)
        with pytest.raises(Invalid, match="in the future"):
            date("02/09/2025")
    # The same text read again on an earlier day (the days read are kept): refused there.
    with time_machine.travel(dt.datetime(2025, 8, 30, 10, 0, tzinfo=dt.UTC), tick=False):
        with pytest.raises(Invalid, match="in the future"):
            date("01/09/2025")
        assert date("01/09/2025", past=False) == dt.date(2025, 9, 1)


@pytest.mark.parametrize("text", ["31/02/2025", "2025/09/01", "tomorrow", ""])
def test_date_that_is_not_a_real_date_is_refused(text):
    with pytest.raises(Invalid, match="real date"):
        date(text)
