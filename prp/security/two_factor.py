"""Two-factor codes (django-otp): who must enter one, and the sign-in step that asks for it.

A person with a confirmed device enters a code after their password before they are signed in
(`pending_*` below keep who they are meanwhile). Administrators must have a device when
OTP_REQUIRED_FOR_ADMINS is on: until their session is verified, every page sends them to enter
a code, or to set up an app if they have none.
"""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django_otp import user_has_device

SESSION_FLAG = "two_factor_required"
PENDING_KEY = "two_factor_pending"
# How long after the password the code may be entered.
PENDING_SECONDS = 5 * 60


def is_administrator(user) -> bool:
    """Who counts as an administrator here: anyone who can use the admin site or holds the
    Administrator role."""
    return bool(user.is_staff or user.is_superuser or user.is_administrator)


def must_verify(user) -> bool:
    """Whether this person's session needs a code: they set up an app, or they administer."""
    if settings.OTP_REQUIRED_FOR_ADMINS and is_administrator(user):
        return True
    return user_has_device(user)


def two_factor_not_required(view):
    """The view is reachable before the code is entered (sign-out, the code pages)."""
    view.two_factor_exempt = True
    return view


class TwoFactorMiddleware:
    """Sends a person whose session needs a code to enter it (or to set up an app) before any
    other page. Whether it needs one is worked out at sign-in (SESSION_FLAG); admin access is
    checked on every request too, so gaining it mid-session cannot skip the code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or getattr(view_func, "two_factor_exempt", False):
            return None
        needed = request.session.get(SESSION_FLAG) or (
            settings.OTP_REQUIRED_FOR_ADMINS and (user.is_staff or user.is_superuser)
        )
        if not needed or user.is_verified():
            return None
        target = "two_factor_verify" if user_has_device(user) else "two_factor_set_up"
        return redirect_to_login(request.get_full_path(), reverse(target))


# The step between password and code --------------------------------------------------------
def pending_start(request, user) -> None:
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "at": time.time(),
    }


def pending_user(request):
    """The person who gave the right password and now owes a code, or None."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user


def pending_end(request) -> None:
    request.session.pop(PENDING_KEY, None)
