"""The report pages: the monthly themes report, the weekly clinic pack and the IRO annual
report figures. Each table on them downloads as CSV or Excel (?format=csv|xlsx&table=…)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from escalations.rules import may_open_clinic
from prp import figures_cache
from prp.exports import download, wanted_format
from prp.permissions import may_see_dashboards

from . import reports
from .report_forms import MonthForm, WeekForm, YearForm


def _require_dashboards(user) -> None:
    if not may_see_dashboards(user):
        raise PermissionDenied("Reports are for managers and the performance team.")


def _table_download(request, tables: list[reports.Table], filename: str):
    """The table named in ?table= (the first if none) as a file; 404 for a name not on the page."""
    fmt = wanted_format(request)
    wanted = request.GET.get("table") or tables[0].key
    table = next((table for table in tables if table.key == wanted), None)
    if table is None:
        raise Http404("No such table in this report")
    return download(
        request,
        table.headers,
        table.download_rows(),
        filename=f"{filename}-{table.key.replace('_', '-')}",
        fmt=fmt,
        title=table.caption,
    )


def _page(request, template: str, form, context: dict):
    # A bad period is shown in the error summary, like every other form.
    return render(request, template, {"form": form, **context})


@require_GET
def themes(request):
    _require_dashboards(request.user)
    form = MonthForm(request.GET, today=timezone.localdate())
    month = form.period()
    today = timezone.localdate()
    report = (
        figures_cache.remember(
            "themes",
            request.user,
            (month, today),
            lambda: reports.themes_report(request.user, month),
        )
        if month
        else None
    )
    if report and wanted_format(request):
        return _table_download(request, report.tables, f"themes-{month:%Y-%m}")
    return _page(
        request,
        "prp/reports/themes.html",
        form,
        {"report": report, "query": f"month={month:%Y-%m}" if month else ""},
    )


@require_GET
def clinic_pack(request):
    user = request.user
    if not (may_open_clinic(user) or may_see_dashboards(user)):
        raise PermissionDenied("The clinic pack is for the reviewing service and managers.")
    today = timezone.localdate()
    form = WeekForm(request.GET, today=today)
    monday = form.period()
    if monday and wanted_format(request):
        pack = reports.clinic_pack(user, monday, today)
        return _table_download(request, pack.tables, f"clinic-pack-{monday.isoformat()}")
    pack = (
        figures_cache.remember(
            "clinic_pack",
            user,
            (monday, today),
            lambda: reports.clinic_pack(user, monday, today, limit=reports.PACK_ROWS_SHOWN),
        )
        if monday
        else None
    )
    return _page(
        request,
        "prp/reports/clinic_pack.html",
        form,
        {
            "pack": pack,
            "query": f"week={monday.isoformat()}" if monday else "",
            "may_open_clinic": may_open_clinic(user),
        },
    )


@require_GET
def annual(request):
    _require_dashboards(request.user)
    today = timezone.localdate()
    # Worked out only when no year is asked for: it reads the concerns.
    asked = request.GET.get("year")
    default_year = (
        None
        if asked
        else figures_cache.remember(
            "annual_year",
            request.user,
            (today,),
            lambda: reports.default_reporting_year(request.user, today),
        )
    )
    form = YearForm(request.GET, today=today, default_year=default_year)
    year = form.period()
    report = (
        figures_cache.remember(
            "annual",
            request.user,
            (year, today),
            lambda: reports.annual_report(request.user, year, today),
        )
        if year is not None
        else None
    )
    if report and request.GET.get("table") and wanted_format(request):
        return _table_download(request, report.tables, f"iro-annual-report-{year}-{year + 1}")
    if report and (fmt := wanted_format(request)):
        return download(
            request,
            ["Figure", "Breakdown", "Measure", "Value"],
            report.flat_rows(),
            filename=f"iro-annual-report-{year}-{year + 1}",
            fmt=fmt,
            title=f"IRO annual report {year} to {year + 1}",
        )
    return _page(
        request,
        "prp/reports/annual.html",
        form,
        {"report": report, "query": f"year={year}" if year is not None else ""},
    )
