"""PDF documents made on the server from a Django template, with WeasyPrint.

Every PDF the service makes is tagged for accessibility (PDF/UA-1: a structure tree, the
language, the title shown instead of the file name) and holds real text, not pictures of it.
The template sets the title (its <title>, which becomes the PDF's title) and the page layout
(@page rules: the council's name, page numbers).

The file is only made here; handing it to a person goes through
`prp.exports.download_document`, which writes the download in the audit trail.
"""

from __future__ import annotations

import re

from django.template.loader import render_to_string

# Characters a PDF's text cannot hold and people paste anyway: C0 controls other than tab and
# line breaks, DEL, and lone surrogates (which no text encoding can write).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

# PDF/UA-1 is the accessible variant; pdf_tags makes the structure tree it needs.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}


def printable(text: str) -> str:
    """The text with the characters a PDF cannot hold each made a space."""
    return _UNPRINTABLE.sub(" ", text)


def render_pdf(template_name: str, context: dict) -> bytes:
    """The template, rendered and laid out as a tagged PDF."""
    # Imported here: WeasyPrint loads Pango when imported, which most requests never need.
    import weasyprint

    html = printable(render_to_string(template_name, context))
    return weasyprint.HTML(string=html, base_url=None).write_pdf(**PDF_OPTIONS)
