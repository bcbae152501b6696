import hashlib
import tempfile

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, REDIS_URL, REST_FRAMEWORK

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared memory: tests that run the worker on a thread write from two
    # connections at once, which shared-memory SQLite refuses ("table is locked") where a
    # file in WAL mode waits its turn. One per checkout: two checkouts testing at once on one
    # machine (a CI clone beside a working copy) would otherwise delete each other's.
    checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:12]
    DATABASES["default"]["TEST"] = {
        "NAME": f"{tempfile.gettempdir()}/referral-test-{checkout}.sqlite3"
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SMS_GATEWAY = "referral.accounts.sms.LocmemGateway"
SMS_CONSOLE_DELAY_SECONDS = (0.0, 0.0)
SMS_DELIVER_ON_COMMIT = True
WEBHOOKS_DELIVER_ON_COMMIT = True
REST_FRAMEWORK = {**REST_FRAMEWORK, "TEST_REQUEST_DEFAULT_FORMAT": "json"}
