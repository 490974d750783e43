"""The idle timeout: signed out after SESSION_IDLE_TIMEOUT_MINUTES without a request.

The session keeps the time of the person's last request. The page's timeout warning
(static/js/timeout-warning.js) asks `session_status` how long is left, which does not count as
activity, and `session_keep_alive` when the person chooses to stay signed in. Without
JavaScript the server-side timeout still applies.
"""

import math
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import kept as kept_forms
from .two_factor import two_factor_not_required

LAST_ACTIVITY_KEY = "last_activity"
# Saving the session on every request would write to the database for each page; once every
# few seconds is as exact as the timeout needs.
WRITE_EVERY_SECONDS = 10


def timeout_seconds() -> int:
    return max(0, settings.SESSION_IDLE_TIMEOUT_MINUTES) * 60


def seconds_left(request) -> int:
    """Whole seconds before the session times out; 0 once it has."""
    last = request.session.get(LAST_ACTIVITY_KEY)
    if last is None:
        return timeout_seconds()
    return max(0, math.ceil(timeout_seconds() - (time.time() - last)))


def record_activity(request, *, force: bool = False) -> None:
    last = request.session.get(LAST_ACTIVITY_KEY)
    now = time.time()
    if force or last is None or now - last >= WRITE_EVERY_SECONDS:
        request.session[LAST_ACTIVITY_KEY] = now


def idle_exempt(view):
    """The view's requests neither count as activity nor sign anyone out."""
    view.idle_exempt = True
    return view


def _return_to(request) -> str:
    """Where signing in again should take the person: the page they asked for or, for a form
    they sent (which cannot be sent again by a link), the page the form was on."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referer.netloc == request.get_host():
        return f"{referer.path}?{referer.query}" if referer.query else referer.path
    return ""


def timed_out_message() -> str:
    minutes = settings.SESSION_IDLE_TIMEOUT_MINUTES
    return (
        "You were signed out because you had not done anything for "
        f"{minutes} minute{'' if minutes == 1 else 's'}."
    )


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not timeout_seconds() or not request.user.is_authenticated:
            return None
        if getattr(view_func, "idle_exempt", False):
            return None
        if seconds_left(request) == 0:
            next_url = _return_to(request)
            kept = kept_forms.keep_on_timeout(request)  # while we still know who it is
            logout(request)
            if kept:
                messages.info(request, f"{timed_out_message()} {kept_forms.KEPT}")
                return kept
            messages.info(request, timed_out_message())
            return redirect_to_login(next_url) if next_url else redirect(settings.LOGIN_URL)
        record_activity(request)
        return None


def _status(request) -> JsonResponse:
    response = JsonResponse(
        {"seconds_left": seconds_left(request), "timeout_seconds": timeout_seconds()}
    )
    return response


@never_cache
@require_GET
@idle_exempt
@two_factor_not_required
def session_status(request):
    """How long the session has left. Asking does not keep it alive."""
    return _status(request)


@never_cache
@require_POST
@idle_exempt
@two_factor_not_required
def session_keep_alive(request):
    """'Stay signed in': counts as activity, unless the session has already timed out (then
    it stays timed out and the page's next request signs the person out)."""
    if timeout_seconds() and seconds_left(request) > 0:
        record_activity(request, force=True)
    return _status(request)
