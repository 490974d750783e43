"""Locking a sign-in after too many wrong passwords (django-axes hooks)."""

from django.conf import settings
from django.shortcuts import render

from prp.email_address import normalise_email


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
    do, and nothing about whether the account exists or how many tries are left."""
    return render(
        request,
        "prp/account/locked_out.html",
        {"minutes": settings.SIGN_IN_LOCKOUT_MINUTES},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
