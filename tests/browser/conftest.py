"""Headless Chromium (Debian's package) driven by Playwright against Django's live server.

Every page a browser test shows can go through `page_checks.check(page)`: axe-core runs in the
page, and the HTML the server sent is kept for the Nu HTML checker, which runs once over all of
them at the end of the session (one JVM for the lot). See tests/browser/checks.py.
"""

import os
from pathlib import Path

import pytest

from .checks import PageChecks, checkers_missing

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# One collector for the whole session: the counts and the Nu checker's run are session-wide.
COLLECTED = PageChecks()

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CI"):
        return  # in CI a missing browser or checker must fail the run, not skip it
    no_browser = pytest.mark.skip(reason="no /usr/bin/chromium (apt-get install chromium)")
    missing = checkers_missing()
    no_checkers = pytest.mark.skip(reason=f"{missing} (make e2e installs them)")
    for item in items:
        if "tests/browser" not in str(item.fspath):
            continue
        if not CHROMIUM.exists():
            item.add_marker(no_browser)
        elif missing and "page_checks" in getattr(item, "fixturenames", ()):
            item.add_marker(no_checkers)


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed and "journey" in report.keywords:
        COLLECTED.journeys_passed += 1


def pytest_sessionfinish(session, exitstatus):
    # The Nu checker's errors fail the run like a failed test would.
    if COLLECTED.validate_html() and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    COLLECTED.report(terminalreporter)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # bypass_csp: the service's Content-Security-Policy (nonces) rightly blocks any script it
    # did not send, axe-core included. The browser lets the test inject axe; the service still
    # sends its policy unchanged, and the security tests check that policy on their own.
    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """screenshot("journey", "01-sign-in") saves docs/screenshots/journey/01-sign-in.png."""

    def take(journey: str, name: str) -> Path:
        folder = SCREENSHOTS / journey
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def page_checks(page, tmp_path_factory):
    """page_checks.check(page): axe finds no WCAG 2.2 A or AA failure in the page shown, and
    the HTML the server sent for it goes to the Nu HTML checker at the end of the session."""
    COLLECTED.start(tmp_path_factory)
    COLLECTED.watch(page)
    return COLLECTED
