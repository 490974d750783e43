"""Reading one cell: dates, yes/no, codes. Each returns the value or raises Invalid with the
words the person will read."""

from __future__ import annotations

import datetime as dt
import functools

from django.utils import timezone


class Invalid(ValueError):
    pass


DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")


def date(text: str, *, past: bool = True) -> dt.date:
    day = _day(text.strip())
    if day is None:
        raise Invalid("Enter a real date, like 31/03/2024.")
    if past and day > timezone.localdate():
        raise Invalid("The date is in the future.")
    return day


# A file's dates repeat (a birthday, the day of a return): strptime is slow enough to matter
# over a national file, so each text is read once.
@functools.lru_cache(maxsize=32768)
def _day(text: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def optional_date(text: str) -> dt.date | None:
    return date(text) if text.strip() else None


YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


def yes_no(text: str) -> bool:
    word = text.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise Invalid("Enter yes or no.")


def choice(text: str, choices, what: str) -> str:
    """A code of a Django TextChoices, given as its code or its label (any case)."""
    word = text.strip().lower()
    for value, label in choices:
        if word in (str(value).lower(), str(label).lower()):
            return value
    raise Invalid(f"This is not a {what} the service knows.")
