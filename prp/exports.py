"""Every table and list can be downloaded as CSV or Excel (XLSX), through tablib; a document
(the child's chronology) as a PDF. Each app's downloads (escalations/downloads.py,
cases/downloads.py, qapr/downloads.py, the dashboard's tables) are built on this module.

Every download goes through `download` (a table: each text cell is made safe from formula
injection by `neutralise`) or `download_document` (a file already made), and both write the
download in the audit trail. Rows are read in chunks (`chunks`) with the selector's
select_related and prefetches: a fixed number of queries per chunk, never one per row.

What a cell may hold: text that a spreadsheet reads as text.

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@` as a
formula, and a leading tab or carriage return hides such a start; East Asian input turns the
full-width forms into the same characters. A concern titled `=HYPERLINK("http://…"&A2,"x")` would
otherwise become a live link that sends the row to anyone who clicks it. OWASP's defence: put a
single quote in front, which every spreadsheet shows as the start of text. Numbers and dates are
not text and never pass through here, so they stay numbers and dates.
"""

from __future__ import annotations

import datetime
import numbers
from collections.abc import Iterable, Iterator, Sequence

import tablib
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from tablib.formats._xlsx import XLSXFormat

from prp.audit import record_download

# = + - @ and their full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20).
FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
HIDING_STARTS = frozenset("\t\r")


def neutralise(text: str) -> str:
    """`text` with a single quote in front if a spreadsheet could read it as a formula.

    Leading spaces and line breaks are looked through: some spreadsheets trim them before
    deciding what a cell is.
    """
    if text[:1] in HIDING_STARTS or text.lstrip()[:1] in FORMULA_STARTS:
        return f"'{text}"
    return text


FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
# Documents: made whole (prp.pdf), not from a table; never offered by `wanted_format`.
DOCUMENTS = {
    "pdf": ("application/pdf", "pdf"),
}


def wanted_format(request) -> str | None:
    """ "csv" or "xlsx" when the request asks for a download (?format=…), else None."""
    value = request.GET.get("format", "")
    return value if value in FORMATS else None


def download(
    request,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    filename: str,
    fmt: str,
    title: str = "",
) -> HttpResponse:
    """A file of the table: `headers` then one line per row (dates stay dates in Excel)."""
    title = title or filename
    data = tablib.Dataset(headers=[_cell(header, fmt) for header in headers], title=title[:31])
    for row in rows:
        data.append([_cell(value, fmt) for value in row])
    content_type, extension = FORMATS[fmt]
    file = f"{filename}.{extension}"
    record_download(request, title=title, file=file, fmt=fmt, rows=data.height)
    content = TextCellsXLSX.export_set(data) if fmt == "xlsx" else data.export(fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file}"'
    return response


def download_document(
    request, content: bytes, *, filename: str, fmt: str, title: str, rows: int
) -> HttpResponse:
    """A document already made (a PDF), as a download written in the audit trail: which one,
    with the request's filters, how many entries it holds."""
    content_type, extension = DOCUMENTS[fmt]
    file = f"{filename}.{extension}"
    record_download(request, title=title, file=file, fmt=fmt, rows=rows)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file}"'
    return response


class TextCellsXLSX(XLSXFormat):
    """tablib's Excel writer, with every text cell typed as text: openpyxl would otherwise make
    a formula of text starting with "=" and an error of text such as "#N/A"."""

    @classmethod
    def dset_sheet(cls, dataset, ws, **options):
        super().dset_sheet(dataset, ws, **options)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"


def _cell(value, fmt: str):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        # Excel cannot hold a time zone: the local time, as the pages show it.
        return timezone.make_naive(value)
    if isinstance(value, numbers.Number | datetime.date | datetime.time):
        return value
    text = str(value)
    if fmt == "xlsx":
        # A worksheet cannot hold control characters, which people paste (Word's line break is
        # a vertical tab): each becomes a space rather than the download failing.
        text = ILLEGAL_CHARACTERS_RE.sub(" ", text)
    return neutralise(text)


# Reading a list's rows ----------------------------------------------------------------------

CHUNK = 2000


def chunks(queryset: QuerySet, size: int = CHUNK) -> Iterator[list]:
    """The queryset's rows in lists of `size`, its prefetches done once per list."""
    batch = []
    for item in queryset.iterator(chunk_size=size):
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def stamp(today: datetime.date) -> str:
    return today.isoformat()


def in_rows(queryset: QuerySet) -> Iterator:
    for batch in chunks(queryset):
        yield from batch
