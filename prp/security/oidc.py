"""Single sign-on with the council's Microsoft Entra ID (mozilla-django-oidc).

On only when OIDC_ENABLED (the client id, secret and endpoints are set). A council account
signs in to the person here with the same email address; nobody new is let in unless
OIDC_CREATE_USER is on, and an inactive person never is.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from prp.email_address import is_plain, normalise_email

from .two_factor import two_factor_not_required

log = logging.getLogger("prp.security")


def claimed_email(claims: dict) -> str:
    """The email address in the ID token: `email`, or Entra's `preferred_username` (the
    sign-in name, a work email address) when the tenant does not send `email`. Normalised as
    every address is kept; one that is not ASCII is nobody's here (none, so sign-in fails)."""
    for name in ("email", "preferred_username"):
        value = (claims.get(name) or "").strip()
        if "@" in value:
            return normalise_email(value) if is_plain(value) else ""
    return ""


class CouncilAccountBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims):
        return bool(claimed_email(claims))

    def verify_token(self, token, **kwargs):
        """The library checks the signature, expiry and nonce; the token must also be for this
        service and, with a tenant set, from the council's own directory."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is for another application.")
        if settings.OIDC_TENANT_ID and payload.get("tid") != settings.OIDC_TENANT_ID:
            raise SuspiciousOperation("The ID token is from another tenant.")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        # With no userinfo endpoint, the verified ID token's claims are the person's details.
        if not settings.OIDC_OP_USER_ENDPOINT:
            return payload
        return super().get_userinfo(access_token, id_token, payload)

    def filter_users_by_claims(self, claims):
        email = claimed_email(claims)
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email=email)

    def create_user(self, claims):
        if not settings.OIDC_CREATE_USER:
            # get_or_create_user only calls this when the setting is on; refuse regardless.
            raise SuspiciousOperation("Single sign-on does not create accounts.")
        email = claimed_email(claims)
        name = (claims.get("name") or "").strip() or email
        log.info("Single sign-on created an account for %s", email)
        return self.UserModel.objects.create_user(email, full_name=name)

    def get_or_create_user(self, access_token, id_token, payload):
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is not None and not self.user_can_authenticate(user):
            log.info("Single sign-on refused for inactive user %s", user.pk)
            return None
        return user

    def user_can_authenticate(self, user) -> bool:
        return getattr(user, "is_active", False)

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def _only_when_enabled(view_class):
    original = view_class.dispatch

    def dispatch(self, request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not set up.")
        return original(self, request, *args, **kwargs)

    view_class.dispatch = dispatch
    return view_class


@method_decorator([login_not_required, two_factor_not_required], name="dispatch")
@_only_when_enabled
class CouncilSignInStart(OIDCAuthenticationRequestView):
    """'Sign in with your council account': off to the council's sign-in page."""


@method_decorator([login_not_required, two_factor_not_required], name="dispatch")
@_only_when_enabled
class CouncilSignInCallback(OIDCAuthenticationCallbackView):
    """Back from the council's sign-in page."""

    def login_failure(self):
        messages.error(
            self.request,
            "You could not be signed in with your council account. Sign in with your email "
            "address and password, or ask your service's administrator for help.",
        )
        return redirect(settings.LOGIN_URL)
