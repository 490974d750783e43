"""Large files: imported by the worker, a progress page that reloads itself, the result emailed."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Child
from imports.models import ImportRun
from imports.tasks import run_import
from notifications.models import Kind, Notification
from prp.models import RoleCode

from ..factories import UserFactory
from .conftest import SAMPLES, SSDA903_SET

START = reverse("imports:import_start")


def _preview(client):
    admin = UserFactory(full_name="Ada Admin", roles=[RoleCode.ADMINISTRATOR])
    client.force_login(admin)
    files = [SimpleUploadedFile(n, (SAMPLES / n).read_bytes()) for n in SSDA903_SET]
    client.post(START, {"kind": "ssda903", "files": files})
    return admin, ImportRun.objects.get()


def test_a_large_file_is_imported_by_the_worker_with_a_progress_page_and_an_email(
    client, db, settings, django_capture_on_commit_callbacks
):
    settings.IMPORTS_BACKGROUND_BYTES = 1
    admin, run = _preview(client)

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("imports:import_confirm"), {"run": run.pk})

    progress = reverse("imports:import_progress", args=[run.pk])
    assert response.status_code == 302 and response.url == progress
    assert len(queued) == 1  # the worker is woken once the claim is saved
    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING and not Child.objects.exists()
    page = client.get(progress).content.decode()
    # No timed reload (WCAG 2.2.1, axe's meta-refresh rule): a link to check again instead.
    assert 'http-equiv="refresh"' not in page and "Importing" in page
    assert "Check the progress again" in page

    assert run_import(run.pk) == ImportRun.Status.DONE  # what the worker runs

    assert Child.objects.count() == 50
    page = client.get(progress).content.decode()
    assert "http-equiv" not in page and "Import done" in page
    assert "50 created, 0 updated, 0 unchanged" in page
    email = Notification.objects.get(kind=Kind.IMPORT_FINISHED)
    assert email.recipient == admin
    assert "50 created, 0 updated, 0 unchanged" in email.body_text
    assert "import done" in email.subject
    # A second delivery of the same task imports nothing again.
    assert run_import(run.pk) == "not waiting"
    assert Notification.objects.filter(kind=Kind.IMPORT_FINISHED).count() == 1


def test_a_small_file_is_imported_while_the_page_waits(client, db, settings):
    settings.IMPORTS_BACKGROUND_BYTES = 10**9
    _admin, run = _preview(client)

    response = client.post(reverse("imports:import_confirm"), {"run": run.pk}, follow=True)

    assert "Import done: 50 created" in response.content.decode()
    assert not Notification.objects.filter(kind=Kind.IMPORT_FINISHED).exists()


def test_only_the_person_who_started_an_import_sees_its_progress(client, db, settings):
    settings.IMPORTS_BACKGROUND_BYTES = 1
    _admin, run = _preview(client)
    other = UserFactory(roles=[RoleCode.ADMINISTRATOR])
    client.force_login(other)

    response = client.get(reverse("imports:import_progress", args=[run.pk]))

    assert response.status_code == 404


def test_only_administrators_see_an_import_progress_page(client, db, settings):
    _admin, run = _preview(client)
    client.force_login(UserFactory(roles=[RoleCode.SOCIAL_WORKER]))

    response = client.get(reverse("imports:import_progress", args=[run.pk]))

    assert response.status_code == 403
