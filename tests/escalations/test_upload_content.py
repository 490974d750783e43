"""Uploads: the content must be what the name says, and a body too big is refused unread
(issue 13 §9). Real files of each kind, through the attach page."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.urls import reverse

from escalations.models import Attachment
from prp import uploads
from tests.escalations.test_concern_pages import _draft

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\x00" * 64
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
OLE = uploads.OLE_MAGIC + b"\x00" * 1024
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def _zip(parts: dict[str, bytes], *, first: tuple[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first[0]), first[1])  # stored, not compressed
        for name, body in parts.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _docx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document/>",
        }
    )


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Review dates"
    workbook.save(buffer)
    return buffer.getvalue()


def _odt() -> bytes:
    return _zip(
        {"content.xml": b"<office:document-content/>"},
        first=("mimetype", b"application/vnd.oasis.opendocument.text"),
    )


GENUINE = [
    ("plan.pdf", PDF),
    ("photo.png", PNG),
    ("photo.jpg", JPEG),
    ("photo.JPEG", JPEG),
    ("minutes.docx", _docx()),
    ("figures.xlsx", _xlsx()),
    ("minutes.odt", _odt()),
    ("old minutes.doc", OLE),
    ("letter.rtf", b"{\\rtf1\\ansi Dear Amara}"),
    ("notes.txt", "Notes from the review, 8 December 2023 – café".encode()),
]

MISMATCHED = [
    ("plan.pdf", EXE, "PDF"),
    ("plan.pdf", b"<html><script>alert(1)</script></html>", "PDF"),
    ("photo.png", JPEG, "PNG"),
    ("photo.jpg", PDF, "JPG"),
    ("minutes.docx", PNG, "DOCX"),
    ("minutes.docx", _zip({"payload.bin": b"x" * 100}), "DOCX"),
    ("minutes.docx", _xlsx(), "DOCX"),
    ("figures.xlsx", _docx(), "XLSX"),
    ("old minutes.doc", PDF, "DOC"),
    ("notes.txt", PDF, "TXT"),
    ("notes.txt", b"text\x00with a NUL", "TXT"),
    ("letter.rtf", EXE, "RTF"),
]


@pytest.fixture
def attach(client, gloucestershire, child, iro):
    concern = _draft(iro, child, gloucestershire)
    client.force_login(iro)
    url = reverse("escalations:attachment_add", args=[concern.pk])
    return lambda name, body: client.post(url, {"file": SimpleUploadedFile(name, body)})


@pytest.mark.parametrize(("name", "body"), GENUINE, ids=[name for name, _ in GENUINE])
def test_a_real_file_of_each_kind_is_attached(attach, name, body):
    response = attach(name, body)
    assert response.status_code == 302, response.content.decode()
    assert Attachment.objects.get().original_name == name


MISMATCHED_IDS = [f"{number}-{name}" for number, (name, _, _) in enumerate(MISMATCHED)]


@pytest.mark.parametrize(("name", "body", "label"), MISMATCHED, ids=MISMATCHED_IDS)
def test_content_that_does_not_match_the_name_is_refused(attach, name, body, label):
    response = attach(name, body)
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert f"The selected file is not a {label} file: its contents do not match its name" in page
    assert not Attachment.objects.exists()


class ReadingRefused(FileUploadHandler):
    """Fails the test if anything starts reading an uploaded file."""

    def new_file(self, *args, **kwargs):
        raise AssertionError("the body was read")

    def receive_data_chunk(self, raw_data, start):
        raise AssertionError("the body was read")

    def file_complete(self, file_size):
        raise AssertionError("the body was read")


def test_a_body_too_big_for_any_upload_is_refused_unread_with_a_gov_uk_page(attach, settings):
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.ReadingRefused"]
    response = attach("huge.pdf", PDF + b"0" * uploads.max_request_bytes())
    assert response.status_code == 413
    page = response.content.decode()
    assert "The file is too big" in page
    assert "govuk-header" in page
    assert not Attachment.objects.exists()


def test_the_size_is_judged_from_the_declared_length_alone(client, iro, db):
    """A body that says it is huge is refused before a byte of it is read."""
    client.force_login(iro)
    response = client.generic(
        "POST",
        "/children/",
        b"tiny",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(uploads.max_request_bytes() + 1),
    )
    assert response.status_code == 413


def test_a_file_just_over_10mb_still_gets_the_form_error(attach):
    response = attach("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    assert response.status_code == 200
    assert "The selected file must be smaller than 10MB" in response.content.decode()
