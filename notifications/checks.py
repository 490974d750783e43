"""System checks for the outbox's settings: every link in every email starts with SITE_URL,
EMAIL_CHILD_NAMES is one of the ways emails can name a child, and the email channel chosen is
set up (GOV.UK Notify: a key, and a template for every message kind)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register
from django.core.checks import Warning as CheckWarning

from . import govuk_notify


@register()
def site_url_is_set(app_configs=None, **kwargs):
    """Production sets no default: a wrong address would make every emailed link a dead end."""
    value = settings.SITE_URL
    if not value:
        return [
            Error(
                "SITE_URL is not set: every link in every email starts with it.",
                hint="Set SITE_URL to the address people use, e.g. https://concerns.example.gov.uk",
                id="notifications.E001",
            )
        ]
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return [
            Error(
                f"SITE_URL {value!r} is not an address like https://concerns.example.gov.uk.",
                hint="Give the scheme and host (and port, if not the usual one), no query.",
                id="notifications.E002",
            )
        ]
    return []


@register()
def email_child_names_is_known(app_configs=None, **kwargs):
    """A mistyped value must not fall back to naming children in full, or fail at sending."""
    from .naming import STYLES

    if settings.EMAIL_CHILD_NAMES in STYLES:
        return []
    return [
        Error(
            f"EMAIL_CHILD_NAMES {settings.EMAIL_CHILD_NAMES!r} is not one of {', '.join(STYLES)}.",
            hint='"initials" (initials and case reference) is the default.',
            id="notifications.E003",
        )
    ]


CHANNELS = ("smtp", "notify")


@register()
def email_channel_is_set_up(app_configs=None, **kwargs):
    """A kind without a Notify template would fail every message of that kind at sending, one
    by one: say so at start-up instead."""
    if settings.EMAIL_CHANNEL not in CHANNELS:
        return [
            Error(
                f"EMAIL_CHANNEL {settings.EMAIL_CHANNEL!r} is not one of {', '.join(CHANNELS)}.",
                hint='"smtp" (the default) or "notify" (GOV.UK Notify).',
                id="notifications.E004",
            )
        ]
    errors = [
        Error(
            problem,
            hint='See README, "GOV.UK Notify": NOTIFY_API_KEY and NOTIFY_TEMPLATES.',
            id="notifications.E005",
        )
        for problem in govuk_notify.configuration_errors()
    ]
    if govuk_notify.is_chosen() and not settings.NOTIFY_CALLBACK_TOKEN:
        errors.append(
            CheckWarning(
                "NOTIFY_CALLBACK_TOKEN is not set: every delivery receipt will be refused.",
                hint="Set it to the bearer token given for receipts in GOV.UK Notify.",
                id="notifications.W001",
            )
        )
    return errors
