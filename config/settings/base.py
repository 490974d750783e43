"""Settings shared by every environment. All configuration comes from environment variables."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

# Service identity ---------------------------------------------------------------------------
SERVICE_NAME = env("SERVICE_NAME", default="Resolve a concern about a child's plan")
AUTHORITY_NAME = env("AUTHORITY_NAME", default="Demo County Council")
# Which bank holidays apply: ENG (England and Wales calendar), WLS, SCT or NIR.
AUTHORITY_NATION = env("AUTHORITY_NATION", default="ENG")
PHASE = env("PHASE", default="beta")

# Core ---------------------------------------------------------------------------------------
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "prp.errors.csrf_failure"

INSTALLED_APPS = [
    # django.contrib.admin, whose site refuses signed-in people without admin rights with a 403.
    "prp.admin_site.ServiceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Sign-in security: lockout, two-factor codes, single sign-on, Content-Security-Policy.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mozilla_django_oidc",
    "csp",
    "crispy_forms",
    "crispy_forms_gds",
    "django_celery_beat",
    "django_filters",
    "auditlog",
    "rest_framework",
    "drf_spectacular",
    "prp",
    "cases",
    "escalations",
    "qapr",
    "notifications",
    # Loading the council's records: above cases and prp, it calls their services.
    "imports",
    "dashboards",
    "reminders",
    "records",
    "demo",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise, so static files go out without a policy; pages get one with a nonce.
    "csp.middleware.CSPMiddleware",
    "prp.security.headers.PermissionsPolicyMiddleware",
    # Before anything reads a body: a request bigger than any upload is refused unread.
    "prp.uploads.RequestTooBigMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user verified when the session holds a confirmed two-factor device.
    "django_otp.middleware.OTPMiddleware",
    # Puts the signed-in person and their address on every audit entry of the request.
    "prp.audit.AuditMiddleware",
    # Every page needs sign-in unless a view opts out with @login_not_required; a form posted
    # after the session ended is kept for the person to send after signing in again.
    "prp.security.kept.KeepingLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out after SESSION_IDLE_TIMEOUT_MINUTES without a request (needs messages).
    "prp.security.idle.IdleTimeoutMiddleware",
    # People with a device (and administrators, always) must enter a code before any page.
    "prp.security.two_factor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "prp.context_processors.service",
                "notifications.context_processors.header",
                "prp.security.context_processors.session_timeout",
            ],
        },
    },
]

# Database: a SQLite file unless DATABASE_URL says otherwise -----------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, worker and scheduler share one file: wait for locks rather than fail,
    # take the write lock at the start of a transaction, and let readers run beside a writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # PostgreSQL compiles a query to machine code when its estimated cost is high; a list's
    # visibility rule at 500,000 concerns spent 780 ms compiling to save a few. Pages are
    # short queries: compile none.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# People and sign-in -------------------------------------------------------------------------
AUTH_USER_MODEL = "prp.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Applied wherever a password is set by a person: changing your own, the admin's "change
# password" and "add user" forms, and `manage.py changepassword` / `createsuperuser`.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        # This User has full_name, not Django's first_name and last_name.
        "OPTIONS": {"user_attributes": ("email", "full_name", "job_title")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True

# Sign-in security (README "Signing in and security") ----------------------------------------
AUTHENTICATION_BACKENDS = [
    # First, as django-axes requires: refuses a locked-out address and email before any check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout: this many wrong passwords for one email address from one address locks that pair
# for the cool-off; each further try while locked starts the cool-off again.
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
SIGN_IN_LOCKOUT_MINUTES = env.int("SIGN_IN_LOCKOUT_MINUTES", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=SIGN_IN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "prp.security.lockout.username_from_credentials"
AXES_LOCKOUT_CALLABLE = "prp.security.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
# Password spraying: this many failures from one network address within the lockout time,
# across any accounts (each counted up to SIGN_IN_FAILURE_LIMIT), refuse that address.
SIGN_IN_ADDRESS_FAILURE_LIMIT = env.int("SIGN_IN_ADDRESS_FAILURE_LIMIT", default=30)
AXES_HANDLER = "prp.security.lockout.SignInHandler"
# Logs name only what a lockout is keyed on (and no start-up banner on every command).
AXES_VERBOSE = False
# Behind proxies, the address is read from X-Forwarded-For: the entry the nearest of
# TRUSTED_PROXY_COUNT proxies added (entries before it can be forged). 0: REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "prp.security.lockout.client_address"

# Idle timeout: signed out after this many minutes without a request; the page warns
# SESSION_TIMEOUT_WARNING_SECONDS before. 0 turns it off.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_TIMEOUT_WARNING_SECONDS = 120
# A form posted after the session ended is kept this long for its author to send after
# signing in again on the same browser (prp/security/kept.py).
KEPT_FORM_HOURS = env.int("KEPT_FORM_HOURS", default=24)

# Two-factor codes (django-otp): anyone may turn them on; administrators must.
OTP_REQUIRED_FOR_ADMINS = env.bool("OTP_REQUIRED_FOR_ADMINS", default=True)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default=SERVICE_NAME)

# Single sign-on with Microsoft Entra ID (mozilla-django-oidc), on only when configured.
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", default="")
OIDC_TENANT_ID = env("OIDC_TENANT_ID", default="")
_entra = f"https://login.microsoftonline.com/{OIDC_TENANT_ID}" if OIDC_TENANT_ID else ""
OIDC_OP_AUTHORIZATION_ENDPOINT = env(
    "OIDC_OP_AUTHORIZATION_ENDPOINT", default=_entra and f"{_entra}/oauth2/v2.0/authorize"
)
OIDC_OP_TOKEN_ENDPOINT = env(
    "OIDC_OP_TOKEN_ENDPOINT", default=_entra and f"{_entra}/oauth2/v2.0/token"
)
OIDC_OP_JWKS_ENDPOINT = env(
    "OIDC_OP_JWKS_ENDPOINT", default=_entra and f"{_entra}/discovery/v2.0/keys"
)
# Empty: the person's email comes from the verified ID token, with no second call.
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", default="")
OIDC_ENABLED = bool(
    OIDC_RP_CLIENT_ID
    and OIDC_RP_CLIENT_SECRET
    and OIDC_OP_AUTHORIZATION_ENDPOINT
    and OIDC_OP_TOKEN_ENDPOINT
    and OIDC_OP_JWKS_ENDPOINT
)
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
# Single sign-on only lets in people who already have an account here, unless this is on.
OIDC_CREATE_USER = env.bool("OIDC_CREATE_USER", default=False)
OIDC_AUTHENTICATE_CLASS = "prp.security.oidc.CouncilSignInStart"
OIDC_CALLBACK_CLASS = "prp.security.oidc.CouncilSignInCallback"
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("prp.security.oidc.CouncilAccountBackend")

# Headers: a Content-Security-Policy with a nonce for each page's scripts (django-csp).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Locale -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
# Dates as "8 December 2023" everywhere (GOV.UK style), overriding Django's en-GB formats.
FORMAT_MODULE_PATH = ["config.formats"]

# Static files: GOV.UK Frontend assets are committed under static/ and served by whitenoise ---
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded files live outside static/ and are only served through access-checked views.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# The largest file anyone may upload. A request bigger than it and its form is refused before
# its body is read (prp.uploads).
UPLOAD_MAX_BYTES = 10 * 1024 * 1024

# Forms --------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
CRISPY_GDS_FRONTEND_VERSION = "5.8.0"

# Email --------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="no-reply@example.org")
# Seconds to wait for the mail server at each step (connecting, each reply) before giving up on
# it until the next run: a relay that accepts and never answers must not stall the sending.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)
# How emails name a child: "full" (full name), "initials" (initials and case reference) or
# "reference" (case reference only). Pages are not affected (notifications.naming).
EMAIL_CHILD_NAMES = env("EMAIL_CHILD_NAMES", default="initials")
# The email channel: "smtp" (EMAIL_BACKEND and the settings above) or "notify" (GOV.UK Notify,
# notifications.govuk_notify; README, "GOV.UK Notify").
EMAIL_CHANNEL = env("EMAIL_CHANNEL", default="smtp")
# The API key from Notify's "API integration" page: <key name>-<service id>-<secret>.
NOTIFY_API_KEY = env("NOTIFY_API_KEY", default="")
# Empty: the client's own (Notify's API). Tests point it at a fake on 127.0.0.1.
NOTIFY_BASE_URL = env("NOTIFY_BASE_URL", default="")
# Each message kind's Notify template id, as a JSON object: {"delegated": "<template id>", ...}.
# Every kind needs one: a system check lists those missing.
NOTIFY_TEMPLATES = env.json("NOTIFY_TEMPLATES", default={})
# The bearer token set for delivery receipts in Notify (its "Callbacks" page); empty: receipts
# are refused.
NOTIFY_CALLBACK_TOKEN = env("NOTIFY_CALLBACK_TOKEN", default="")

# Cache: Redis when REDIS_URL is set, otherwise memory in each process ------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="prp"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when REDIS_URL is set; otherwise Kombu's filesystem transport, which needs no
# server, so the embedded default still runs a real worker and scheduler. ---------------------
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # max_retries 0: when Redis is down, waking the worker fails at once instead of holding
    # up the page; the outbox row waits and the every-minute sender sends it later.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "max_retries": 0}
else:
    # Kombu's filesystem transport, writing each message whole (config/broker.py says why).
    CELERY_BROKER_URL = "filesystem-atomic://"
    for folder in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The scheduled packs go out from this hour (Europe/London) on their send day.
PACK_SEND_HOUR = env.int("PACK_SEND_HOUR", default=8)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "prp.tasks.heartbeat", "schedule": 60.0},
    # Catches anything a worker was not woken for (e.g. while the broker was down).
    "send-outbox": {"task": "notifications.send_outbox", "schedule": 60.0},
    # Reminders and chases: queued at any hour, sent only in working hours on working days.
    "chase": {"task": "notifications.chase", "schedule": crontab(minute="*/15")},
    # Digests go out at the start of each working morning; a later run the same day (e.g.
    # after the worker was down at 08:05) sends any digest not yet sent, never a second one.
    "daily-digests": {
        "task": "notifications.daily_digests",
        "schedule": crontab(hour="8-17", minute=5),
    },
    # Immediate safeguarding (Blackpool): the 24-hour contact is chased every hour, at any hour.
    "chase-safeguarding-contacts": {
        "task": "escalations.chase_safeguarding_contacts",
        "schedule": crontab(minute=0),
    },
    # The weekly clinic pack and the monthly themes report (dashboards.sending): each job decides
    # by the calendar rule whether a pack is due (a bank-holiday Monday sends on Tuesday) and
    # sends each period once; the runs after 08:00 catch up when the worker was down at 08:00.
    "clinic-pack": {
        "task": "dashboards.send_clinic_packs",
        "schedule": crontab(hour=f"{PACK_SEND_HOUR}-17", minute=0),
    },
    "themes-report": {
        "task": "dashboards.send_themes_reports",
        "schedule": crontab(hour=f"{PACK_SEND_HOUR}-17", minute=0),
    },
    # Closed concerns leave the working lists CONCERN_ARCHIVE_AFTER_DAYS after they closed.
    "archive-closed-concerns": {
        "task": "prp.archive_closed_concerns",
        "schedule": crontab(hour=2, minute=30),
    },
}

# Working-day calendar: how long a process trusts its copy of closure days before checking
# whether an administrator changed them (seconds).
WORKDAYS_CACHE_SECONDS = env.int("WORKDAYS_CACHE_SECONDS", default=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint (the PDFs) writes a line per step and page at INFO: only its warnings are kept.
    "loggers": {
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Notifications ------------------------------------------------------------------------------
# /health/ tells everyone the status alone; a request carrying this token in the X-Health-Token
# header (or an administrator signed in) also gets which part is down and why. Empty: no token.
HEALTH_TOKEN = env("HEALTH_TOKEN", default="")
# The address links in emails start with (no trailing slash).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Reminders and chases go out on working days between these hours (Europe/London).
WORKING_HOURS_START = env.int("WORKING_HOURS_START", default=8)
WORKING_HOURS_END = env.int("WORKING_HOURS_END", default=18)
# An overdue response is chased again every this many working days until it is answered.
CHASE_EVERY_WORKING_DAYS = env.int("CHASE_EVERY_WORKING_DAYS", default=2)
# Warn the reviewing service when formal stages are this many working days from the limit.
FORMAL_LIMIT_WARNING_DAYS = env.int("FORMAL_LIMIT_WARNING_DAYS", default=3)
# The dashboards count a formal concern as resolved in time if its formal stages took at most
# this many working days (Gloucestershire: 20).
DASHBOARD_FORMAL_TARGET_DAYS = env.int("DASHBOARD_FORMAL_TARGET_DAYS", default=20)
# The outbox gives up on a message after this many failed attempts (then it shows in the admin).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
# A sender holds the messages it claimed for this many seconds, renewing the hold every quarter
# of it while it sends; if it dies, what it held goes back to the queue when the hold runs out.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=120)
# Messages claimed at once and sent over one connection to the mail server.
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=100)
# Publishing to the broker must never hold up a page: fail fast, the periodic sender catches up.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2

# Retention and archiving (README: "Retention and archiving") --------------------------------------
# A resolved or withdrawn concern is archived this many days after it closed: it leaves the working
# lists but stays on the child's page, on its own page and in the figures.
CONCERN_ARCHIVE_AFTER_DAYS = env.int("CONCERN_ARCHIVE_AFTER_DAYS", default=365)
# `manage.py anonymise_expired` replaces the free text of concerns closed more than this many years
# ago, and the identifiers of children whose record closed more than this many years ago. The
# council sets it from its own retention schedule.
RETENTION_YEARS = env.int("RETENTION_YEARS", default=6)
# Audit (django-auditlog) ------------------------------------------------------------------------
# Take the person's address from X-Forwarded-For only behind a proxy we run that sets it;
# otherwise anyone could write any address into the audit trail.
AUDIT_TRUST_X_FORWARDED_FOR = env.bool("AUDIT_TRUST_X_FORWARDED_FOR", default=False)

# The API for the council's systems (README: "The API") ----------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.problem_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests each API client may make, counted per client in the cache; over it: 429 and
# Retry-After.
API_RATE_LIMIT = env("API_RATE_LIMIT", default="600/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Resolve a concern about a child's plan: API",
    "DESCRIPTION": "For the council's systems. Send `Authorization: Bearer <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_problems",
    ],
}

# Imports: files of this many bytes or more are imported by the worker, with a progress page
# and the result emailed; smaller ones are imported while the page waits (about 2,000 rows).
IMPORTS_BACKGROUND_BYTES = env.int("IMPORTS_BACKGROUND_BYTES", default=256 * 1024)
# New records of an import are written in batches (cases.services.children_load); off, each goes
# through the one-record services (the tests compare the two).
IMPORTS_BULK = env.bool("IMPORTS_BULK", default=True)
IMPORTS_BATCH = 2000
