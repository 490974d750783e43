"""Every download the app offers, found the way a person finds them.

The URL resolver gives every page that takes no record number; each is opened as each persona,
and every link on it to a CSV or Excel file (`format=csv|xlsx`) is a download. The page itself
asked for as a file is tried too, so a download with no link is found as well. Nothing here
lists the downloads by hand: a new one is walked the day it appears.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import openpyxl
from django.urls import URLPattern, URLResolver, get_resolver

DOWNLOAD_LINK = re.compile(r'href="([^"]*\bformat=(?:csv|xlsx)[^"]*)"')
# Pages that are not the app's own (the admin has no CSV or Excel downloads) or that change
# something when opened.
LEFT_OUT = ("admin/", "sign-out/", "oidc", "session/keep-alive/")


def _patterns(patterns, prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def plain_pages() -> list[str]:
    """The path of every page whose address takes no record number."""
    paths = []
    for route in _patterns(get_resolver().url_patterns):
        if "<" in route or any(part in route for part in LEFT_OUT) or route.startswith("^"):
            continue
        paths.append("/" + route)
    return sorted(set(paths))


def download_links(client, user) -> set[str]:
    """Every download this person is offered, as a path and query."""
    client.force_login(user)
    found = set()
    for path in plain_pages():
        response = client.get(path, {"format": "csv"})
        if response.get("Content-Disposition", "").startswith("attachment"):
            found.update({f"{path}?format=csv", f"{path}?format=xlsx"})
        page = client.get(path)
        if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
            continue
        for href in DOWNLOAD_LINK.findall(page.content.decode()):
            link = urlsplit(html.unescape(href))
            found.add(f"{link.path or path}?{link.query}")
    return found


def query_of(link: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(link).query))


def cells(response) -> list[tuple[object, str]]:
    """(value, type) of every cell of a downloaded file: openpyxl's data type for Excel ("s"
    text, "n" number, "d" date, "f" formula), "s" for every CSV cell."""
    if response["Content-Type"].startswith("text/csv"):
        text = response.content.decode("utf-8-sig")
        return [(value, "s") for row in csv.reader(io.StringIO(text)) for value in row]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [(cell.value, cell.data_type) for row in sheet.iter_rows() for cell in row]


def rows_of(response) -> list[list]:
    """The rows of a downloaded file, the header first."""
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]
