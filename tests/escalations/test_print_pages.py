"""The concern and task pages offer "Print this page" (a script file, never inline script) and
link a print layout that keeps the council's name and leaves out navigation and buttons."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from tests.builders import raised_task

FRIDAY = dt.datetime(2023, 12, 1, 10, 0)
PRINT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "print-page.css"


@pytest.fixture
def task(gloucestershire, iro, team_manager, child):
    with time_machine.travel(FRIDAY, tick=False):
        yield raised_task(iro, [child], delegate_to=team_manager)


@pytest.mark.parametrize("page", ["task", "concern"])
def test_the_page_has_a_print_button_and_print_layout(client, task, team_manager, page):
    client.force_login(team_manager)
    if page == "task":
        url = reverse("escalations:task_detail", args=[task.pk])
    else:
        url = reverse("escalations:concern_detail", args=[task.stage.concern_id])
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(
        r'<button type="button" class="govuk-button govuk-button--secondary app-print-button" '
        r'data-module="app-print-button" hidden>Print this page</button>',
        html,
    )
    assert re.search(r'<script src="/static/js/print-button\.js[^"]*" nonce="[^"]+" defer>', html)
    assert re.search(
        r'<link rel="stylesheet" media="print" href="/static/css/print-page\.css', html
    )
    assert "onclick" not in html
    assert (
        "'unsafe-inline'"
        not in response.get("Content-Security-Policy", "").split("script-src")[-1].split(";")[0]
    )


def test_the_print_layout_keeps_the_council_and_hides_the_rest():
    css = PRINT_CSS.read_text()
    hidden = css.split("display: none", 1)[0]
    for selector in (
        ".govuk-service-navigation",
        ".app-header__account",
        ".govuk-footer",
        ".govuk-button",
        ".govuk-breadcrumbs",
    ):
        assert selector in hidden
    assert ".govuk-header," not in hidden and ".app-header__authority," not in hidden
    assert ".app-header__authority {\n    color: #0b0c0c;" in css
