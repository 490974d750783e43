"""Every page of the service, as each main persona sees it, through axe and the Nu HTML checker.

The world is the permission matrix's (tests/trust/world.py); the pages are every URL of the
matrix (tests/trust/matrix.py) that the persona opens with a 200, on every side of objects,
as long as it is a page (downloads, JSON and the health check are not). Besides those: the
sign-in page, the sign-in form and another form shown again with their error summaries, the
not-found and access-refused pages, and the sign-in page with its "signed out" banner.

A failing page is collected, not raised, so one run lists every page to fix.
"""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD
from tests.trust import matrix
from tests.trust.test_access_matrix import path_for
from tests.trust.world import NOW, build_world

pytestmark = pytest.mark.django_db(transaction=True)

# The team manager is the delegated manager; "signed_out" is nobody.
PERSONAS = ("iro", "manager", "service_manager", "performance", "admin", "signed_out")
# URLs that answer 200 with something other than a page.
NOT_PAGES = {"health", "session_status", "escalations:attachment_download"}
# A link with one of these formats downloads a file (the chronology's PDF, the lists' CSV).
DOWNLOAD_FORMATS = {"csv", "xlsx", "pdf"}


def pages_for(world, persona: str) -> list[str]:
    """The path of every page the matrix says the persona opens, on every side."""
    paths = []
    for entry in matrix.MATRIX:
        downloads = DOWNLOAD_FORMATS & set(matrix.query_of(entry).values())
        if matrix.url_name(entry) in NOT_PAGES or downloads:
            continue
        for variant in matrix.variants_of(entry):
            if matrix.expected(entry, persona, variant) == matrix.OK:
                paths.append(path_for(world, entry, variant))
    return paths


# WCAG 1.4.10 (reflow): at 320 CSS pixels wide nothing may need scrolling sideways. The page is
# measured, and the elements that stick out are named, so a failure says what to fix.
PHONE_WIDTH = 320
SIDEWAYS = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.classList.length ? "." + [...el.classList].join(".") : "");
  const wide = [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
    .filter((el) => !el.parentElement ||
      el.parentElement.getBoundingClientRect().right <= root.clientWidth + 1)
    .slice(0, 5).map(name);
  return {scroll: root.scrollWidth, client: root.clientWidth, wide};
}"""


class Crawl:
    """Visits pages and checks each, collecting what fails."""

    def __init__(self, page, base_url: str, page_checks, *, reflow: bool = False):
        self.page = page
        self.base_url = base_url
        self.page_checks = page_checks
        self.reflow = reflow
        self.failures: list[str] = []
        self.visited = 0

    def visit(self, path: str, status: int = 200) -> None:
        response = self.page.goto(self.base_url + path)
        got = (response.status, response.headers.get("content-type", ""))
        if got[0] != status or not got[1].startswith("text/html"):
            self.failures.append(f"{path}: expected a {status} page, got {got}")
            return
        self.check()

    def check(self) -> None:
        self.visited += 1
        try:
            self.page_checks.check(self.page)
        except AssertionError as failure:
            self.failures.append(str(failure))
        if self.reflow and (sideways := self.page.evaluate(SIDEWAYS)):
            self.failures.append(
                f"{self.page.url}: scrolls sideways at {PHONE_WIDTH} px wide "
                f"({sideways['scroll']} > {sideways['client']}): {', '.join(sideways['wide'])}"
            )

    def submit_empty(self, path: str) -> None:
        """The page's form sent as it stands, without the browser's own checks, to be shown
        again with the GOV.UK error summary."""
        self.page.goto(self.base_url + path)
        self.page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
        self.page.locator("main form").last.locator("[type=submit]").first.click()
        expect(self.page.locator(".govuk-error-summary")).to_be_visible()
        self.check()

    def sign_in(self, user) -> None:
        self.submit_empty(reverse("login"))
        self.page.get_by_label("Email address").fill(user.email)
        self.page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_text(f"Signed in as {user.full_name}")).to_be_visible()
        self.check()

    def sign_out(self) -> None:
        # From the home page: the error pages carry no header to sign out from.
        self.page.goto(self.base_url + reverse("home"))
        self.page.get_by_role("button", name="Sign out").click()
        expect(self.page).to_have_title(re.compile("^Sign in – "))
        expect(self.page.locator(".govuk-notification-banner")).to_contain_text("signed out")
        self.check()


@pytest.mark.parametrize("width", [1200, PHONE_WIDTH], ids=["desktop", "320px"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_passes_the_checks(persona, width, page, live_server, page_checks):
    # Built on the matrix's day, whose dates it uses; shown today, so the browser's cookies
    # (dated by the server's clock) are current.
    with time_machine.travel(NOW, tick=True):
        world = build_world()
    page.set_viewport_size({"width": width, "height": 900})
    crawl = Crawl(page, live_server.url, page_checks, reflow=width == PHONE_WIDTH)
    signed_in = persona != "signed_out"
    if signed_in:
        crawl.sign_in(world.people[persona])
    else:
        crawl.submit_empty(reverse("login"))
    for path in pages_for(world, persona):
        crawl.visit(path)
    crawl.visit("/no-such-page/", status=404)
    if persona == "iro":
        # Someone else's child (not found), the dashboards (not theirs), and a form with errors.
        crawl.visit(reverse("cases:child_detail", args=[world.side("other").child.pk]), 404)
        crawl.visit(reverse("dashboards:dashboard"), 403)
        concern = world.side("own").concern
        crawl.submit_empty(reverse("escalations:action_add", args=[concern.pk]))
    if signed_in:
        crawl.sign_out()
    print(f"\n{persona} at {width} px: {crawl.visited} pages checked")
    listing = "\n\n".join(crawl.failures)
    assert not crawl.failures, f"{len(crawl.failures)} page(s) failed:\n{listing}"
