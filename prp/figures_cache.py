"""The dashboard's and the reports' figures, kept in the cache until the data under them changes.

A figure is stored under a key made of one shared version stamp, the person (what they may see),
the figure's own arguments (filters, period) and today's date. Any change to the case data moves
the stamp, so every stored figure is forgotten at once and the next request computes afresh:
the figures shown always equal a fresh computation (tests/dashboards/test_figures_cache.py
changes data through each service and checks).

The stamp moves:
- on every save and delete of a row of the case data (CHANGES_FROM below: concerns, stages,
  tasks, children, allocations, reviews, QAPRs, teams, people, closure days...), from the model
  signals, so no service can forget it;
- from prp.audit's `update_recorded` and `create_recorded`, as QuerySet.update() and
  bulk_create() send no signals;
- both at once and again when the transaction commits, so a request that read the old rows
  while the change was being written cannot leave its figures under the new stamp.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

VERSION_KEY = "figures:version"
# A stored figure is kept at most this long, even if nothing changes (a backstop).
DEFAULT_SECONDS = 600

# The apps whose rows the figures count, and the models of theirs that never change a figure
# (written as pages are read, or by the outbox).
CHANGES_FROM = {"prp", "cases", "escalations", "qapr", "records", "imports"}
NEVER_COUNTED = {
    "prp.jobheartbeat",
    "prp.formsubmission",
    "prp.download",
    "imports.importrun",
    "imports.importfile",
}
# A save that changes only these fields changes no figure (signing in sets last_login).
HARMLESS_FIELDS = {"last_login"}


def _seconds() -> int:
    return getattr(settings, "FIGURES_CACHE_SECONDS", DEFAULT_SECONDS)


def _bump() -> None:
    # If the cache is down nothing is stored either (remember() computes every time).
    with contextlib.suppress(Exception):
        # A random stamp, not the time: a frozen or coarse clock would give the same one twice.
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


_paused = False


def changed() -> None:
    """The case data changed: forget every stored figure, now and when the change commits."""
    if _paused:
        return
    _bump()
    transaction.on_commit(_bump)


def counts_towards_figures(model) -> bool:
    meta = model._meta
    return meta.app_label in CHANGES_FROM and meta.label_lower not in NEVER_COUNTED


def _version():
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def remember(kind: str, user, parts: tuple, compute: Callable[[], T]) -> T:
    """The figure `kind` for this person and these arguments: from the cache if nothing has
    changed since it was worked out, otherwise computed now and stored."""
    try:
        version = _version()
    except Exception:  # noqa: BLE001 - a cache outage must not stop the dashboard
        return compute()
    who = (user.pk, tuple(sorted(user.role_codes)))
    digest = hashlib.sha256(repr((who, parts)).encode()).hexdigest()
    key = f"figures:{kind}:{version}:{digest}"
    found: Any = cache.get(key)
    if found is not None:
        return found
    value = compute()
    with contextlib.suppress(Exception):
        cache.set(key, value, timeout=_seconds())
    return value


def _saved(sender, instance=None, update_fields=None, **kwargs) -> None:
    if not counts_towards_figures(sender):
        return
    if update_fields and set(update_fields) <= HARMLESS_FIELDS:
        return
    changed()


def _deleted(sender, **kwargs) -> None:
    if counts_towards_figures(sender):
        changed()


def _links_changed(sender, instance=None, action="", **kwargs) -> None:
    if action.startswith("post_") and counts_towards_figures(type(instance)):
        changed()


def connect() -> None:
    """Listen to every model's saves and deletes (called once, from PrpConfig.ready)."""
    post_save.connect(_saved, dispatch_uid="figures_cache_saved")
    post_delete.connect(_deleted, dispatch_uid="figures_cache_deleted")
    m2m_changed.connect(_links_changed, dispatch_uid="figures_cache_links")


@contextlib.contextmanager
def unheard():
    """Changes made inside are not heard: only for the test that shows the figures would then
    go stale (tests/prp/test_figures_cache.py), so that the check there can fail."""
    global _paused
    _paused = True
    try:
        yield
    finally:
        _paused = False
