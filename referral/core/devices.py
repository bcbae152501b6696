"""Device cookies: a browser that logged in to an account before is let through the lockouts
a stranger can set off for that account (OWASP, "Slow Down Online Guessing Attacks with
Device Cookies").

At a successful login the browser gets a cookie that names the account and a random nonce,
signed with SECRET_KEY (django.core.signing, its own salt). Later, for that account, the
request comes from a *known device*: throttles and pauses keyed by the account (which a
stranger can fill with wrong guesses) do not apply to it. A device has its own small
limit instead: once DEVICE_FAILURES_LIMIT tries on it failed within 24 hours, the cookie
is trusted no more, and that browser is a stranger too until it logs in again. Each
successful login issues a fresh cookie (a new nonce, with no failures); a copy of the old
one keeps its count.

    remember_device(response, user_id, now=now)   # at every successful login
    known_device(request, user_id, now=now)       # is it? (reads, counts nothing)
    claim_try(request, user_id, now=now)          # count a try first; True: let it through

`claim_try` is for checking a secret (a password, a code): it counts the try before the
secret is compared (one atomic increment in the cache), so parallel tries from a copy of
the cookie get at most the limit, and it answers whether this try may skip the
account's lockout. A caller that only needs to know (to show a page) uses `known_device`.

The cookie is `DEVICE_COOKIE_NAME`, HttpOnly, SameSite=Lax, Secure when the session
cookie is (SESSION_COOKIE_SECURE: production over HTTPS), and lives DEVICE_COOKIE_DAYS.
One browser remembers one account: a login to another replaces it.
"""

import secrets
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from . import counters

DEVICE_COOKIE_NAME = "device"
SALT = "referral.core.devices"
FAILURES_WINDOW_SECONDS = 24 * 3600


def remember_device(response: HttpResponse, user_id: int, *, now: datetime) -> None:
    """Set the cookie that makes this browser a known device of `user_id` from `now` on."""
    value = signing.dumps(
        {"user": user_id, "nonce": secrets.token_urlsafe(16), "issued": int(now.timestamp())},
        salt=SALT,
    )
    response.set_cookie(
        DEVICE_COOKIE_NAME,
        value,
        max_age=settings.DEVICE_COOKIE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def known_device(request: HttpRequest, user_id: int, *, now: datetime) -> bool:
    """Whether the request comes from a known device of `user_id`, still trusted."""
    nonce = _nonce(request, user_id, now)
    if nonce is None:
        return False
    tries = counters.read([_tries_key(nonce)]).get(_tries_key(nonce), 0)
    return tries < settings.DEVICE_FAILURES_LIMIT


def claim_try(request: HttpRequest, user_id: int, *, now: datetime) -> bool:
    """Count one try of a secret on this device, before it is compared; True when it comes
    from a known device of `user_id` and is within the device's limit. A try that then
    succeeds is followed by `remember_device`, whose new nonce starts again at none."""
    nonce = _nonce(request, user_id, now)
    if nonce is None:
        return False
    (tries,) = counters.bump({_tries_key(nonce): FAILURES_WINDOW_SECONDS})
    return tries <= settings.DEVICE_FAILURES_LIMIT


def _nonce(request: HttpRequest, user_id: int, now: datetime) -> str | None:
    """The nonce of the request's device cookie when it is genuine, not too old and issued
    to `user_id`; None otherwise."""
    raw = request.COOKIES.get(DEVICE_COOKIE_NAME)
    if not raw:
        return None
    try:
        payload = signing.loads(raw, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("user") != user_id:
        return None
    issued, nonce = payload.get("issued"), payload.get("nonce")
    if not isinstance(issued, int) or not isinstance(nonce, str):
        return None
    age = now.timestamp() - issued  # a little below 0: another server's clock runs ahead
    if not -300 <= age < settings.DEVICE_COOKIE_DAYS * 24 * 3600:
        return None
    return nonce


def _tries_key(nonce: str) -> str:
    return f"device:tries:{nonce}"
