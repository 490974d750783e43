"""Settings for the test suite: SQLite in memory by default, PostgreSQL/Redis when set."""

from .base import *  # noqa: F403
from .base import CACHES, CELERY_BROKER_TRANSPORT_OPTIONS, DATABASES, env

DEBUG = False
SECRET_KEY = "test-only-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WORKDAYS_CACHE_SECONDS = 0
# The pathway's tests read children's names in their emails; how emails name children under each
# setting, and the default, are proved in tests/notifications/test_email_child_names.py.
EMAIL_CHILD_NAMES = "full"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
TEST_REDIS_URL = env("REDIS_URL", default="")

if not TEST_REDIS_URL:
    # Each test run gets its own filesystem broker, so a `make run` worker on the same machine
    # (or another test run) never takes this run's messages.
    import tempfile
    from pathlib import Path

    _broker = Path(tempfile.mkdtemp(prefix="prp-test-broker-"))
    for _folder in ("queue", "processed", "control"):
        (_broker / _folder).mkdir()
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "queue"),
        "data_folder_out": str(_broker / "queue"),
        "processed_folder": str(_broker / "processed"),
        "control_folder": str(_broker / "control"),
        "store_processed": False,
    }

# Off for the suite as a whole: its tests sign administrators in with force_login and move the
# clock days between requests. tests/prp/test_two_factor.py and tests/prp/test_idle_timeout.py
# turn each on and prove it.
OTP_REQUIRED_FOR_ADMINS = False
SESSION_IDLE_TIMEOUT_MINUTES = 0

# Parallel workers (pytest-xdist) each get their own test database (pytest-django adds the
# worker's name to it) and, here, their own cache keys and Celery queue in Redis: one worker's
# cached counters never reach another, and a Celery worker a test starts takes only the messages
# of its own test process (which has that process's database).
XDIST_WORKER = env("PYTEST_XDIST_WORKER", default="")
if TEST_REDIS_URL and XDIST_WORKER:
    CACHES["default"]["KEY_PREFIX"] = f"{CACHES['default']['KEY_PREFIX']}-{XDIST_WORKER}"
    CELERY_TASK_DEFAULT_QUEUE = f"celery-{XDIST_WORKER}"
