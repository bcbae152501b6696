"""Production: DEBUG off, PostgreSQL and Redis required, durable SMS queue, JSON logs."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL, check_test_phone_numbers, env, real_secret_key, whole

DEBUG = False
SECRET_KEY = real_secret_key()
check_test_phone_numbers(DEBUG)
for hook in ["INVITE_CODE_ALPHABET"]:  # for tests only: they would weaken a real deployment
    if hook in os.environ:
        raise ImproperlyConfigured(f"{hook} is a test hook; production refuses it.")

if not DATABASES:
    raise ImproperlyConfigured("Set DATABASE_URL (PostgreSQL) in production.")
if not REDIS_URL:
    raise ImproperlyConfigured("Set REDIS_URL in production.")

MIDDLEWARE = [*MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = whole("SECURE_HSTS_SECONDS", 31536000, low=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
if TRUSTED_PROXY_COUNT:  # noqa: F405 - the proxy terminates TLS and says so
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)

LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
LOGGING["loggers"]["django.server"]["level"] = "ERROR"  # noqa: F405
