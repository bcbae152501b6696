"""The reads of the login records (referral.accounts.selectors)."""

from datetime import timedelta

import pytest

from referral.accounts import selectors

from ..factories import PHONE
from .test_services import IP, guess_wrong

pytestmark = pytest.mark.django_db


def test_the_code_state_tells_expiry_attempts_and_resend(request_code, now):
    request_code(now=now)
    guess_wrong(now + timedelta(seconds=20), ip=IP)

    state = selectors.code_state(phone=PHONE, ip=IP, now=now + timedelta(seconds=30))

    assert state == selectors.CodeState(expires_in=270, attempts_left=4, resend_in=30)
    stranger = selectors.code_state(phone=PHONE, ip="198.51.100.9", now=now + timedelta(seconds=30))
    assert stranger.attempts_left == 5 and stranger.resend_in == 0


def test_the_code_state_of_a_spent_code_lets_a_new_one_be_asked_for_at_once(request_code, now):
    request_code(now=now)
    for _ in range(5):
        guess_wrong(now, ip=IP)

    state = selectors.code_state(phone=PHONE, ip=IP, now=now + timedelta(seconds=1))

    assert state.attempts_left == 0 and state.resend_in == 0


def test_the_code_state_before_any_code_is_empty(now):
    assert selectors.code_state(phone=PHONE, ip=IP, now=now) == selectors.CodeState(
        expires_in=0, attempts_left=0, resend_in=0
    )


def test_the_code_state_reads_the_newest_code_once_during_a_cooldown(
    request_code, now, django_assert_num_queries
):
    request_code(now=now)

    with django_assert_num_queries(2):  # the newest code with its guesses, and the SMS sent
        state = selectors.code_state(phone=PHONE, ip=IP, now=now + timedelta(seconds=10))

    assert state.resend_in == 50
