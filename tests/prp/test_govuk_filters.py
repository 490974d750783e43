import datetime as dt

import pytest

from prp.templatetags.govuk import govuk_datetime, govuk_time


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(16, 7, "4:07pm"), (9, 0, "9am"), (12, 0, "midday"), (0, 0, "midnight"), (0, 30, "12:30am")],
)
def test_times_are_written_the_gov_uk_way(hour, minute, expected):
    assert govuk_time(dt.datetime(2023, 12, 8, hour, minute)) == expected


def test_date_and_time_read_as_words():
    assert govuk_datetime(dt.datetime(2023, 12, 8, 16, 7)) == "8 December 2023 at 4:07pm"
    assert govuk_datetime(None) == ""
