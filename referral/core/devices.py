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

Services that do not see the request take the parsed cookie instead:
`device_of(request, now=now)` gives a `Device` (or None), checked with `trusted(device)`
and `claim(device)` against the account the service finds.

`claim_try` is for checking a secret (a password, a code): it counts the try before the
secret is compared (one atomic increment in the cache), so parallel tries from a copy of
the cookie get at most the limit, and it answers whether this try may skip the
account's lockout. A caller that only needs to know (to show a page) uses `known_device`.

The cookie is `DEVICE_COOKIE_NAME`, HttpOnly, SameSite=Lax, Secure when the session
cookie is (SESSION_COOKIE_SECURE: production over HTTPS), and lives DEVICE_COOKIE_DAYS.
One browser remembers one account: a login to another replaces it.
"""

import secrets
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Device:
    """A genuine, unexpired device cookie: the account it was issued to, and its nonce."""

    user_id: int
    nonce: str


def device_of(request: HttpRequest, *, now: datetime) -> Device | None:
    """The request's device cookie when it is genuine and not too old; None otherwise.
    Whose it is and whether it is still trusted are the caller's questions (trusted, claim)."""
    payload = _payload(request, now)
    return None if payload is None else Device(payload["user"], payload["nonce"])


def trusted(device: Device) -> bool:
    """Whether `device` is within its failure limit (reads, counts nothing)."""
    key = _tries_key(device.nonce)
    return counters.read([key]).get(key, 0) < settings.DEVICE_FAILURES_LIMIT


def claim(device: Device) -> bool:
    """Count one try of a secret on `device`, before it is compared; True while it is within
    the device's limit. A try that then succeeds is followed by `remember_device`, whose new
    nonce starts again at none."""
    (tries,) = counters.bump({_tries_key(device.nonce): FAILURES_WINDOW_SECONDS})
    return tries <= settings.DEVICE_FAILURES_LIMIT


def known_device(request: HttpRequest, user_id: int, *, now: datetime) -> bool:
    """Whether the request comes from a known device of `user_id`, still trusted."""
    device = device_of(request, now=now)
    return device is not None and device.user_id == user_id and trusted(device)


def claim_try(request: HttpRequest, user_id: int, *, now: datetime) -> bool:
    """claim() for the request's device when it is a device of `user_id`; False otherwise."""
    device = device_of(request, now=now)
    return device is not None and device.user_id == user_id and claim(device)


def _payload(request: HttpRequest, now: datetime) -> dict | None:
    """The payload of the request's device cookie when it is genuine, well formed and not
    too old; None otherwise."""
    raw = request.COOKIES.get(DEVICE_COOKIE_NAME)
    if not raw:
        return None
    try:
        payload = signing.loads(raw, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or type(payload.get("user")) is not int:
        return None
    issued, nonce = payload.get("issued"), payload.get("nonce")
    if not isinstance(issued, int) or not isinstance(nonce, str):
        return None
    age = now.timestamp() - issued  # a little below 0: another server's clock runs ahead
    if not -300 <= age < settings.DEVICE_COOKIE_DAYS * 24 * 3600:
        return None
    return payload


def _tries_key(nonce: str) -> str:
    return f"device:tries:{nonce}"
