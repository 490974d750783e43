"""Uploaded files: their content must be what their name says, and a request too big for any
upload is refused before its body is read.

The content is recognised from its first bytes by `filetype` (pure Python, no libmagic). The
Office formats that are zip files are confirmed from the zip's own list of parts when the first
bytes are not enough; a text file is one with no recognised binary type and no NUL byte.
"""

from __future__ import annotations

import zipfile

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.shortcuts import render

HEAD_BYTES = 8192
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # the compound file older Office files are in
# What `filetype` may call a file with each name, and the part a zip must hold to be one.
KINDS = {
    ".pdf": {"pdf"},
    ".doc": {"doc"},
    ".docx": {"docx"},
    ".odt": {"odt"},
    ".rtf": {"rtf"},
    ".png": {"png"},
    ".jpg": {"jpg"},
    ".jpeg": {"jpg"},
    ".xlsx": {"xlsx"},
}
ZIP_PARTS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml", ".odt": "content.xml"}
# The form around a file: its other fields and the multipart boundaries.
FORM_OVERHEAD_BYTES = 64 * 1024


def content_matches(upload: UploadedFile, suffix: str) -> bool:
    """Whether the file's content is of the kind its name (`suffix`, lower case) says."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    found = kind.extension if kind else None
    if suffix == ".txt":
        return found is None and b"\x00" not in head
    if found in KINDS.get(suffix, ()):
        return True
    if suffix == ".doc":
        return head.startswith(OLE_MAGIC)
    if suffix in ZIP_PARTS and found in (None, "zip", "docx", "xlsx", "odt"):
        return _zip_has(upload, ZIP_PARTS[suffix])
    return False


def _zip_has(upload: UploadedFile, part: str) -> bool:
    try:
        with zipfile.ZipFile(upload) as archive:
            return part in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)


def max_request_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES


class RequestTooBigMiddleware:
    """Refuses a request whose declared body is bigger than the largest upload could make it,
    before anything reads it (so it is never spooled to a temporary file). Django reads no more
    of a body than CONTENT_LENGTH says, so a body without one is never read at all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_request_bytes():
            # (No "Connection: close": WSGI forbids an application hop-by-hop headers. The
            # server discards the unread body itself, never spooling it to a file.)
            return render(request, "errors/413.html", status=413)
        return self.get_response(request)
