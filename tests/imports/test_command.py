"""The nightly command: same summary, non-zero exit on any error, every run recorded."""

import pytest
from django.core.management import CommandError, call_command

from cases.models import Child
from imports.models import ImportRun

from .conftest import SAMPLES, SSDA903_SET


def test_import_records_prints_the_summary_and_records_the_run(db, capsys):
    call_command("import_records", "--kind", "ssda903", *[str(SAMPLES / n) for n in SSDA903_SET])

    out = capsys.readouterr().out
    assert "50 created, 0 updated, 0 unchanged" in out
    run = ImportRun.objects.get()
    assert (run.source, run.status, run.started_by) == ("command", "done", None)
    assert Child.objects.count() == 50


def test_import_records_dry_run_writes_nothing(db, capsys):
    call_command(
        "import_records",
        "--kind",
        "ssda903",
        "--dry-run",
        *[str(SAMPLES / n) for n in SSDA903_SET],
    )

    assert "50 to create" in capsys.readouterr().out
    assert not Child.objects.exists()
    assert ImportRun.objects.get().status == ImportRun.Status.DRY_RUN


def test_import_records_exits_non_zero_on_any_error(db, tmp_path, capsys):
    bad = tmp_path / "children.csv"
    bad.write_text("EXTERNAL_ID,FIRST_NAME\n1,Ann\n")

    with pytest.raises(CommandError):
        call_command("import_records", "--kind", "children", str(tmp_path))

    assert (
        "children.csv, row 1, column LAST_NAME: This column is missing." in capsys.readouterr().out
    )
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


def test_health_reports_the_age_of_the_last_successful_import_of_each_kind(client, db, settings):
    settings.HEALTH_TOKEN = "token-for-tests"
    call_command("import_records", "--kind", "ssda903", *[str(SAMPLES / n) for n in SSDA903_SET])

    jobs = client.get("/health/", headers={"X-Health-Token": "token-for-tests"}).json()["jobs"]

    assert jobs["import_ssda903"]["age_seconds"] == 0
    assert "import_children" not in jobs
