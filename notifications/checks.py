"""System checks for the outbox's settings: every link in every email starts with SITE_URL, and
EMAIL_CHILD_NAMES is one of the ways emails can name a child."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register


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
