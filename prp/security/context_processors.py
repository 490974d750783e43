from django.conf import settings
from django.urls import reverse

from .idle import timeout_seconds


def session_timeout(request):
    """The timeout warning's settings, for signed-in pages only (base.html puts them on
    <body> for static/js/timeout-warning.js)."""
    user = getattr(request, "user", None)
    seconds = timeout_seconds()
    if not seconds or user is None or not user.is_authenticated:
        return {"session_timeout": None}
    return {
        "session_timeout": {
            "seconds": seconds,
            "warning_seconds": min(settings.SESSION_TIMEOUT_WARNING_SECONDS, seconds),
            "status_url": reverse("session_status"),
            "keep_alive_url": reverse("session_keep_alive"),
        }
    }
