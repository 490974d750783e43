"""The header's unread count and the administrators' warning that the chase job has stopped.

Both are worked out only when a template uses them, so a page that does not show them makes no
query: the error pages blank the header, and the 500 page is rendered without a request. A page
that shows the header costs one COUNT query; administrators alone pay one more, the chase job's
heartbeat (and, on the rare page that shows the warning, one for the time it last ran).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.functional import cached_property

from . import health, selectors


def header(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notification_header": HeaderNotices(user)}


class HeaderNotices:
    def __init__(self, user):
        self.user = user

    @cached_property
    def unread(self) -> int:
        return selectors.unread_count(self.user)

    @cached_property
    def chase_warning(self) -> dict | None:
        """For administrators, when the chase job is late: when it last ran (None if never)."""
        if not selectors.is_administrator(self.user):
            return None
        return chase_warning(timezone.now())


def chase_warning(now: dt.datetime) -> dict | None:
    if not health.chase_is_late(now):
        return None
    last_run = selectors.chase_last_run()
    return {"last_run": last_run, "last_run_text": _when(last_run) if last_run else None}


def _when(moment: dt.datetime) -> str:
    """GOV.UK style: "9am on 4 March 2026", "2:30pm on 4 March 2026"."""
    local = timezone.localtime(moment)
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'} on {local:%-d %B %Y}"
