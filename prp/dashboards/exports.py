"""Every table and list can be downloaded as CSV or Excel (XLSX), through tablib."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

import tablib
from django.http import HttpResponse
from django.utils import timezone
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def wanted_format(request) -> str | None:
    """ "csv" or "xlsx" when the request asks for a download (?format=…), else None."""
    value = request.GET.get("format", "")
    return value if value in FORMATS else None


def download(
    headers: Sequence[str], rows: Iterable[Sequence], *, filename: str, fmt: str, title: str = ""
) -> HttpResponse:
    """A file of the table: `headers` then one line per row (dates stay dates in Excel)."""
    data = tablib.Dataset(headers=list(headers), title=(title or filename)[:31])
    for row in rows:
        data.append([_cell(value, fmt) for value in row])
    content_type, extension = FORMATS[fmt]
    response = HttpResponse(data.export(fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    return response


def _cell(value, fmt: str):
    if value is None:
        return ""
    if isinstance(value, str) and fmt == "xlsx":
        # A worksheet cannot hold control characters, which people paste (Word's line break is
        # a vertical tab): each becomes a space rather than the download failing.
        return ILLEGAL_CHARACTERS_RE.sub(" ", value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        # Excel cannot hold a time zone: the local time, as the pages show it.
        return timezone.make_naive(value)
    if isinstance(value, str | int | float) or hasattr(value, "isoformat"):
        return value
    return str(value)
