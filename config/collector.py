"""Python's cycle collector, tuned for work done a request at a time.

A page or an API call builds thousands of objects that point at each other (Django sets each
prefetched row's link back to its parent), alive until the response is sent. With Python's
default thresholds (700, 10, 10) the collector runs several times inside each request, finds them
still alive and moves them to the oldest generation; every few requests a full collection then
walks hundreds of thousands of them, and that request takes 70 ms more (measured on the API's
page of 100 concerns: p50 35 ms, p95 140 ms). Collecting the youngest generation only every 50,000
new objects lets a request's objects die young, where they cost almost nothing to collect.

`PYTHON_GC_THRESHOLD` (three whole numbers, "50000,20,20" by default) changes it; "default"
keeps Python's own. Called when the web server, the workers and manage.py start; the tests run
with Python's defaults.
"""

from __future__ import annotations

import gc
import os

DEFAULT = "50000,20,20"


def thresholds(value: str) -> tuple[int, int, int] | None:
    """The three thresholds a PYTHON_GC_THRESHOLD value asks for; None for Python's own."""
    value = value.strip()
    if value.lower() in ("", "default"):
        return None
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 3 or not all(part.isdigit() and int(part) > 0 for part in parts):
        raise ValueError(
            f"PYTHON_GC_THRESHOLD must be three whole numbers above 0, like {DEFAULT}, "
            f"or 'default': not {value!r}"
        )
    first, second, third = (int(part) for part in parts)
    return first, second, third


def tune() -> None:
    chosen = thresholds(os.environ.get("PYTHON_GC_THRESHOLD", DEFAULT))
    if chosen is not None:
        gc.set_threshold(*chosen)
