"""The checks every page of the browser tests goes through.

- axe-core (node_modules/axe-core), injected into the page as shown, with the WCAG 2.0, 2.1
  and 2.2 A and AA rules: no violation allowed. In a page with JavaScript off, where axe cannot
  run, it checks the served HTML without its scripts in a page of its own.
- The Nu HTML checker (node_modules/vnu-jar, needs Java) over the HTML the server sent for
  the page, not the DOM after scripts changed it: no error allowed. The pages are written to
  files as they are checked and validated in one run at the end of the session.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# One known exception, and only it: GOV.UK Frontend's script puts aria-expanded on a radio or
# checkbox that reveals a follow-up question. ARIA does not list aria-expanded for those roles,
# but GOV.UK keeps it on purpose because screen readers announce it (govuk-frontend issues 979
# and 1280; docs/ACCESSIBILITY.md). That node is dropped from aria-allowed-attr when
# aria-expanded is its only fault; the rule still runs on everything else.
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  const faults = (node) => node.any.concat(node.all, node.none)
    .flatMap((check) => [].concat(check.data?.values ?? check.data ?? []))
    .map(String);
  const govukReveal = (violation, node) =>
    violation.id === "aria-allowed-attr" &&
    document.querySelector(node.target.join(" "))?.matches(
      ".govuk-radios__input[aria-controls], .govuk-checkboxes__input[aria-controls]") &&
    faults(node).length > 0 &&
    faults(node).every((attr) => attr.startsWith("aria-expanded"));
  return results.violations
    .map((v) => ({...v, nodes: v.nodes.filter((node) => !govukReveal(v, node))}))
    .filter((v) => v.nodes.length > 0)
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.map((node) => node.target.join(" ")),
    }));
}"""


SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
# Whether the page runs scripts: false in a context made with JavaScript off.
SCRIPTS_RUN = """() => {
  const probe = document.createElement("script");
  probe.textContent = "window.__pageChecksProbe = true;";
  document.head.appendChild(probe);
  probe.remove();
  return window.__pageChecksProbe === true;
}"""


def scripts_run(page) -> bool:
    return page.evaluate(SCRIPTS_RUN)


def checkers_missing() -> str:
    """What is missing to run the checks, or "" when nothing is."""
    if not AXE.exists() or not VNU.exists():
        return "no node_modules/axe-core or vnu-jar (npm install --ignore-scripts)"
    if shutil.which("java") is None:
        return "no java for the Nu HTML checker"
    return ""


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["targets"])
        for v in violations
    )


@dataclass
class Served:
    """One page's HTML as the server sent it, and where it came from."""

    path: Path
    url: str
    test: str


@dataclass
class PageChecks:
    """Session-wide: the counts, the served HTML waiting for the Nu checker, its errors."""

    folder: Path | None = None
    axe_pages: int = 0
    axe_violations: int = 0
    journeys_passed: int = 0
    served: list[Served] = field(default_factory=list)
    html_errors: list[str] = field(default_factory=list)
    _documents: dict = field(default_factory=dict)

    def start(self, tmp_path_factory) -> None:
        if self.folder is None:
            self.folder = tmp_path_factory.mktemp("served-html")

    def watch(self, page) -> None:
        """Keep the last document the server sent to the page's main frame. The fixture's
        `page` is watched from the start; a page made another way (a context with JavaScript
        off, say) must be watched before its first navigation, or the checks can only fetch
        its address again (the same for a GET, not for the answer to a form)."""
        if page in self._documents:
            return
        self._documents[page] = None

        def on_response(response) -> None:
            document = response.request.resource_type == "document"
            redirect = 300 <= response.status < 400
            if document and not redirect and response.frame == page.main_frame:
                self._documents[page] = response

        page.on("response", on_response)

    def check(self, page) -> None:
        """axe finds nothing in the page shown; its served HTML is kept for the Nu checker."""
        html = self._keep_html(page)
        violations = self._axe(page) if scripts_run(page) else self._axe_script_free(page, html)
        self.axe_pages += 1
        self.axe_violations += len(violations)
        assert not violations, (
            f"axe found {len(violations)} accessibility violation(s) on {page.url}:\n"
            + describe(violations)
        )

    def _axe(self, page) -> list[dict]:
        if not page.evaluate("typeof axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        return page.evaluate(RUN_AXE, AXE_TAGS)

    def _axe_script_free(self, page, html: str) -> list[dict]:
        """With JavaScript off axe cannot run in the page (its timers never fire). It runs in
        a page of its own instead, showing the same HTML with the service's scripts taken out:
        what the person with JavaScript off sees, styles included."""
        context = page.context.browser.new_context(viewport=page.viewport_size, bypass_csp=True)
        try:
            mirror = context.new_page()
            served = SCRIPT.sub("", html)
            target = page.url
            mirror.route(
                lambda url: url == target,
                lambda route: route.fulfill(
                    status=200, content_type="text/html; charset=utf-8", body=served
                ),
            )
            mirror.goto(target)
            return self._axe(mirror)
        finally:
            context.close()

    def _served_html(self, page) -> str:
        response = self._documents.get(page)
        if response is not None and response.url.split("#")[0] == page.url.split("#")[0]:
            return response.text()
        # Shown without a response of its own (the back button, from the cache): ask again
        # with the page's cookies.
        return page.context.request.get(page.url).text()

    def _keep_html(self, page) -> str:
        self.watch(page)
        html = self._served_html(page)
        path = self.folder / f"{len(self.served) + 1:04d}.html"
        path.write_text(html, encoding="utf-8")
        test = os.environ.get("PYTEST_CURRENT_TEST", "").removesuffix(" (call)")
        self.served.append(Served(path, page.url, test))
        return html

    def validate_html(self) -> list[str]:
        """Run the Nu checker once over every page kept; its errors, one line each."""
        if not self.served:
            return []
        by_file = {str(served.path.resolve()): served for served in self.served}
        result = subprocess.run(
            ["java", "-jar", str(VNU), "--errors-only", "--format", "json"]
            + [str(served.path) for served in self.served],
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            messages = json.loads(result.stderr)["messages"]
        except (ValueError, KeyError):
            self.html_errors = [f"the Nu checker did not run: {result.stderr.strip()[:2000]}"]
            return self.html_errors
        for message in messages:
            served = by_file.get(unquote(urlparse(message.get("url", "")).path))
            where = f"{served.url} ({served.test}, {served.path.name})" if served else "?"
            line = message.get("lastLine", "?")
            self.html_errors.append(f"{where} line {line}: {message.get('message')}")
        return self.html_errors

    def report(self, terminal) -> None:
        if not self.served and not self.journeys_passed:
            return
        if self.html_errors:
            terminal.section("Nu HTML checker errors", sep="=", red=True)
            for error in self.html_errors:
                terminal.line(error)
        terminal.line(
            f"e2e: {self.journeys_passed} journeys passed, "
            f"{self.axe_pages} pages checked by axe ({self.axe_violations} violations), "
            f"{len(self.served)} pages checked by vnu ({len(self.html_errors)} errors)"
        )
