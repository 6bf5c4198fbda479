"""Settings shared by every environment. Everything deployment-specific comes from
the environment through ``haki.env``; see docs/configuration.md for the full list."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from haki.env import env_bool, env_int, env_list, env_networks, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Local state of the embedded set-up (SQLite databases, collected static files).
VAR_DIR = Path(env_str("HAKI_VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_secret("HAKI_SECRET_KEY") or ""
DEBUG = env_bool("HAKI_DEBUG", False)
ALLOWED_HOSTS = env_list("HAKI_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

# Master key(s) that wrap every organisation's data keys: comma- or line-separated
# Fernet keys, newest first. Never stored in the database or the repository.
_master = env_secret("HAKI_MASTER_KEY") or ""
HAKI_MASTER_KEYS = [k.strip() for k in _master.replace("\n", ",").split(",") if k.strip()]

# Neutral by default: nothing on a seized phone or a shared screen reveals the purpose.
HAKI_SITE_NAME = env_str("HAKI_SITE_NAME") or "Portal"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    "huey.contrib.djhuey",
    "haki",
    "haki.core",
    "haki.members",
    "haki.messaging",
    "haki.crisis",
    "haki.surveys",
    "haki.cases",
    "haki.reports",
    "haki.referrals",
    "haki.simulator",
    "haki.credentials",
    "haki.partnership",
    "haki.ussd",
    "haki.api",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "haki.messaging.middleware.GatewayMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "haki.core.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "haki.core.middleware.StaffAccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "haki.core.middleware.PrivatePageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "haki.urls"
WSGI_APPLICATION = "haki.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide templates first, so they override those of third-party apps.
        "DIRS": [BASE_DIR / "haki" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "haki.core.context_processors.haki",
            ],
        },
    },
]


def database_from_url(url: str) -> dict:
    # No health check (a SELECT 1 before every request's first query): after a database
    # restart a stale connection fails one request and is replaced, and a gateway's
    # text caught by that failure goes to the spool, not lost. Every webhook saves a
    # round trip.
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=False)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL lets the web server read while the worker writes; IMMEDIATE transactions
        # take the write lock up front so concurrent writers queue instead of failing.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Values sent apart from the statement, and statements the server has seen five
        # times prepared by psycopg: no parsing and planning of every text's INSERT.
        # Django turns psycopg's preparing off unless told (``prepare_threshold``).
        config["OPTIONS"] = {
            "server_side_binding": True,
            "prepare_threshold": 5,
            **config.get("OPTIONS", {}),
        }
    return config


DATABASE_URL = env_secret("HAKI_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'haki.sqlite3'}"
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def huey_from_url(url: str | None, name: str = "haki") -> dict:
    """Huey on SQLite (embedded default) or on Redis (scale-out)."""
    # An idle consumer polls at most every 0.1 s (Huey's default backs off to 10 s, far
    # too long for an alert arriving at a quiet hour; a poll costs ~0.1 ms of CPU); on
    # Redis it blocks on the queue instead.
    consumer = {"initial_delay": 0.02, "backoff": 1.15, "max_delay": 0.1}
    # Results are never read (the database is the truth); stored, they would pile up
    # in Redis by one per text for ever.
    common = {
        "name": name,
        "immediate": False,
        "utc": True,
        "results": False,
        "consumer": consumer,
    }
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        # The priority queue (a sorted set, Redis 5 or later): a prompt to send an alert's
        # texts goes ahead of the prompts already waiting. Under a name of its own: the
        # list an earlier version queued on would answer WRONGTYPE to a sorted set's
        # commands, so an upgrade needs no step in Redis (what waited in the old list is
        # made again from the database by the workers' start and their sweep).
        priority = {**common, "name": f"{name}.priority"}
        return {**priority, "huey_class": "huey.PriorityRedisHuey", "url": url, "blocking": True}
    filename = url.removeprefix("sqlite:///") if url else str(VAR_DIR / "huey.sqlite3")
    return {**common, "huey_class": "huey.SqliteHuey", "filename": filename}


# Several installations may share one Redis server under different names.
HUEY = huey_from_url(env_secret("HAKI_HUEY_URL"), name=env_str("HAKI_HUEY_NAME") or "haki")

# Messaging. Gateways are told to report deliveries to HAKI_CALLBACK_BASE_URL.
# Unset, it is this machine at PORT, where `haki serve` listens (`PORT=9000 make run`).
HAKI_CALLBACK_BASE_URL = (
    env_str("HAKI_CALLBACK_BASE_URL") or f"http://127.0.0.1:{env_int('PORT', 8000, minimum=1)}"
)
# Reverse proxies whose X-Forwarded-For is believed (sign-in lockout, channel allowlists).
# Loopback only by default: nothing outside the host can arrive from there.
HAKI_TRUSTED_PROXIES = env_networks("HAKI_TRUSTED_PROXIES", "127.0.0.1,::1")
HAKI_SPOOL_DIR = Path(env_str("HAKI_SPOOL_DIR") or VAR_DIR / "spool")
HAKI_SEND_ATTEMPTS = env_int("HAKI_SEND_ATTEMPTS", 6, minimum=1)
HAKI_SEND_LEASE_SECONDS = env_int("HAKI_SEND_LEASE_SECONDS", 120, minimum=1)
HAKI_AUTO_REPLY_HOURS = env_int("HAKI_AUTO_REPLY_HOURS", 24, minimum=1)
# How many drain tasks share a broadcast's sending (each a worker thread while it runs).
HAKI_DRAIN_TASKS = env_int("HAKI_DRAIN_TASKS", 4, minimum=1)
# A drain claims at most this many texts at once (fewer on a slow channel: a twentieth
# of a second of its limit), and hands them to the gateway over this many connections.
HAKI_SEND_BATCH = env_int("HAKI_SEND_BATCH", 50, minimum=1)
HAKI_SEND_CONNECTIONS = env_int("HAKI_SEND_CONNECTIONS", 12, minimum=1)
# A prompt to route a text routes at most this many received texts in one transaction.
HAKI_ROUTE_BATCH = env_int("HAKI_ROUTE_BATCH", 50, minimum=1)

# Monitoring (haki/monitoring.py): /healthz/backlog and /metrics answer a bearer token or
# an address in the allowlist (loopback only by default), and 404 anyone else.
HAKI_MONITORING_TOKEN = env_secret("HAKI_MONITORING_TOKEN") or ""
HAKI_MONITORING_ALLOWED_IPS = env_networks("HAKI_MONITORING_ALLOWED_IPS", "127.0.0.1,::1")
# /healthz/backlog answers 503 past any of these.
HAKI_BACKLOG_MAX_SPOOL = env_int("HAKI_BACKLOG_MAX_SPOOL", 0, minimum=0)
HAKI_BACKLOG_MAX_UNROUTED_SECONDS = env_int("HAKI_BACKLOG_MAX_UNROUTED_SECONDS", 60, minimum=1)
HAKI_BACKLOG_MAX_OVERDUE_SECONDS = env_int("HAKI_BACKLOG_MAX_OVERDUE_SECONDS", 120, minimum=1)

# Checks of outreach workers' cards: a phone number or an address that fails this many
# checks in one period is refused until the next, so codes cannot be enumerated.
HAKI_CHECK_FAILURES = env_int("HAKI_CHECK_FAILURES", 10, minimum=1)
HAKI_CHECK_PERIOD_SECONDS = env_int("HAKI_CHECK_PERIOD_SECONDS", 900, minimum=60)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "two_factor:login"
TWO_FACTOR_PATCH_ADMIN = False
TWO_FACTOR_REMEMBER_COOKIE_AGE = None
OTP_TOTP_ISSUER = HAKI_SITE_NAME

# Lockout after repeated failures, per account and client address (as the trusted
# proxies report it), so a stranger's failures never lock out the account's owner.
# The handler stores no form data: no tried password is ever written down.
AXES_HANDLER = "haki.core.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "haki.core.proxies.client_address"
AXES_PASSWORD_FORM_FIELD = "auth-password"  # noqa: S105 - a field name, masked in logs
AXES_FAILURE_LIMIT = env_int("HAKI_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("HAKI_LOGIN_COOLOFF_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False

# Idle timeout: every request pushes the expiry forward; silence logs the user out.
SESSION_COOKIE_AGE = env_int("HAKI_IDLE_TIMEOUT_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = (
    "same-origin"  # "no-referrer" makes Chromium send Origin: null, failing CSRF
)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("sw", _("Swahili")),
    ("ru", _("Russian")),
    ("ky", _("Kyrgyz")),
    ("te", _("Telugu")),
    ("my", _("Burmese")),
]
LOCALE_PATHS = [BASE_DIR / "haki" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Logs never carry personal data: views and models log references only, and the
# redacting formatter below removes anything shaped like a phone number, from tracebacks
# too, and channel UUIDs from gateway URLs, as a last guard.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "class": "haki.core.logging.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("HAKI_LOG_LEVEL") or "INFO"},
    "loggers": {
        # SQL with its parameters, only when asked for: ciphertext and indexes, never plaintext.
        "django.db.backends": {"level": "DEBUG" if env_bool("HAKI_LOG_SQL") else "INFO"},
        "axes": {"level": "WARNING"},
        # Given a handler here, the worker does not add its own and log everything twice.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# The phone simulator (channel type ``sim`` and its page): demo and development only.
# With it off, its page is not found and a ``sim`` channel stops Haki from starting.
HAKI_SIMULATOR = False
# The read-only API: organisation-scoped tokens only, JSON only, its schema at /api/schema/.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["haki.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "haki.api.authentication.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Haki API",
    "DESCRIPTION": (
        "Read-only figures: the programme's indicators, case aggregates and the services directory."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
