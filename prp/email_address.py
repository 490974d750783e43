"""One spelling for an email address: the sign-in count, the account lookup and storage use it.

Unicode has several ways to write what a database or a mail server takes for one address: the
long s (U+017F) and the Kelvin sign (U+212A) are letters of their own, but PostgreSQL's
`UPPER()` (which `iexact` uses) folds the long s to S and the dotless i (U+0131) to I. An
address is therefore compared and kept only in its normalised form, and an address that is not
plain ASCII is refused: council work addresses are ASCII, and a look-alike can only be an
attempt to pass for someone else.
"""

import unicodedata

from django.core.exceptions import ValidationError

NOT_ASCII = (
    "Enter an email address using only the letters a to z, numbers and the symbols . _ - + @"
)


def normalise_email(value: str) -> str:
    """NFKC, then case-folded, with spaces trimmed.

    Upper case before folding as well, so a character that only PostgreSQL's `UPPER()` would
    take for an ASCII letter (the dotless i to I) folds to that letter too: every spelling a
    database could match to one account counts as that account."""
    return unicodedata.normalize("NFKC", value).strip().upper().casefold()


def is_plain(value: str) -> bool:
    """True if the address as typed is ASCII (spaces around it aside)."""
    return value.strip().isascii()


def validate_plain(value: str) -> None:
    """For forms and the model field: refuses an address that is not ASCII."""
    if not is_plain(value):
        raise ValidationError(NOT_ASCII, code="not_ascii")
