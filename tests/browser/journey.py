"""What every browser journey shares: the checks each step makes, the numbered screenshots, signing
in through the page, and the world the journeys start from.

A journey's screenshots are saved under docs/screenshots/<journey>/NN-name.png; the README shows
the key ones.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect

from escalations import services
from escalations.models import Concern, Task
from prp import workdays
from prp.models import ProtocolCategory
from prp.presets import install_presets
from tests.factories import DEFAULT_PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# "<page> - <service>" (with the GOV.UK en dash), no markup leaking in from a misplaced block; the
# "Error: " prefix only when a submitted form is shown again with its errors.
_TITLE = rf"[^<>\n]+ – {re.escape(settings.SERVICE_NAME)}$"
PAGE_TITLE = re.compile(rf"^(?!Error: ){_TITLE}")
ERROR_TITLE = re.compile(rf"^Error: {_TITLE}")


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


class Journey:
    """The page, with the checks every step makes and the numbered screenshots."""

    def __init__(self, page: Page, base_url: str, name: str, page_checks, *, blur: bool = True):
        self.page = page
        self.base_url = base_url
        self.name = name
        self.page_checks = page_checks
        # The keyboard journey keeps the focus ring in its pictures: that is what it shows.
        self.blur = blur
        self.number = 0
        self.errors: list[str] = []
        self.folder = SCREENSHOTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        # A renamed or dropped step must not leave an old picture behind.
        for old in self.folder.glob("*.png"):
            old.unlink()
        page.on("response", self._on_response)

    def _on_response(self, response) -> None:
        # Every document, and every file the pages load from the service (styles, scripts,
        # images), must load without an HTTP error.
        same_site = response.url.startswith(self.base_url)
        if response.status >= 400 and (response.request.resource_type == "document" or same_site):
            self.errors.append(f"{response.status} {response.request.method} {response.url}")

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def check(self, name: str | None = None, *, error: bool = False) -> None:
        """The page loaded without an HTTP error, has one main heading and a plain-text title
        (prefixed "Error: " only when `error`), passes the page checks; then the screenshot."""
        assert self.errors == []
        expect(self.page.locator("h1")).to_have_count(1)
        expect(self.page).to_have_title(ERROR_TITLE if error else PAGE_TITLE)
        self.page_checks.check(self.page)
        if name is not None:
            self.screenshot(name)

    def screenshot(self, name: str) -> Path:
        if self.blur:
            # No focus ring from the last click in the documentation's pictures.
            self.page.evaluate("document.activeElement && document.activeElement.blur()")
        self.number += 1
        path = self.folder / f"{self.number:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def h1(self):
        return self.page.get_by_role("heading", level=1)

    def banner(self, text: str) -> None:
        expect(self.page.locator(".govuk-notification-banner--success")).to_contain_text(text)

    def menu(self, link: str) -> None:
        self.page.get_by_role("navigation", name="Menu").get_by_role("link", name=link).click()

    def sign_in(self, user, name: str | None = None) -> None:
        self.goto("/sign-in/")
        expect(self.page).to_have_title(re.compile("^Sign in – "))
        self.page.get_by_label("Email address").fill(user.email)
        self.page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        self.check(name)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_text(f"Signed in as {user.full_name}")).to_be_visible()
        self.check()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        expect(self.page).to_have_title(re.compile("^Sign in – "))
        self.banner("You have been signed out.")
        self.check()

    def fill_date(self, legend: str, day: dt.date) -> None:
        group = self.page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))

    def row(self, text: str):
        return self.page.get_by_role("row").filter(has_text=text)


# The world -------------------------------------------------------------------------------------


def install_protocols() -> None:
    """Transactional tests empty the database, the migrated protocols with it: put them back,
    Gloucestershire's active, and forget the calendar cached from before."""
    install_presets(active="gloucestershire")
    workdays.invalidate()


SUB_CONCERNS = [
    (
        "Drift and delay",
        "There is still no permanence plan.",
        "Amara does not know where she will grow up.",
    ),
    (
        "Process",
        "The last review's recommendations were not sent to the family.",
        "Her carers do not know what was agreed.",
    ),
]


def raise_concern(
    raiser, children, *, delegate_to, title: str, level: int = 1, agreed_due_on=None
) -> Task:
    """A concern raised through the services, as the pages do; returns its first task. For the
    journeys that start after the raise, which journey (a) proves through the pages."""
    concern = services.concern_create_draft(
        raised_by=raiser, children=children, title=title, start_level=level
    )
    for category, description, impact in SUB_CONCERNS:
        services.sub_concern_add(
            concern=concern,
            by=raiser,
            category=ProtocolCategory.objects.get(protocol=concern.protocol, name=category),
            description=description,
            impact_on_child=impact,
        )
    concern = Concern.objects.get(pk=concern.pk)
    stage = services.concern_raise(
        concern=concern,
        by=raiser,
        lock_version=concern.lock_version,
        delegate_to=delegate_to,
        agreed_due_on=agreed_due_on,
    )
    return stage.tasks.get()


def respond(task: Task, by, text: str) -> Task:
    """The manager's response, through the service the task page calls."""
    task = Task.objects.get(pk=task.pk)
    services.task_respond(
        task=task,
        by=by,
        lock_version=task.lock_version,
        response_option=None,
        response=text,
        actions_agreed="",
    )
    return Task.objects.get(pk=task.pk)
