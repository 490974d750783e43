"""Issue 13 §7: every emailed link starts with SITE_URL. `make run` sets it from PORT, the
README lists it, and production refuses to start without it (system check notifications.E001).
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from notifications.checks import site_url_is_set

ROOT = Path(__file__).resolve().parents[1]


def without_site_url() -> dict:
    return {key: value for key, value in os.environ.items() if key != "SITE_URL"}


def make_run_commands(**extra) -> list[str]:
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", "PORT=8101"],
        cwd=ROOT,
        env={**without_site_url(), **extra},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_make_run_points_the_emails_at_its_own_port():
    lines = make_run_commands()
    seed = next(line for line in lines if "seed_demo" in line)
    start = next(line for line in lines if "honcho --procfile" in line)
    assert seed.startswith("SITE_URL=http://127.0.0.1:8101 ")
    assert start.startswith("SITE_URL=http://127.0.0.1:8101 WEB_PORT=8101 ")


def test_make_run_keeps_a_site_url_given_to_it():
    lines = make_run_commands(SITE_URL="https://demo.example.org")
    assert any(line.startswith("SITE_URL=https://demo.example.org ") for line in lines)


def test_the_readme_configuration_table_lists_site_url_and_the_sending_settings():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for name in ("SITE_URL", "EMAIL_TIMEOUT", "OUTBOX_LEASE_SECONDS", "OUTBOX_BATCH_SIZE"):
        assert f"`{name}`" in table, name


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        ("", ["notifications.E001"]),
        ("concerns.example.org", ["notifications.E002"]),
        ("https://concerns.example.org/?next=x", ["notifications.E002"]),
        ("https://concerns.example.org", []),
        ("http://127.0.0.1:8101", []),
    ],
)
def test_the_site_url_check(settings, value, ids):
    settings.SITE_URL = value
    assert [error.id for error in site_url_is_set()] == ids


def production_check(tmp_path, **extra) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in without_site_url().items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="concerns.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_site_url(tmp_path):
    result = production_check(tmp_path)
    assert result.returncode != 0
    assert "notifications.E001" in result.stderr
    assert "SITE_URL is not set" in result.stderr


def test_production_starts_with_site_url_and_sends_with_the_two_minute_lease(tmp_path):
    """The same production settings the worker runs: the lease and the mail timeout are the
    defaults the README gives, whatever the tests shorten them to."""
    result = production_check(tmp_path, SITE_URL="https://concerns.example.org")
    assert result.returncode == 0, result.stderr
    code = "from django.conf import settings as s; print(s.OUTBOX_LEASE_SECONDS, s.EMAIL_TIMEOUT)"
    env = {
        key: value
        for key, value in without_site_url().items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "OUTBOX_", "EMAIL_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="concerns.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SITE_URL="https://concerns.example.org",
    )
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.split()[-2:] == ["120", "15"]
