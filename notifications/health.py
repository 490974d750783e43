"""Is the machinery alive? /health/ for monitoring, and the chase job's lateness for the banner
administrators see.

Jobs that send something once a period (the packs, in dashboards) register a check here from
their AppConfig.ready(): it says when the job last sent and whether a period passed unsent
("overdue"), which makes /health/ degraded like a late chase."""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from prp import workdays
from prp.models import JobHeartbeat
from prp.security.two_factor import is_administrator

CHASE_JOB = "chase"
# The chase job runs every 15 minutes: two working hours without a run means it is not running.
CHASE_LATE_AFTER = dt.timedelta(hours=2)
# Monitoring that is not signed in sends the token from HEALTH_TOKEN in this header for details.
TOKEN_HEADER = "X-Health-Token"

# name -> check(now) returning a dict with at least "overdue" (bool).
_PERIODIC_CHECKS: dict[str, Callable[[dt.datetime], dict]] = {}


def register_periodic(name: str, check: Callable[[dt.datetime], dict]) -> None:
    _PERIODIC_CHECKS[name] = check


def periodic_jobs(now: dt.datetime) -> dict:
    return {name: check(now) for name, check in sorted(_PERIODIC_CHECKS.items())}


def working_time_between(
    start: dt.datetime, end: dt.datetime, *, cap: dt.timedelta
) -> dt.timedelta:
    """Time between `start` and `end` that falls inside working hours on working days
    (Europe/London). Stops counting once it passes `cap`, so an old start costs nothing."""
    if end <= start:
        return dt.timedelta(0)
    first, last = timezone.localdate(start), timezone.localdate(end)
    total = dt.timedelta(0)
    day = first
    while day <= last and total <= cap:
        if workdays.is_working_day(day):
            opens = timezone.make_aware(
                dt.datetime.combine(day, dt.time(settings.WORKING_HOURS_START))
            )
            closes = timezone.make_aware(
                dt.datetime.combine(day, dt.time(settings.WORKING_HOURS_END))
            )
            overlap = min(end, closes) - max(start, opens)
            if overlap > dt.timedelta(0):
                total += overlap
        day += dt.timedelta(days=1)
    return total


def chase_is_late(now: dt.datetime | None = None) -> bool:
    """True when the chase job has not finished for more than two working hours (or never has).

    Only time inside working hours on working days counts, so a run on Friday at 17:30 is not
    late on Monday at 09:00 (one and a half working hours), but is at 11:00.
    """
    now = now or timezone.now()
    runs = JobHeartbeat.objects.filter(name=CHASE_JOB)
    last = runs.values_list("last_success_at", flat=True).first()
    if last is None:
        return True
    return working_time_between(last, now, cap=CHASE_LATE_AFTER) > CHASE_LATE_AFTER


def _safe(error: Exception) -> str:
    """The error without any password a broker URL in it might carry (the page is public)."""
    return re.sub(r"//[^@/\s]*@", "//", f"{type(error).__name__}: {error}")[:300]


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means the database is not usable
        return {"ok": False, "error": _safe(error)}
    return {"ok": True, "error": None}


def check_broker() -> dict:
    """Open a connection to the broker, failing within a couple of seconds. The filesystem
    transport of the embedded default connects to a folder, so it is always up."""
    try:
        # The service's own Celery app: config loads it before anything else (config/__init__).
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=2)
    except Exception as error:  # noqa: BLE001 - any failure means messages cannot be queued
        return {"ok": False, "error": _safe(error)}
    return {"ok": True, "error": None}


def job_ages(now: dt.datetime) -> dict:
    return {
        beat.name: {
            "last_success_at": beat.last_success_at.isoformat(),
            "age_seconds": max(int((now - beat.last_success_at).total_seconds()), 0),
        }
        for beat in JobHeartbeat.objects.order_by("name")
    }


def status(now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    database = check_database()
    broker = check_broker()
    jobs, late, periodic = {}, None, {}
    if database["ok"]:
        try:
            jobs, late, periodic = job_ages(now), chase_is_late(now), periodic_jobs(now)
        except Exception as error:  # noqa: BLE001 - e.g. the database went away mid-check
            database = {"ok": False, "error": _safe(error)}
    overdue = any(check["overdue"] for check in periodic.values())
    healthy = database["ok"] and broker["ok"] and late is False and not overdue
    return {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "broker": broker,
        "chase_late": late,
        "jobs": jobs,
        "periodic": periodic,
    }


def may_see_details(request) -> bool:
    """Which part is down, and its error, helps an attacker as much as an engineer: only an
    administrator signed in, or monitoring holding the token set in the environment, sees it."""
    token = settings.HEALTH_TOKEN
    sent = request.headers.get(TOKEN_HEADER, "")
    if token and hmac.compare_digest(sent.encode(), token.encode()):
        return True
    return request.user.is_authenticated and is_administrator(request.user)


@login_not_required
@require_GET
@never_cache
def health(request):
    """JSON for monitoring: 200 when all is well, 503 when the database or broker is down, the
    chase job has stopped running or a pack's period passed unsent. Everyone gets the status;
    details need `may_see_details`."""
    report = status()
    code = 200 if report["status"] == "ok" else 503
    if not may_see_details(request):
        report = {"status": report["status"]}
    return JsonResponse(report, status=code)
