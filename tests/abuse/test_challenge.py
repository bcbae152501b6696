"""The proof-of-work check alone: only our own, unexpired, unused solution for the number."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from harness.challenge import solve
from referral.abuse import challenge

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PHONE = "+79991234567"


def solved(*, phone=PHONE, difficulty=1000, now=NOW) -> str:
    return solve(challenge.new(phone=phone, difficulty=difficulty, now=now))


def encoded(value) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def test_a_solution_is_accepted_once():
    answer = solved()

    assert challenge.accepts(answer, phone=PHONE, difficulty=1000, now=NOW)
    assert not challenge.accepts(answer, phone=PHONE, difficulty=1000, now=NOW)


def test_a_solution_is_bound_to_its_number_its_difficulty_and_its_lifetime():
    assert not challenge.accepts(solved(), phone="+79991234568", difficulty=1000, now=NOW)
    assert not challenge.accepts(solved(), phone=PHONE, difficulty=1001, now=NOW)
    late = NOW + timedelta(seconds=300)
    assert not challenge.accepts(solved(), phone=PHONE, difficulty=1000, now=late)
    assert challenge.accepts(
        solved(), phone=PHONE, difficulty=1000, now=late - timedelta(seconds=1)
    )


def test_a_solution_signed_with_another_key_is_refused(settings):
    answer = solved()
    settings.SECRET_KEY = "another-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"

    assert not challenge.accepts(answer, phone=PHONE, difficulty=1000, now=NOW)


def test_a_wrong_number_is_refused():
    payload = json.loads(base64.b64decode(solved()))
    payload["number"] += 1

    assert not challenge.accepts(encoded(payload), phone=PHONE, difficulty=1000, now=NOW)


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "not base64!",
        "////",
        base64.b64encode(b"\xff\xfe").decode(),
        encoded([]),
        encoded({}),
        encoded("text"),
        encoded(None),
        encoded({"algorithm": "SHA-256", "challenge": 1, "salt": "", "signature": "", "number": 1}),
        encoded({"algorithm": "MD5", "challenge": "", "salt": "", "signature": "", "number": 1}),
        encoded(
            {"algorithm": "SHA-256", "challenge": "", "salt": "", "signature": "", "number": "1"}
        ),
        encoded(
            {"algorithm": "SHA-256", "challenge": "", "salt": "", "signature": "", "number": True}
        ),
        encoded(
            {"algorithm": "SHA-256", "challenge": "", "salt": "?", "signature": "", "number": 1}
        ),
    ],
)
def test_hostile_payloads_are_refused_without_an_exception(hostile):
    assert not challenge.accepts(hostile, phone=PHONE, difficulty=1000, now=NOW)
