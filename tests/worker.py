"""Waiting for a real Celery worker running in a thread beside the test."""

import time

from django.db import OperationalError


def wait_for(condition, seconds=30, what="the worker"):
    """Poll `condition` until it is true. On SQLite in memory the worker's thread shares the
    database with a table lock, so a poll that meets it simply tries again a moment later."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if condition():
                return
        except OperationalError:
            pass
        assert time.monotonic() < deadline, f"{what} did not finish within {seconds} s"
        time.sleep(0.2)
