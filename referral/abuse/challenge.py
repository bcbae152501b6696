"""The proof-of-work challenge (ALTCHA, its v1 scheme: SHA-256 of salt + a secret number).

The server signs each challenge; the client finds the number and sends back a
base64 payload. A challenge is bound to one phone number and a difficulty, expires,
and is accepted once.
"""

import base64
import binascii
import json
import urllib.parse
from datetime import datetime, timedelta
from typing import Any, cast

from altcha.v1 import ChallengeOptions, PayloadType, create_challenge, verify_solution
from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac


def new(*, phone: str, difficulty: int, now: datetime) -> dict[str, Any]:
    """A signed challenge (the JSON the ALTCHA widget and solvers take)."""
    made = create_challenge(
        ChallengeOptions(
            hmac_key=_key(),
            max_number=difficulty,
            expires=now + timedelta(seconds=settings.SMS_CHALLENGE_TTL_SECONDS),
            params={"phone": phone, "difficulty": str(difficulty)},
        )
    )
    return made.to_dict()  # algorithm, challenge, maxNumber, salt, signature


def accepts(solution: str, *, phone: str, difficulty: int, now: datetime) -> bool:
    """Whether `solution` solves a challenge of ours for `phone`, hard enough, unexpired, unused."""
    payload = _decoded(solution)
    if payload is None:
        return False
    ok, _ = verify_solution(cast(PayloadType, payload), _key(), check_expires=False)
    if not ok:
        return False
    params = dict(urllib.parse.parse_qsl(payload["salt"].partition("?")[2].rstrip("&")))
    if (
        params.get("phone") != phone
        or not params.get("difficulty", "").isdigit()
        or int(params["difficulty"]) < difficulty
        or not params.get("expires", "").isdigit()
        or int(params["expires"]) <= now.timestamp()
    ):
        return False
    # Once only: the first request that shows the solution spends it.
    return cache.add(f"abuse:solved:{payload['signature']}", 1, settings.SMS_CHALLENGE_TTL_SECONDS)


def _decoded(solution: str) -> dict[str, Any] | None:
    """The payload's fields when it is base64 JSON of the right types; None otherwise."""
    try:
        payload = json.loads(base64.b64decode(solution, validate=True))
    except (binascii.Error, ValueError):
        return None
    text_fields = ("algorithm", "challenge", "salt", "signature")
    if (
        not isinstance(payload, dict)
        or not all(isinstance(payload.get(name), str) for name in text_fields)
        or type(payload.get("number")) is not int
    ):
        return None
    return payload


def _key() -> str:
    return salted_hmac("referral.altcha", "challenge key").hexdigest()
