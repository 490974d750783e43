"""Locking a sign-in after too many wrong passwords (django-axes hooks)."""

import logging

from auditlog.models import LogEntry
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import render
from django.utils import timezone

from prp.email_address import normalise_email

log = logging.getLogger("prp.security")


def username_from_credentials(request, credentials) -> str | None:
    """The email address tried, normalised as the account is found and kept: case, spaces
    and look-alike letters do not count, so 'IRO@x', 'iro@x ' and 'iro@x' with a dotless i
    share one count of failures (the last is refused, and its failure counts against iro@x)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = (credentials or {}).get(field)
    if value is None and request is not None:
        value = request.POST.get(field)
    if not value:
        return None
    return normalise_email(value)


def client_address(request) -> str | None:
    """The address the sign-in came from. Behind TRUSTED_PROXY_COUNT proxies it is the
    X-Forwarded-For entry the nearest one added; earlier entries could be forged."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
        if len(entries) >= count:
            return entries[-count]
    return request.META.get("REMOTE_ADDR")


def locked_out(request, original_response=None, credentials=None):
    """The page shown instead of signing in while locked. It says what happened and what to
    do, and nothing about whether the account exists or how many tries are left. When the
    network address is what is locked, it says so: a colleague on the same office network who
    never mistyped must not be told their own password was wrong."""
    return render(
        request,
        "prp/account/locked_out.html",
        {"minutes": settings.SIGN_IN_LOCKOUT_MINUTES, "network": _address_locked(request)},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


# Password spraying: one address, many accounts -----------------------------------------------
# django-axes locks an email address tried from one network address. Someone trying a common
# password against every account never reaches that limit on any one of them, so failures from
# one network address are also added up across accounts; past SIGN_IN_ADDRESS_FAILURE_LIMIT
# within the lockout time, that address is refused whatever account it tries.


class SignInHandler(AxesDatabaseHandler):
    """django-axes' database handler, with the address rule added to its lock."""

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or _address_locked(request)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        # django-axes shows the lockout page for the failure that reaches its own limit; the
        # same for the one that reaches the address's.
        if request is not None and not request.axes_locked_out and _address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            log.warning("Sign-in refused for a network address failing across accounts")


def _address_locked(request) -> bool:
    failures = address_failures(request.axes_ip_address)
    return failures >= settings.SIGN_IN_ADDRESS_FAILURE_LIMIT


def _recent_attempts(**filters) -> QuerySet:
    # The same window django-axes counts in: failures within the lockout time.
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(attempt_time__gte=since, **filters)


def _per_account(rows) -> dict[tuple[str, str], dict]:
    """Failures for each (network address, email address) pair; one row per browser."""
    pairs: dict[tuple[str, str], dict] = {}
    for row in rows.values("ip_address", "username", "failures_since_start", "attempt_time"):
        pair = pairs.setdefault(
            (row["ip_address"], row["username"]),
            {
                "address": row["ip_address"],
                "username": row["username"],
                "failures": 0,
                "last": row["attempt_time"],
            },
        )
        pair["failures"] += row["failures_since_start"]
        pair["last"] = max(pair["last"], row["attempt_time"])
    return pairs


def _counted(failures: int) -> int:
    # Each account adds at most its own limit: one person retrying while locked out of their
    # own account does not lock everyone behind the same office address.
    return min(failures, settings.AXES_FAILURE_LIMIT)


def address_failures(address: str | None) -> int:
    """Failed sign-ins from this network address within the lockout time, across accounts."""
    if not address:
        return 0
    pairs = _per_account(_recent_attempts(ip_address=address))
    return sum(_counted(pair["failures"]) for pair in pairs.values())


def locked_accounts() -> list[dict]:
    """Email addresses locked from a network address now (what django-axes refuses)."""
    pairs = _per_account(_recent_attempts())
    locked = [pair for pair in pairs.values() if pair["failures"] >= settings.AXES_FAILURE_LIMIT]
    return sorted(locked, key=lambda pair: pair["last"], reverse=True)


def locked_addresses() -> list[dict]:
    """Network addresses refused now for failing across accounts, with how many they tried."""
    addresses: dict[str, dict] = {}
    for pair in _per_account(_recent_attempts()).values():
        entry = addresses.setdefault(
            pair["address"],
            {"address": pair["address"], "failures": 0, "accounts": 0, "last": pair["last"]},
        )
        entry["failures"] += _counted(pair["failures"])
        entry["accounts"] += 1
        entry["last"] = max(entry["last"], pair["last"])
    limit = settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
    locked = [entry for entry in addresses.values() if entry["failures"] >= limit]
    return sorted(locked, key=lambda entry: entry["last"], reverse=True)


def unlock(*, address: str, username: str | None = None) -> int:
    """Forget the failures from a network address (for one email address, or for all of
    them): signing in from there works again at once. Returns how many records went."""
    attempts = AccessAttempt.objects.filter(ip_address=address)
    if username is not None:
        attempts = attempts.filter(username=username)
    return forget(attempts, unlocked="email address" if username is not None else "network address")


@transaction.atomic
def forget(attempts: QuerySet, *, unlocked: str) -> int:
    """Remove these records of failed sign-ins, each written in the audit trail as removed:
    by whom, and what it unlocked."""
    attempts = list(attempts.select_for_update())
    for attempt in attempts:
        LogEntry.objects.log_create(
            attempt,
            force_log=True,
            action=LogEntry.Action.DELETE,
            # As auditlog writes any removed record: each value before, and none after.
            changes={
                "username": [attempt.username, "None"],
                "ip_address": [attempt.ip_address, "None"],
                "failures_since_start": [str(attempt.failures_since_start), "None"],
            },
            additional_data={
                "unlocked": unlocked,
                "ip_address": attempt.ip_address,
                "username": attempt.username,
                "failures": attempt.failures_since_start,
            },
        )
        attempt.delete()
    log.info("Sign-in unlocked: %s failure records removed", len(attempts))
    return len(attempts)
