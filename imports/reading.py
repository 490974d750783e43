"""Reading the council's files: CSV (UTF-8) or an Excel workbook, row by row, with the columns
checked against what the kind of import expects.

Rows are numbered as a spreadsheet numbers them (the column names are row 1), so an error can
say "row 14, column DOB" and the person finds it at once.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException


@dataclass(frozen=True)
class Problem:
    """Something wrong in a file: where it is, what was found there, and what to do."""

    file: str
    row: int | None
    column: str | None
    value: str
    message: str
    # In an XML file the row is the line the element starts on, and the column the element.
    xml: bool = False

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "xml": self.xml,
        }

    def __str__(self) -> str:
        row, column = ("line", "element") if self.xml else ("row", "column")
        where = ", ".join(
            part
            for part in (
                self.file,
                f"{row} {self.row}" if self.row else "",
                f"{column} {self.column}" if self.column else "",
            )
            if part
        )
        found = f' (found "{self.value}")' if self.value else ""
        return f"{where}: {self.message}{found}"


class BadFile(Exception):
    """A file that cannot be read at all: nothing in it is used."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Table:
    """One file's rows, as {column: text} with the column names in upper case."""

    name: str
    columns: list[str]
    # A list (an XML file's), or a Rows read from the file each time it is gone through.
    rows: Iterable[tuple[int, dict[str, str]]] = field(default_factory=list)
    sheet: str = ""
    # Read from an XML file (row numbers are lines, columns are elements).
    xml: bool = False

    def problem(self, row: int | None, column: str | None, value, message: str) -> Problem:
        found = "" if value is None else str(value)
        return Problem(self.name, row, column, found, message, xml=self.xml)


def _text(value) -> str:
    """A cell as text: dates in ISO form, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_CHUNK = 1 << 18


def _check_utf8(name: str, data: bytes) -> None:
    """The whole file is UTF-8, checked 256 KB at a time (not decoded into one string)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, len(data), _CHUNK):
        held = len(decoder.getstate()[0])  # the bytes of a character cut by the last chunk
        try:
            decoder.decode(data[start : start + _CHUNK], final=start + _CHUNK >= len(data))
        except UnicodeDecodeError as error:
            raise BadFile(
                [
                    Problem(
                        name,
                        None,
                        None,
                        "",
                        f"The file is not in UTF-8 (byte {start - held + error.start + 1} "
                        "cannot be read). Save it again as \u201cCSV UTF-8\u201d.",
                    )
                ]
            ) from None


def _csv_rows(name: str, data: bytes) -> Iterator[list[str]]:
    """The file's rows one at a time, decoded as they are read."""
    _check_utf8(name, data)
    if b"\x00" in data:
        raise BadFile([Problem(name, None, None, "", _NOT_A_TABLE)])
    # BytesIO shares the bytes rather than copying them.
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    yield from csv.reader(text)


def _xlsx_rows(name: str, data: bytes, sheet: str | None) -> Iterator[list[str]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise BadFile([Problem(name, None, None, "", _NOT_A_TABLE)]) from None
    try:
        if sheet and sheet not in book.sheetnames:
            raise BadFile(
                [Problem(name, None, None, "", f"The workbook has no sheet \u201c{sheet}\u201d.")]
            )
        worksheet = book[sheet] if sheet else book.worksheets[0]
        for values in worksheet.iter_rows(values_only=True):
            yield [_text(value) for value in values]
    finally:
        book.close()


_NOT_A_TABLE = "The file is not a CSV file or an Excel workbook (.xlsx)."


class Rows:
    """A table's rows, read from the file each time they are gone through: never all of them
    in memory at once, however long the file."""

    def __init__(self, read: Callable[[], Iterator[list[str]]], header, wanted):
        self.read, self.header, self.wanted = read, header, wanted

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        cells = self.read()
        next(cells, None)  # the column names
        for number, row in enumerate(cells, start=2):
            texts = [_text(cell) for cell in row]
            if not any(texts):
                continue
            values = dict(zip(self.header, texts, strict=False))
            yield number, {column: values.get(column, "") for column in self.wanted}


def read_table(
    name: str, data: bytes, *, required: list[str], optional: list[str] = (), sheet=None
) -> Table:
    """The file's rows, or BadFile if it is not a table or lacks a required column. The rows
    are read as the planner goes through them (Rows)."""
    lower = name.lower()
    if lower.endswith(".xlsx"):

        def read():
            return _xlsx_rows(name, data, sheet)
    elif lower.endswith(".csv"):

        def read():
            return _csv_rows(name, data)
    else:
        raise BadFile([Problem(name, None, None, "", _NOT_A_TABLE)])
    cells = read()
    header = [cell.strip().upper() for cell in next(cells, [])]
    cells.close()
    missing = [column for column in required if column not in header]
    if missing:
        raise BadFile(
            [Problem(name, 1, column, "", "This column is missing.") for column in missing]
        )
    wanted = set(required) | set(optional)
    return Table(
        name=name, columns=[c for c in header if c in wanted], rows=Rows(read, header, wanted)
    )


def sniff_columns(name: str, data: bytes) -> list[str]:
    """The column names of a file (to tell which of a return's files it is), or []."""
    try:
        lower = name.lower()
        rows = _xlsx_rows(name, data, None) if lower.endswith(".xlsx") else _csv_rows(name, data)
        return [cell.strip().upper() for cell in next(rows, [])]
    except BadFile:
        return []
