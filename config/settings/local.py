"""The embedded default: one machine, a SQLite file, demo data, emails printed to the console."""

from .base import *  # noqa: F403
from .base import STORAGES, env

# Off unless asked for: Django's debug pages list every URL and setting to whoever opens a page
# that does not exist. DJANGO_DEBUG=true make run turns them on for development.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Static files are served by whitenoise with DEBUG on or off, straight from static/ through
# Django's finders: the demo needs no collectstatic and no manifest of hashed names.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A fixed key is acceptable only here: local runs hold demo data, never real children.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-only-insecure-key-never-use-in-production")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# The demo administrator signs in with the demo password alone; set OTP_REQUIRED_FOR_ADMINS=true
# to try the enforced set-up. Production always defaults to enforcing it (base.py).
OTP_REQUIRED_FOR_ADMINS = env.bool("OTP_REQUIRED_FOR_ADMINS", default=False)
