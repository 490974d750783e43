"""What someone typed is kept when their session ended before they sent it.

A form posted after the session ended (the 8-hour limit, the idle timeout, signed out in another
tab, or a security token that no longer matches because they signed in again elsewhere) is not
lost: its fields (never files, the security token or passwords) are kept for KEPT_FORM_HOURS
where sessions are kept, under a random key that only this browser holds (a signed, HttpOnly
cookie), for the person whose page it was. That person is known from the form itself: every
form we show carries a signed `form_owner` field (templates/gds/whole_uni_form.html), because a
request without a session cannot say who sent it.

After signing in again, on this browser and as the same person, the page that form was on shows
what they typed and a banner saying it was not sent (`restore`, called by the one form include).
Nothing is sent until they press the button; nobody else, and no other browser, gets anything.
"""

from __future__ import annotations

import re
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect

OWNER_FIELD = "form_owner"
COOKIE = "prp_kept_form"
_SALT = "prp.security.kept"
_DRAFT = "kept_form"
# Never kept: the security token (useless later), who the form was for (checked, not stored)
# and anything that looks like a password or a one-time code.
_NEVER_KEPT = re.compile(r"^(csrfmiddlewaretoken|form_owner)$|password|passwd|^code$", re.I)
SIGNED_OUT = "You were signed out. What you typed has been kept."
KEPT = "What you typed has been kept."


def _store(key: str | None = None):
    """Kept forms live where sessions do (SESSION_ENGINE: the database), each under a random key
    of its own with its expiry; `manage.py clearsessions` removes the expired ones."""
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)


def kept_seconds() -> int:
    return settings.KEPT_FORM_HOURS * 60 * 60


def owner_field_value(user) -> str:
    """The signed value of `form_owner` for a form shown to `user`."""
    return signing.TimestampSigner(salt=_SALT).sign(str(user.pk))


def _form_owner(request: HttpRequest) -> int | None:
    """Whose page the posted form was on, if it carries a good signature that is not older than
    the longest a session lasts."""
    value = request.POST.get(OWNER_FIELD, "")
    max_age = settings.SESSION_COOKIE_AGE + 60 * 60
    try:
        return int(signing.TimestampSigner(salt=_SALT).unsign(value, max_age=max_age))
    except (signing.BadSignature, ValueError):
        return None


# Hidden fields and buttons the forms send whatever was typed: on their own, nothing was typed.
_NOT_TYPED = {"submission_token", "lock_version", "submit", "send", "save_draft"}


def _kept_fields(request: HttpRequest) -> dict[str, list[str]]:
    fields = {
        name: values
        for name, values in request.POST.lists()
        if not _NEVER_KEPT.search(name) and any(value.strip() for value in values)
    }
    return fields if set(fields) - _NOT_TYPED else {}


def keep(request: HttpRequest, response: HttpResponse, *, owner_pk: int) -> bool:
    """Keep what `request` posted for `owner_pk`, on this browser; False if nothing was typed."""
    fields = _kept_fields(request)
    if not fields:
        return False
    draft = {"user": owner_pk, "path": request.get_full_path(), "fields": fields}
    store = _store()
    store[_DRAFT] = draft
    store.set_expiry(kept_seconds())
    store.create()  # a new random key, saved with its expiry
    key = store.session_key
    _forget_previous(request)
    response.set_signed_cookie(
        COOKIE,
        key,
        salt=_SALT,
        max_age=kept_seconds(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return True


def _cookie_key(request: HttpRequest) -> str | None:
    return request.get_signed_cookie(COOKIE, default=None, salt=_SALT, max_age=kept_seconds())


def _forget_previous(request: HttpRequest) -> None:
    """One kept form per browser: a newer one replaces the last."""
    if previous := _cookie_key(request):
        _store(previous).delete()


def restore(request: HttpRequest | None, form) -> dict | None:
    """Put back into `form` (unbound, about to be shown) what this person typed into it on this
    page before their session ended, and return what was kept (None if nothing). The kept copy
    is then forgotten: it is in the page now.

    The form is bound with no errors, for showing only: the view has already run, so nothing
    is validated or sent until the person presses the button."""
    if request is None or request.method != "GET" or form is None or form.is_bound:
        return None
    if not request.user.is_authenticated or not (key := _cookie_key(request)):
        return None
    store = _store(key)
    draft = store.get(_DRAFT)  # nothing once it has expired
    if not draft or draft["user"] != request.user.pk:
        return None
    if draft["path"] != request.get_full_path():
        return None
    names = {form.add_prefix(name) for name in form.fields}
    if not names & set(draft["fields"]):
        return None  # another form on the page
    store.delete()
    data = QueryDict(mutable=True)
    for name, values in draft["fields"].items():
        data.setlist(name, values)
    form.errors  # noqa: B018 - worked out while unbound (none), so none are shown
    form.data, form.is_bound = data, True
    return draft


def _owner_for(request: HttpRequest, *, session_is_theirs: bool) -> int | None:
    """Whose typing this is: the form's signed owner, who must be the person signed in if anyone
    is. Only a session that has not changed hands since the page was shown (the idle timeout)
    vouches for a form without one."""
    owner = _form_owner(request)
    signed_in = request.user.pk if request.user.is_authenticated else None
    if signed_in is not None and owner not in (None, signed_in):
        return None
    return owner if owner is not None or not session_is_theirs else signed_in


def kept_response(request: HttpRequest, *, owner_pk: int | None, message: str):
    """Sign-in again (or, if they are still signed in, the form's page again) with what they
    typed kept; None if there is nothing to keep, to answer as before."""
    if request.method != "POST" or owner_pk is None:
        return None
    signed_in = request.user.is_authenticated and request.user.pk == owner_pk
    response = (
        redirect(request.get_full_path())
        if signed_in
        else redirect_to_login(request.get_full_path())
    )
    if not keep(request, response, owner_pk=owner_pk):
        return None
    if not signed_in:
        messages.info(request, message)
    return response


class KeepingLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's: every page needs sign-in. A form posted without a session is kept first."""

    def handle_no_permission(self, request, view_func):
        kept = kept_response(request, owner_pk=_form_owner(request), message=SIGNED_OUT)
        return kept or super().handle_no_permission(request, view_func)


def keep_on_csrf_failure(request: HttpRequest) -> HttpResponse | None:
    """A form refused for its security token: when the session it was made in is gone (signed
    out, or signed in again elsewhere, which changes the token), keep what was typed."""
    owner_pk = _owner_for(request, session_is_theirs=False)
    return kept_response(request, owner_pk=owner_pk, message=SIGNED_OUT)


def keep_on_timeout(request: HttpRequest) -> HttpResponse | None:
    """The idle timeout: called while the person is still signed in, before signing them out."""
    owner_pk = _owner_for(request, session_is_theirs=True)
    if request.method != "POST" or owner_pk is None or not _kept_fields(request):
        return None
    response = redirect_to_login(request.get_full_path())
    keep(request, response, owner_pk=owner_pk)
    return response
