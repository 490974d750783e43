"""The accessibility statement: docs/ACCESSIBILITY.md, shown as a page in GOV.UK styles.

One text for the repository and the service, so the two cannot drift apart.
"""

from functools import cache
from pathlib import Path

import markdown
from django.conf import settings
from markdown.treeprocessors import Treeprocessor

STATEMENT = Path(settings.BASE_DIR) / "docs" / "ACCESSIBILITY.md"

# The GOV.UK Design System's classes for what Markdown writes.
GOVUK_CLASSES = {
    "h1": "govuk-heading-l",
    "h2": "govuk-heading-m",
    "h3": "govuk-heading-s",
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "a": "govuk-link",
    "table": "govuk-table",
    "thead": "govuk-table__head",
    "tbody": "govuk-table__body",
    "tr": "govuk-table__row",
    "th": "govuk-table__header",
    "td": "govuk-table__cell",
}


class _GovukClasses(Treeprocessor):
    def run(self, root):
        for element in root.iter():
            if element.tag in GOVUK_CLASSES:
                element.set("class", GOVUK_CLASSES[element.tag])


class GovukExtension(markdown.Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_GovukClasses(md), "govuk_classes", 0)


@cache
def statement_html() -> str:
    """The statement as HTML, without its title: the page's heading names the service as
    configured (SERVICE_NAME)."""
    text = STATEMENT.read_text(encoding="utf-8")
    title, _, body = text.partition("\n")
    assert title.startswith("# "), "the statement starts with its title"
    return markdown.markdown(body, extensions=["tables", GovukExtension()])
