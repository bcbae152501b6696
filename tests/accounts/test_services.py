from datetime import timedelta

import pytest
from django.utils import timezone

from referral.accounts import services, sms
from referral.accounts.models import Phone, PhoneCode, User
from referral.core import errors

from ..factories import PHONE, make_user, new_phone

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def request_code(django_capture_on_commit_callbacks):
    def request(phone=PHONE, *, now, ip=IP):
        with django_capture_on_commit_callbacks(execute=True):
            services.request_code(phone=phone, ip=ip, now=now)
        return sms.outbox[-1].text.rsplit(" ", 1)[-1]

    return request


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def test_request_code_sends_a_four_digit_code_to_the_phone(request_code, now):
    code = request_code(now=now)

    assert sms.outbox[-1].phone == PHONE
    assert len(code) == 4 and code.isascii() and code.isdigit()


def test_request_code_stores_only_a_keyed_hash_of_the_code(request_code, now):
    code = request_code(now=now)

    stored = PhoneCode.objects.get()
    assert code not in stored.code_hash
    assert len(stored.code_hash) == 64
    assert stored.expires_at == now + timedelta(minutes=5)


def test_request_code_creates_no_user(request_code, now):
    request_code(now=now)

    assert not User.objects.exists()


def test_request_code_refuses_a_second_code_within_60_seconds(request_code, now):
    request_code(now=now)

    with pytest.raises(errors.Throttled) as caught:
        request_code(now=now + timedelta(seconds=45))
    assert caught.value.retry_after == 15
    assert len(sms.outbox) == 1
    request_code(now=now + timedelta(seconds=60))
    assert len(sms.outbox) == 2


def test_cooldown_ends_once_the_code_is_used(request_code, now):
    code = request_code(now=now)
    services.verify_code(phone=PHONE, code=code, now=now + timedelta(seconds=5))

    request_code(now=now + timedelta(seconds=10))

    assert len(sms.outbox) == 2


def test_a_new_code_supersedes_the_previous_one(request_code, now):
    first = second = request_code(now=now)
    while second == first:  # codes are random: draw until they differ (1 in 10,000 repeats)
        now += timedelta(seconds=61)
        second = request_code(now=now)

    with pytest.raises(errors.CodeInvalid):
        services.verify_code(phone=PHONE, code=first, now=now)
    user, _ = services.verify_code(phone=PHONE, code=second, now=now)
    assert str(user.phone) == PHONE


def test_at_most_five_codes_per_phone_per_hour(request_code, now):
    for minute in range(5):
        request_code(now=now + timedelta(minutes=minute * 2))

    with pytest.raises(errors.Throttled) as caught:
        request_code(now=now + timedelta(minutes=20))
    assert caught.value.retry_after == 40 * 60
    request_code(now=now + timedelta(minutes=60, seconds=1))


def test_at_most_ten_codes_per_phone_per_day(request_code, now):
    for hour in range(10):
        request_code(now=now + timedelta(hours=hour * 2))

    with pytest.raises(errors.Throttled):
        request_code(now=now + timedelta(hours=21))
    request_code(now=now + timedelta(hours=24, seconds=1))


def test_at_most_fifty_codes_per_ip_per_hour(request_code, now):
    for _ in range(50):
        request_code(new_phone(), now=now)

    with pytest.raises(errors.Throttled):
        request_code(new_phone(), now=now)
    request_code(new_phone(), now=now, ip="198.51.100.1")


def test_the_daily_sms_budget_stops_all_sending(request_code, now, settings):
    settings.SMS_DAILY_BUDGET = 3
    for _ in range(3):
        request_code(new_phone(), now=now)

    with pytest.raises(errors.SmsBudgetExhausted):
        request_code(new_phone(), now=now, ip="198.51.100.1")
    assert len(sms.outbox) == 3


def test_otp_length_follows_the_setting(request_code, now, settings):
    settings.OTP_LENGTH = 6

    assert len(request_code(now=now)) == 6


def test_first_verification_creates_the_user_with_an_invite_code(request_code, now):
    code = request_code(now=now)

    user, created = services.verify_code(phone=PHONE, code=code, now=now)

    assert created
    assert User.objects.get() == user
    assert len(user.invite_code) == 6


def test_the_invite_code_never_changes_on_later_logins(request_code, now):
    user, _ = services.verify_code(phone=PHONE, code=request_code(now=now), now=now)
    later = now + timedelta(minutes=1)

    again, created = services.verify_code(phone=PHONE, code=request_code(now=later), now=later)

    assert not created
    assert again.pk == user.pk and again.invite_code == user.invite_code


def test_verify_refuses_an_expired_code(request_code, now):
    code = request_code(now=now)

    with pytest.raises(errors.CodeExpired):
        services.verify_code(phone=PHONE, code=code, now=now + timedelta(minutes=5))


def test_a_code_works_only_once(request_code, now):
    code = request_code(now=now)
    services.verify_code(phone=PHONE, code=code, now=now)

    with pytest.raises(errors.CodeInvalid):
        services.verify_code(phone=PHONE, code=code, now=now)


def test_verify_without_any_code_requested_is_refused(now):
    with pytest.raises(errors.CodeInvalid):
        services.verify_code(phone=PHONE, code="1234", now=now)
    assert not Phone.objects.exists()


def test_verify_refuses_the_right_code_after_five_wrong_guesses(request_code, now):
    code = request_code(now=now)
    for _ in range(4):
        with pytest.raises(errors.CodeInvalid):
            services.verify_code(phone=PHONE, code=wrong(code), now=now)
    with pytest.raises(errors.TooManyAttempts):
        services.verify_code(phone=PHONE, code=wrong(code), now=now)

    with pytest.raises(errors.TooManyAttempts):
        services.verify_code(phone=PHONE, code=code, now=now)
    assert PhoneCode.objects.get().attempts == 5
    assert not User.objects.exists()


def fail_with_fresh_codes(request_code, now, failures):
    """Spend `failures` wrong guesses over as many codes as needed; return the time after."""
    while failures:
        code = request_code(now=now)
        for _ in range(min(5, failures)):
            with pytest.raises((errors.CodeInvalid, errors.TooManyAttempts)):
                services.verify_code(phone=PHONE, code=wrong(code), now=now)
            failures -= 1
        now += timedelta(hours=3)  # clear of the hourly and daily sending limits
    return now


def test_twenty_failures_in_a_row_pause_the_phone_for_an_hour(request_code, now, settings):
    settings.OTP_PER_PHONE_PER_DAY = 100
    now = fail_with_fresh_codes(request_code, now, 19)
    code = request_code(now=now)
    with pytest.raises(errors.CodeInvalid):
        services.verify_code(phone=PHONE, code=wrong(code), now=now)

    with pytest.raises(errors.PhonePaused) as caught:
        services.verify_code(phone=PHONE, code=code, now=now)
    assert caught.value.retry_after == 3600
    with pytest.raises(errors.PhonePaused):
        request_code(now=now + timedelta(minutes=59))
    later = now + timedelta(hours=1)
    services.verify_code(phone=PHONE, code=request_code(now=later), now=later)


def test_one_hundred_failures_lock_the_phone_until_an_operator_unlocks_it(
    request_code, now, settings
):
    settings.OTP_PER_PHONE_PER_DAY = 100
    settings.LOGIN_PAUSE_SECONDS = 0
    now = fail_with_fresh_codes(request_code, now, 100)

    with pytest.raises(errors.PhoneLocked):
        request_code(now=now + timedelta(days=30))
    services.unlock_phone(phone=Phone.objects.get())
    later = now + timedelta(days=30)
    services.verify_code(phone=PHONE, code=request_code(now=later), now=later)
    assert Phone.objects.get().failed_attempts == 0


def test_a_success_resets_the_failure_count(request_code, now):
    code = request_code(now=now)
    with pytest.raises(errors.CodeInvalid):
        services.verify_code(phone=PHONE, code=wrong(code), now=now)

    services.verify_code(phone=PHONE, code=code, now=now)

    assert Phone.objects.get().failed_attempts == 0


def test_log_in_activates_an_invite_code_at_sign_up(request_code, now):
    inviter = make_user()

    login = services.log_in(
        phone=PHONE, code=request_code(now=now), ip=IP, now=now, invite_code=inviter.invite_code
    )

    assert login.created and login.invite_error is None
    assert User.objects.get(pk=login.user.pk).invited_by == inviter


def test_log_in_keeps_the_login_when_the_invite_code_fails(request_code, now):
    login = services.log_in(
        phone=PHONE, code=request_code(now=now), ip=IP, now=now, invite_code="ZZZZZZ"
    )

    assert login.created
    assert isinstance(login.invite_error, errors.InviteNotFound)


def test_log_in_ignores_the_invite_code_for_an_existing_user(request_code, now):
    user = make_user(PHONE)
    inviter = make_user()

    login = services.log_in(
        phone=PHONE, code=request_code(now=now), ip=IP, now=now, invite_code=inviter.invite_code
    )

    assert not login.created
    assert User.objects.get(pk=user.pk).invited_by is None


def test_sign_up_draws_another_invite_code_after_a_collision(request_code, now, monkeypatch):
    taken = make_user().invite_code
    draws = iter([taken, taken, "NEWC0D"])
    monkeypatch.setattr(services, "new_invite_code", lambda: next(draws))

    user, created = services.verify_code(phone=PHONE, code=request_code(now=now), now=now)

    assert created and user.invite_code == "NEWC0D"


def test_a_test_number_gets_its_fixed_code_and_no_sms(settings, request_code, now):
    settings.TEST_PHONE_CODES = {"+79990000000": "4321"}
    with_sms_before = len(sms.outbox)

    services.request_code(phone="+79990000000", ip=IP, now=now)
    services.request_code(phone="+79990000000", ip=IP, now=now)  # no cooldown: no SMS is sent

    assert len(sms.outbox) == with_sms_before
    user, created = services.verify_code(phone="+79990000000", code="4321", now=now)
    assert created and str(user.phone) == "+79990000000"


def test_a_test_number_still_counts_wrong_guesses(settings, now):
    settings.TEST_PHONE_CODES = {"+79990000000": "4321"}
    services.request_code(phone="+79990000000", ip=IP, now=now)

    for _ in range(4):
        with pytest.raises(errors.CodeInvalid):
            services.verify_code(phone="+79990000000", code="1111", now=now)
    with pytest.raises(errors.TooManyAttempts):
        services.verify_code(phone="+79990000000", code="1111", now=now)
