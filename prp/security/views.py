"""Your account: password, two-factor set-up, and the code step of signing in."""

from base64 import b32encode
from binascii import unhexlify

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from . import services, two_factor
from .forms import CodeForm, ConfirmForm, PasswordChangeForm

NEW_KEY_SESSION_KEY = "two_factor_new_key"
NEW_CODES_SESSION_KEY = "two_factor_new_backup_codes"


def _posted(request):
    return request.POST if request.method == "POST" else None


def _next_url(request) -> str:
    """Where to go afterwards: `next` if it is on this site, otherwise home."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, request) -> str:
    next_url = request.POST.get("next") or request.GET.get("next")
    if not next_url:
        return url
    return f"{url}?{urlencode({'next': next_url})}"


def _may_turn_off(user) -> bool:
    return not (settings.OTP_REQUIRED_FOR_ADMINS and two_factor.is_administrator(user))


@require_GET
def account(request):
    user = request.user
    has_device = user_has_device(user)
    return render(
        request,
        "prp/account/account.html",
        {
            "has_device": has_device,
            "backup_codes_left": services.backup_codes_left(user=user) if has_device else 0,
            "may_turn_off": _may_turn_off(user),
            "required": settings.OTP_REQUIRED_FOR_ADMINS and two_factor.is_administrator(user),
        },
    )


@method_decorator(sensitive_post_parameters(), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view keeps the person signed in (and verified) after the change."""

    form_class = PasswordChangeForm
    template_name = "prp/account/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password has been changed.")
        return response


@never_cache
@two_factor.two_factor_not_required
def two_factor_set_up(request):
    """Scan the QR code (or type the key), then enter a code to show the app has it."""
    user = request.user
    if user_has_device(user) and not user.is_verified():
        # Replacing the app needs the old one first, or a stolen password would be enough.
        return redirect(_with_next(reverse("two_factor_verify"), request))
    key = request.session.get(NEW_KEY_SESSION_KEY) or random_hex(20)
    request.session[NEW_KEY_SESSION_KEY] = key
    form = CodeForm(
        _posted(request),
        hint="The code is 6 digits. A new one shows every 30 seconds.",
        submit_label="Turn on two-factor authentication",
    )
    if form.is_valid():
        try:
            codes = services.two_factor_set_up(user=user, key=key, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error.message_dict["code"])
        else:
            del request.session[NEW_KEY_SESSION_KEY]
            otp_login(request, TOTPDevice.objects.get(user=user))
            request.session[two_factor.SESSION_FLAG] = True
            request.session[NEW_CODES_SESSION_KEY] = codes
            messages.success(request, "Two-factor authentication is on.")
            return redirect(_with_next(reverse("two_factor_backup_codes"), request))
    device = TOTPDevice(user=user, key=key)
    qr_code = segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#0b0c0c", svgclass="app-qr-code", title="QR code for your authenticator app"
    )
    return render(
        request,
        "prp/account/two_factor_set_up.html",
        {
            "form": form,
            "qr_code": qr_code,
            "secret": _grouped(b32encode(unhexlify(key)).decode()),
            "required": not _may_turn_off(user) and not user.is_verified(),
        },
    )


def _grouped(secret: str) -> str:
    """ABCD EFGH ...: easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
def two_factor_backup_codes(request):
    """The new codes, shown once; or how many are left, and a button for new ones."""
    user = request.user
    if not user_has_device(user):
        return redirect("account")
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = services.backup_codes_replace(user=user)
        messages.success(request, "You have new backup codes. The old ones no longer work.")
        return redirect("two_factor_backup_codes")
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    return render(
        request,
        "prp/account/two_factor_backup_codes.html",
        {
            "codes": codes,
            "codes_left": services.backup_codes_left(user=user),
            "continue_url": _next_url(request),
        },
    )


@never_cache
def two_factor_turn_off(request):
    user = request.user
    if not user_has_device(user):
        return redirect("account")
    may_turn_off = _may_turn_off(user)
    form = ConfirmForm(_posted(request), submit_label="Turn off two-factor authentication")
    if request.method == "POST":
        if not may_turn_off:
            raise PermissionDenied("Administrators must use two-factor authentication.")
        services.two_factor_turn_off(user=user)
        request.session[two_factor.SESSION_FLAG] = False
        messages.success(request, "Two-factor authentication is off.")
        return redirect("account")
    return render(
        request,
        "prp/account/two_factor_turn_off.html",
        {"form": form, "may_turn_off": may_turn_off},
    )


@never_cache
@sensitive_post_parameters()
@login_not_required
@two_factor.two_factor_not_required
def two_factor_verify(request):
    """The second step of signing in: the code from the app, or a backup code. Also reached by
    someone signed in without one (single sign-on) whose session needs it."""
    signed_in = request.user.is_authenticated
    user = request.user if signed_in else two_factor.pending_user(request)
    if user is None:
        messages.info(request, "Sign in again: the code was not entered in time.")
        return redirect(_with_next(resolve_url(settings.LOGIN_URL), request))
    if signed_in and (request.user.is_verified() or not user_has_device(user)):
        return redirect(_next_url(request))
    form = CodeForm(
        _posted(request),
        hint="The 6-digit code your authenticator app shows now. If you do not have your phone, "
        "enter one of your backup codes.",
    )
    if form.is_valid():
        try:
            device = services.two_factor_verify(user=user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error.message_dict["code"])
        else:
            if not signed_in:
                two_factor.pending_end(request)
                auth_login(request, user, backend=user.backend)
            otp_login(request, device)
            return redirect(_next_url(request))
    return render(
        request,
        "prp/account/two_factor_verify.html",
        {"form": form},
    )
