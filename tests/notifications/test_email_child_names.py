"""How emails name children: EMAIL_CHILD_NAMES (issue 13, section 9).

Full name; initials and case reference (the default); or the case reference alone. Subjects and
bodies (text and HTML) of every email kind follow it; the service's pages do not.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from notifications import naming
from notifications.models import Kind, Notification, Status
from notifications.services import render
from reminders import digests
from tests.builders import raised_task
from tests.notifications.test_chase import at

TEMPLATES = Path(django_settings.BASE_DIR) / "templates" / "notifications" / "email"
# Kinds whose emails do not name a child: a digest lists its items' own subjects, a good
# practice note says what was done well.
# An import's result names files and counts, never a child; a pack's email gives its figures
# (the names are in the PDF, made for the reader as the pages show them).
NO_CHILD = {
    Kind.DIGEST,
    Kind.GOOD_PRACTICE,
    Kind.IMPORT_FINISHED,
    Kind.CLINIC_PACK,
    Kind.THEMES_REPORT,
}


class Anything(dt.date):
    """Whatever else a template reads about (the concern, the task, the review): blank, or a
    date where a template wants one."""

    def __new__(cls):
        return super().__new__(cls, 2025, 11, 19)

    def __getattr__(self, name):
        return Anything()

    def __str__(self):
        return ""


OTHERS = ("concern", "task", "stage", "review", "step", "change", "qapr", "recommendation")
OTHERS += ("action", "note", "raiser", "assignee", "manager")


def test_emails_name_children_by_initials_and_reference_by_default():
    from config.settings import base

    assert base.EMAIL_CHILD_NAMES == "initials"


@pytest.mark.parametrize(
    ("style", "shown"),
    [("full", "Amara Okafor"), ("initials", "A.O. (LCS1)"), ("reference", "child LCS1")],
)
def test_every_email_kind_names_the_child_as_the_setting_says(settings, style, shown):
    """Each kind's subject, text and HTML rendered about Amara: her name appears only when the
    setting says "full"."""
    from cases.models import Child

    settings.EMAIL_CHILD_NAMES = style
    amara = Child(pk=1, first_name="Amara", last_name="Okafor", reference="LCS1")
    context = naming.for_email({"child": amara, "children": [amara]})
    context.update({name: Anything() for name in OTHERS})
    context["rows"] = [{"child": naming.child_name(amara), "reference": "PRP-000001"}]
    for kind in Kind.values:
        subject, text, html = render(kind, context)
        whole = f"{subject}\n{text}\n{html}"
        if kind not in NO_CHILD:
            assert shown in whole, kind
        if style != "full":
            assert "Amara" not in whole and "Okafor" not in whole, kind


def test_email_templates_name_a_child_only_through_the_wrapped_child():
    """So the test above covers every template: a child reached another way (note.child,
    review.child) would print their name whatever the setting."""
    other_paths = re.compile(r"\{[{%][^}%]*\b(?!row\.child\b)\w+\.child\b")
    offending = [
        path.name for path in sorted(TEMPLATES.iterdir()) if other_paths.search(path.read_text())
    ]
    assert offending == []


@pytest.mark.usefixtures("gloucestershire")
def test_a_queued_message_follows_the_setting_and_the_page_does_not(
    client, settings, child, iro, team_manager
):
    settings.EMAIL_CHILD_NAMES = "initials"
    raised_task(iro, child, team_manager, level=1)
    message = Notification.objects.get(recipient=team_manager, kind=Kind.DELEGATED)
    for part in (message.subject, message.body_text, message.body_html):
        assert "Okafor" not in part
    assert f"A.O. ({child.reference})" in message.subject
    client.force_login(team_manager)
    page = client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    assert "Amara Okafor" in page


@pytest.mark.usefixtures("gloucestershire")
def test_the_team_digest_follows_the_setting(settings, child, iro, social_worker, team_manager):
    settings.EMAIL_CHILD_NAMES = "reference"
    with time_machine.travel(at(2025, 11, 3), tick=False):
        raised_task(iro, child, social_worker, level=1, agreed=dt.date(2025, 11, 5))
    Notification.objects.update(status=Status.SENT)
    with time_machine.travel(at(2025, 11, 13), tick=False):
        assert digests.send_team_digests(now=at(2025, 11, 13)) == 1
    digest = Notification.objects.get(kind=Kind.TEAM_DIGEST)
    assert f"child {child.reference}" in digest.body_text
    assert "Okafor" not in digest.body_text + digest.body_html


def test_a_mistyped_setting_stops_the_service_starting(settings):
    settings.EMAIL_CHILD_NAMES = "initial"
    with pytest.raises(SystemCheckError, match=r"notifications\.E003"):
        call_command("check")


def test_the_readme_lists_the_setting():
    readme = (Path(django_settings.BASE_DIR) / "README.md").read_text()
    assert "| `EMAIL_CHILD_NAMES` |" in readme
