from .base import *  # noqa: F403
from .base import CACHES, REST_FRAMEWORK

# The embedded Redis is shared with a `make run` of the same checkout: the tests keep to
# database 1 (every test flushes it), development to 0.
if CACHES["default"]["LOCATION"].endswith("?db=0"):
    CACHES["default"]["LOCATION"] = CACHES["default"]["LOCATION"][: -len("0")] + "1"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMS_GATEWAY = "referral.accounts.sms.LocmemGateway"
SMS_CONSOLE_DELAY_SECONDS = (0.0, 0.0)
SMS_DELIVER_ON_COMMIT = True
WEBHOOKS_DELIVER_ON_COMMIT = True
REST_FRAMEWORK = {**REST_FRAMEWORK, "TEST_REQUEST_DEFAULT_FORMAT": "json"}
