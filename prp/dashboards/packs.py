"""When the scheduled packs are due (issue 20 part 2): the calendar rule only, so far.

The weekly clinic pack goes out on the first working day of each week (Monday 08:00, or the next
working day when Monday is a bank holiday or a closure day) and covers the week just ended. The
monthly themes report goes out on the first working day of each month and covers the month just
ended. Not built yet: the jobs that build the packs, the email with the PDF, the recipients.
"""

from __future__ import annotations

import datetime as dt

from prp import workdays

from .reports import last_complete_month, week_start


def clinic_pack_send_day(monday: dt.date) -> dt.date:
    """The day the pack is sent in the week beginning `monday`: its first working day."""
    return workdays.next_working_day(monday)


def themes_report_send_day(month_start: dt.date) -> dt.date:
    """The day the themes report is sent in the month beginning `month_start`."""
    return workdays.next_working_day(month_start)


def clinic_pack_due(today: dt.date) -> dt.date | None:
    """The Monday of the week whose pack goes out today, or None when no pack goes out today."""
    monday = week_start(today)
    if clinic_pack_send_day(monday) != today:
        return None
    return monday - dt.timedelta(days=7)


def themes_report_due(today: dt.date) -> dt.date | None:
    """The first day of the month whose themes report goes out today, or None."""
    if themes_report_send_day(today.replace(day=1)) != today:
        return None
    return last_complete_month(today)
