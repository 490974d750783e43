"""When the scheduled packs are due (issue 20 part 2), and each pack as a PDF.

The weekly clinic pack goes out on the first working day of each week (Monday 08:00, or the next
working day when Monday is a bank holiday or a closure day) and covers the week just ended. The
monthly themes report goes out on the first working day of each month and covers the month just
ended. Each pack is made as a tagged PDF for the person it is for (their own figures: a
restricted child is never in it). The jobs that send them, by email with the headline figures
and the PDF attached, to the people an administrator chose, are in dashboards.sending.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import dateformat, timezone

from prp import workdays
from prp.pdf import render_pdf

from . import reports
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


def _day(value: dt.date) -> str:
    return dateformat.format(value, "j F Y")


def _pdf(*, title: str, period: str, tables: list, headline: list[str], user) -> bytes:
    return render_pdf(
        "prp/reports/pack_pdf.html",
        {
            "title": title,
            "period": period,
            "tables": tables,
            "headline": headline,
            "authority_name": settings.AUTHORITY_NAME,
            "made_for": user.get_full_name() or str(user),
            "produced_at": timezone.localtime(),
        },
    )


def clinic_pack_headline(pack: reports.ClinicPack) -> list[str]:
    """The figures an email leads with: each table's caption ("New this week (3)")."""
    return [table.caption for table in pack.tables]


THEMES_HEADLINE_CATEGORIES = 3


def themes_report_headline(report: reports.ThemesReport) -> list[str]:
    """The figures an email leads with: the month's total and its commonest categories."""
    lines = [f"Concern themes raised in the month: {report.total:,}"]
    table = report.teams
    if table.total:
        counts = zip(table.headers[1:-1], table.total[1:-1], strict=True)
        common = sorted((c for c in counts if c[1]), key=lambda c: (-c[1], c[0]))
        lines += [f"{name}: {count:,}" for name, count in common[:THEMES_HEADLINE_CATEGORIES]]
    return lines


def clinic_pack_pdf(user, monday: dt.date, pack: reports.ClinicPack | None = None) -> bytes:
    """The weekly clinic pack for the week beginning `monday`, as this person may see it
    (`pack`: the same, already counted for them)."""
    pack = pack or reports.clinic_pack(user, monday)
    return _pdf(
        title=f"Weekly clinic pack: week beginning {_day(monday)}",
        period=f"{_day(pack.week_start)} to {_day(pack.week_end)}, open and overdue as at "
        f"{_day(pack.as_at)}",
        tables=pack.tables,
        headline=clinic_pack_headline(pack),
        user=user,
    )


def themes_report_pdf(
    user, month_start: dt.date, report: reports.ThemesReport | None = None
) -> bytes:
    """The monthly themes report for the month beginning `month_start`, for this person."""
    report = report or reports.themes_report(user, month_start)
    return _pdf(
        title=f"Monthly themes report: {dateformat.format(month_start, 'F Y')}",
        period=f"{_day(report.month_start)} to {_day(report.month_end)}",
        tables=report.tables,
        headline=themes_report_headline(report),
        user=user,
    )
