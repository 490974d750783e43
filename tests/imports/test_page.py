"""The administrators' import page: upload, preview (nothing written), confirm."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Child
from imports.models import ImportRun
from prp.models import RoleCode

from ..factories import UserFactory
from .conftest import SAMPLES, SSDA903_SET

START = reverse("imports:import_start")


def _admin(client):
    admin = UserFactory(full_name="Ada Admin", roles=[RoleCode.ADMINISTRATOR])
    client.force_login(admin)
    return admin


def _files(*names):
    return [SimpleUploadedFile(n, (SAMPLES / n).read_bytes()) for n in names]


def test_preview_writes_nothing_then_confirm_imports(client, db):
    _admin(client)

    response = client.post(START, {"kind": "ssda903", "files": _files(*SSDA903_SET)})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Check the import" in page and "Confirm import" in page
    assert not Child.objects.exists()
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.PREVIEWED and run.created == 50

    response = client.post(reverse("imports:import_confirm"), {"run": run.pk}, follow=True)

    assert "Import done: 50 created, 0 updated, 0 unchanged." in response.content.decode()
    assert Child.objects.count() == 50
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and not run.files.exists()
    # Confirming twice imports once.
    response = client.post(reverse("imports:import_confirm"), {"run": run.pk}, follow=True)
    assert "already been confirmed" in response.content.decode()


def test_preview_lists_every_error_by_file_row_and_column_with_the_value(client, db, team):
    _admin(client)
    text = (
        "EXTERNAL_ID,FIRST_NAME,LAST_NAME,DATE_OF_BIRTH,CHILD_TYPE,LEGAL_STATUS\n"
        "1,Ann,One,01/01/2015,child_in_care,Q7\n"
        "2,Bo,Two,01/01/2031,child_in_care,C2\n"
    )
    upload = SimpleUploadedFile("kids.csv", text.encode())

    response = client.post(START, {"kind": "children", "files": [upload]})

    page = response.content.decode()
    assert "There are problems: nothing will be imported" in page
    assert "Q7" in page and "LEGAL_STATUS" in page and "01/01/2031" in page
    assert "Confirm import" not in page
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


def test_form_errors_show_the_error_summary(client, db):
    _admin(client)

    response = client.post(START, {})

    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Select what you are importing" in page and "Select a file" in page


def test_only_administrators_import(client, db, social_worker):
    client.force_login(social_worker)
    assert client.get(START).status_code == 403
    assert client.post(START, {"kind": "ssda903", "files": _files(*SSDA903_SET)}).status_code == 403
    assert not ImportRun.objects.exists()


def test_someone_elses_preview_cannot_be_confirmed(client, db):
    _admin(client)
    client.post(START, {"kind": "ssda903", "files": _files(*SSDA903_SET)})
    run = ImportRun.objects.get()
    _admin(client)  # another administrator

    response = client.post(reverse("imports:import_confirm"), {"run": run.pk})

    assert response.status_code == 404
    assert not Child.objects.exists()


def test_xlsx_template_download_filled_in_imports(client, db, team):
    _admin(client)
    response = client.get(
        reverse("imports:template_download"), {"kind": "children", "format": "xlsx"}
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert [c.value for c in sheet[1]][:3] == ["EXTERNAL_ID", "FIRST_NAME", "LAST_NAME"]
    sheet.append(["555", "Zoë", "Fill", "01/02/2016", "child_protection", "", team.name, "yes"])
    filled = io.BytesIO()
    book.save(filled)

    client.post(
        START,
        {"kind": "children", "files": [SimpleUploadedFile("filled.xlsx", filled.getvalue())]},
    )
    client.post(reverse("imports:import_confirm"), {"run": ImportRun.objects.get().pk})

    child = Child.objects.get(reference="555")
    assert (child.full_name, child.restricted, child.team) == ("Zoë Fill", True, team)


def test_cin_census_xml_preview_then_confirm_on_the_page(client, db):
    _admin(client)

    response = client.post(START, {"kind": "cin_census", "files": _files("cin_census.xml")})

    assert response.status_code == 200
    assert "Confirm import" in response.content.decode()
    assert not Child.objects.exists()
    run = ImportRun.objects.get()
    assert (run.status, run.created) == (ImportRun.Status.PREVIEWED, 20)
    response = client.post(reverse("imports:import_confirm"), {"run": run.pk}, follow=True)
    assert "Import done: 20 created, 0 updated, 0 unchanged." in response.content.decode()
    assert Child.objects.count() == 20


def test_xml_errors_on_the_page_give_the_line_and_element(client, db):
    _admin(client)
    bad = (SAMPLES / "cin_census.xml").read_bytes().replace(b"2025-06-20", b"2025-06-31", 1)

    response = client.post(
        START, {"kind": "cin_census", "files": [SimpleUploadedFile("census.xml", bad)]}
    )

    page = response.content.decode()
    assert "nothing will be imported" in page
    assert "line 33" in page and "DateOfInitialCPC" in page and "2025-06-31" in page
    assert "Confirm import" not in page


def test_xml_returns_have_no_template_to_download_but_list_their_elements(client, db):
    _admin(client)

    page = client.get(START).content.decode()

    assert "Elements read from the cin census (child protection plans)" in page
    assert "<code>CPPstartDate</code>" in page
    for kind in ("cin_census", "ssda903_xml"):
        url = reverse("imports:template_download") + f"?kind={kind}&format=csv"
        assert client.get(url).status_code == 404
