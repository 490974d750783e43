"""`make run` (the local settings) shows the real GOV.UK error pages, not Django's debug pages,
unless DJANGO_DEBUG=true; its static files are still served (issue 13 §9)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _local_env(tmp_path, **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    )
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def demo_server(tmp_path):
    """The web process of `make run` (Procfile.dev), on a port of its own."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=_local_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_the_demo_shows_the_gov_uk_404_not_the_url_list(demo_server):
    status, page = _get(f"{demo_server}/no-such-page/")
    assert status == 404
    assert "Page not found" in page
    assert "URLconf" not in page and "DEBUG = True" not in page


def test_the_demo_still_serves_its_static_files(demo_server):
    status, css = _get(f"{demo_server}/static/css/app.css")
    assert status == 200
    assert "govuk" in css


def _debug_setting(tmp_path, **extra) -> str:
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_local_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.strip()


def test_debug_is_off_in_the_demo_unless_asked_for(tmp_path):
    assert _debug_setting(tmp_path) == "False"
    assert _debug_setting(tmp_path, DJANGO_DEBUG="true") == "True"
