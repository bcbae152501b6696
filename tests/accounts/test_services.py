import contextlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.crypto import salted_hmac

from harness.challenge import solve
from harness.servers import code_from_sms
from referral.accounts import models, selectors, services, sms
from referral.accounts.models import CodeMessage, Phone, PhoneCode, User, WrongGuess
from referral.core import devices, errors
from referral.core.sealing import unseal

from ..factories import PHONE, make_user, new_phone, wrong_code

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"


def test_request_code_sends_a_four_digit_code_to_the_phone(request_code, now):
    code = request_code(now=now)

    assert sms.outbox[-1].phone == PHONE
    assert len(code) == 4 and code.isascii() and code.isdigit()


def test_request_code_stores_only_a_keyed_hash_of_the_code(request_code, now, settings):
    code = request_code(now=now)

    stored = PhoneCode.objects.get()
    keyed = salted_hmac("referral.login-code", f"{PHONE}:{code}", algorithm="sha256")
    assert stored.code_hash == keyed.hexdigest()
    assert unseal(stored.sealed_code, max_age=300) == code  # kept only sealed, to send again
    assert stored.expires_at == now + timedelta(minutes=5)
    settings.SECRET_KEY = "another-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
    assert services.login_code_hash(phone=PHONE, code=code) != stored.code_hash
    assert unseal(stored.sealed_code, max_age=300) is None


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
    services.verify_code(phone=PHONE, ip=IP, code=code, now=now + timedelta(seconds=5))

    request_code(now=now + timedelta(seconds=10))

    assert len(sms.outbox) == 2


def test_cooldown_ends_once_the_address_has_spent_its_guesses(request_code, now):
    """After five wrong codes the page says "request a new one": that request goes through."""
    request_code(now=now)
    for _ in range(5):
        guess_wrong(now + timedelta(seconds=5), ip=IP)

    second = request_code(now=now + timedelta(seconds=10))

    assert len(sms.outbox) == 2  # the same code again (finding 13), with five more tries
    services.verify_code(phone=PHONE, ip=IP, code=second, now=now + timedelta(seconds=11))


def test_a_strangers_spent_guesses_do_not_shorten_the_owners_cooldown(request_code, now):
    request_code(now=now)
    for _ in range(5):
        guess_wrong(now + timedelta(seconds=5), ip="198.51.100.9")

    with pytest.raises(errors.Throttled):
        request_code(now=now + timedelta(seconds=10))


def test_a_cooldown_says_how_long_is_left(request_code, now):
    request_code(now=now)

    with pytest.raises(errors.Throttled) as caught:
        request_code(now=now + timedelta(seconds=18))

    assert str(caught.value.message) == "Слишком много запросов. Попробуйте снова через 42 с."


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(1, "1 с"), (119, "119 с"), (120, "2 мин"), (121, "3 мин"), (7199, "120 мин"), (7200, "2 ч")],
)
def test_waits_are_said_in_seconds_minutes_or_hours(seconds, said):
    assert str(errors.Throttled(retry_after=seconds).message).endswith(f"через {said}.")


@pytest.mark.usefixtures("fixed_counters_only")
def test_at_most_five_codes_per_phone_and_address_per_hour(request_code, now):
    for minute in range(5):
        request_code(now=now + timedelta(minutes=minute * 2))

    with pytest.raises(errors.Throttled) as caught:
        request_code(now=now + timedelta(minutes=20))
    assert caught.value.retry_after == 40 * 60
    request_code(now=now + timedelta(minutes=60, seconds=1))


def test_at_most_ten_codes_per_phone_and_address_per_day(request_code, now):
    for hour in range(10):
        request_code(now=now + timedelta(hours=hour * 2))

    with pytest.raises(errors.Throttled):
        request_code(now=now + timedelta(hours=21))
    request_code(now=now + timedelta(hours=24, seconds=1))


@pytest.mark.usefixtures("fixed_counters_only")
def test_at_most_fifty_codes_per_ip_per_hour(request_code, now):
    for _ in range(50):
        request_code(new_phone(), now=now)

    with pytest.raises(errors.Throttled):
        request_code(new_phone(), now=now)
    request_code(new_phone(), now=now, ip="198.51.100.1")


def test_past_the_daily_sms_budget_a_network_gets_its_ration_and_no_more(
    request_code, now, settings
):
    settings.SMS_DAILY_BUDGET, settings.SMS_RISK = 3, False
    for _ in range(3 + settings.SMS_BUDGET_OVERFLOW_PER_NETWORK):
        request_code(new_phone(), now=now)

    with pytest.raises(errors.SmsBudgetExhausted):
        request_code(new_phone(), now=now, ip="203.0.113.8")  # the same /24
    request_code(new_phone(), now=now, ip="198.51.100.1")  # another network
    assert len(sms.outbox) == 7


def test_otp_length_follows_the_setting(request_code, now, settings):
    settings.OTP_LENGTH = 6

    assert len(request_code(now=now)) == 6


def test_first_verification_creates_the_user_with_an_invite_code(request_code, now):
    code = request_code(now=now)

    user, created = services.verify_code(phone=PHONE, ip=IP, code=code, now=now)

    assert created
    assert User.objects.get() == user
    assert len(user.invite_code) == 6


def test_the_invite_code_never_changes_on_later_logins(request_code, now):
    user, _ = services.verify_code(phone=PHONE, ip=IP, code=request_code(now=now), now=now)
    later = now + timedelta(minutes=1)

    again, created = services.verify_code(
        phone=PHONE, ip=IP, code=request_code(now=later), now=later
    )

    assert not created
    assert again.pk == user.pk and again.invite_code == user.invite_code


def test_verify_refuses_an_expired_code(request_code, now):
    code = request_code(now=now)

    with pytest.raises(errors.CodeExpired):
        services.verify_code(phone=PHONE, ip=IP, code=code, now=now + timedelta(minutes=5))


def test_a_code_works_only_once(request_code, now):
    code = request_code(now=now)
    services.verify_code(phone=PHONE, ip=IP, code=code, now=now)

    with pytest.raises(errors.CodeInvalid):
        services.verify_code(phone=PHONE, ip=IP, code=code, now=now)


def test_verify_without_any_code_requested_is_refused(now):
    with pytest.raises(errors.CodeInvalid):
        services.verify_code(phone=PHONE, ip=IP, code="1234", now=now)
    assert not Phone.objects.exists()


def test_verify_refuses_the_right_code_after_five_wrong_guesses(request_code, now):
    code = request_code(now=now)
    for _ in range(4):
        with pytest.raises(errors.CodeInvalid):
            services.verify_code(phone=PHONE, ip=IP, code=wrong_code(code), now=now)
    with pytest.raises(errors.TooManyAttempts):
        services.verify_code(phone=PHONE, ip=IP, code=wrong_code(code), now=now)

    with pytest.raises(errors.TooManyAttempts):
        services.verify_code(phone=PHONE, ip=IP, code=code, now=now)
    assert WrongGuess.objects.count() == 5
    assert not User.objects.exists()


def test_sign_up_draws_another_invite_code_after_a_collision(request_code, now, monkeypatch):
    taken = make_user().invite_code
    draws = iter([taken, taken, "NEWC0D"])
    monkeypatch.setattr(models, "new_invite_code", lambda: next(draws))

    user, created = services.verify_code(phone=PHONE, ip=IP, code=request_code(now=now), now=now)

    assert created and user.invite_code == "NEWC0D"


def test_a_test_number_gets_its_fixed_code_and_no_sms(settings, now):
    settings.TEST_PHONE_CODES = {"+79990000000": "4321"}
    with_sms_before = len(sms.outbox)

    services.request_code(phone="+79990000000", ip=IP, now=now)
    services.request_code(phone="+79990000000", ip=IP, now=now)  # no cooldown: no SMS is sent

    assert len(sms.outbox) == with_sms_before
    user, created = services.verify_code(phone="+79990000000", ip=IP, code="4321", now=now)
    assert created and str(user.phone) == "+79990000000"


def test_a_test_number_still_counts_wrong_guesses(settings, now):
    settings.TEST_PHONE_CODES = {"+79990000000": "4321"}
    services.request_code(phone="+79990000000", ip=IP, now=now)

    for _ in range(4):
        with pytest.raises(errors.CodeInvalid):
            services.verify_code(phone="+79990000000", ip=IP, code="1111", now=now)
    with pytest.raises(errors.TooManyAttempts):
        services.verify_code(phone="+79990000000", ip=IP, code="1111", now=now)


# --- Guards: what a stranger can and cannot do (README "Security") ---

STRANGER = "198.51.100.66"
OWNER = "203.0.113.7"


def guess_wrong(now, ip=STRANGER, phone=PHONE) -> errors.DomainError:
    """One wrong guess at the newest code sent; return the error it got (always one)."""
    code = code_from_sms(sms.outbox[-1].text) if sms.outbox else "0000"
    with pytest.raises(errors.DomainError) as caught:
        services.verify_code(phone=phone, ip=ip, code=wrong_code(code), now=now)
    return caught.value


def guess_until_refused(now, ip=STRANGER) -> errors.DomainError:
    """Wrong guesses while they are merely wrong; return the first other answer."""
    while True:
        error = guess_wrong(now, ip=ip)
        if not isinstance(error, errors.CodeInvalid):
            return error


def test_a_request_while_the_code_is_fresh_sends_the_same_code_again(request_code, now):
    first = request_code(now=now, ip=STRANGER)

    again = request_code(now=now + timedelta(seconds=30), ip=OWNER)

    assert again == first and len(sms.outbox) == 2
    assert PhoneCode.objects.count() == 1 and CodeMessage.objects.count() == 2


def test_a_code_past_half_its_life_is_replaced_by_a_new_one(request_code, now):
    request_code(now=now, ip=STRANGER)

    request_code(now=now + timedelta(seconds=151), ip=OWNER)

    assert PhoneCode.objects.count() == 2
    assert [message.code_id for message in CodeMessage.objects.order_by("id")] == list(
        PhoneCode.objects.order_by("id").values_list("id", flat=True)
    )


def test_a_strangers_wrong_guesses_leave_the_owners_code_working(request_code, now):
    code = request_code(now=now, ip=OWNER)
    for _ in range(5):
        guess_wrong(now)

    user, created = services.verify_code(phone=PHONE, ip=OWNER, code=code, now=now)

    assert created and str(user.phone) == PHONE


def test_an_address_that_used_up_its_guesses_gets_the_code_again_with_five_more(request_code, now):
    first = request_code(now=now)
    for _ in range(5):
        guess_wrong(now, ip=IP)

    second = request_code(now=now + timedelta(seconds=61))

    assert second == first and PhoneCode.objects.count() == 1
    assert selectors.code_state(phone=PHONE, ip=IP, now=now).attempts_left == 5
    services.verify_code(phone=PHONE, ip=IP, code=second, now=now + timedelta(seconds=62))


def test_finding_13_a_strangers_request_after_spent_guesses_keeps_the_owners_code(
    request_code, now
):
    """Issue 21, finding 13: five wrong guesses lifted the stranger's resend wait, and its
    request_code then replaced the code the owner was typing."""
    code = request_code(now=now, ip=OWNER)
    for _ in range(5):
        guess_wrong(now)

    request_code(now=now + timedelta(seconds=10), ip=STRANGER)

    user, created = services.verify_code(
        phone=PHONE, ip=OWNER, code=code, now=now + timedelta(seconds=20)
    )
    assert created and str(user.phone) == PHONE
    assert PhoneCode.objects.count() == 1  # the stranger's SMS carried the owner's code


def test_ten_wrong_codes_from_one_address_pause_only_that_address(request_code, now):
    request_code(now=now, ip=STRANGER)
    assert isinstance(guess_until_refused(now), errors.TooManyAttempts)  # five on this code
    request_code(now=now + timedelta(minutes=2), ip=STRANGER)  # a new code for this address
    guess_until_refused(now + timedelta(minutes=2))
    assert isinstance(guess_wrong(now + timedelta(minutes=2)), errors.PhonePaused)

    later = now + timedelta(minutes=30)
    with pytest.raises(errors.PhonePaused) as caught:
        services.verify_code(phone=PHONE, ip=STRANGER, code="0000", now=later)
    assert caught.value.retry_after == 24 * 3600 - 30 * 60  # when its oldest failure ages out
    assert WrongGuess.objects.count() == 10
    code = request_code(now=later, ip=OWNER)
    services.verify_code(phone=PHONE, ip=OWNER, code=code, now=later)


def test_a_paused_address_may_guess_again_once_its_failures_age_out(request_code, now):
    request_code(now=now, ip=STRANGER)
    guess_until_refused(now)
    request_code(now=now + timedelta(minutes=2), ip=STRANGER)
    guess_until_refused(now + timedelta(minutes=2))

    next_day = now + timedelta(days=1, seconds=1)
    request_code(now=next_day, ip=STRANGER)

    assert isinstance(guess_wrong(next_day), errors.CodeInvalid)


def test_fifty_wrong_codes_from_many_networks_pause_the_phone_for_everyone(
    request_code, now, caplog
):
    addresses = [f"198.51.{n}.7" for n in range(1, 11)]  # ten /24s
    request_code(now=now, ip=OWNER)
    for ip in addresses:
        guess_until_refused(now, ip=ip)

    assert WrongGuess.objects.count() == 50
    assert "paused for every address" in caplog.text
    with pytest.raises(errors.PhonePaused) as caught:
        services.verify_code(phone=PHONE, ip=OWNER, code="0000", now=now + timedelta(hours=1))
    assert caught.value.retry_after == 23 * 3600


def test_no_number_of_wrong_codes_locks_a_phone_for_good(request_code, now):
    """Issue 9, finding 2: ~20 code requests over 2 days locked a number with no way out."""
    for hour in range(3 * 24):  # three days, a new address every hour, each as far as let
        moment, ip = now + timedelta(hours=hour), f"198.51.{hour // 250}.{hour % 250}"
        with contextlib.suppress(errors.Throttled):
            request_code(now=moment, ip=ip)
        guess_until_refused(moment, ip=ip)

    after = now + timedelta(days=4)
    code = request_code(now=after, ip=OWNER)
    user, _ = services.verify_code(phone=PHONE, ip=OWNER, code=code, now=after)
    assert str(user.phone) == PHONE
    assert Phone.objects.get().locked_at is None


def test_a_lock_is_an_operator_action_and_holds_until_lifted(request_code, now):
    request_code(now=now)
    phone = Phone.objects.get()

    services.lock_phone(phone=phone, now=now)

    with pytest.raises(errors.PhoneLocked):
        request_code(now=now + timedelta(days=30), ip=OWNER)
    services.unlock_phone(phone=phone)
    later = now + timedelta(days=30)
    services.verify_code(phone=PHONE, ip=OWNER, code=request_code(now=later, ip=OWNER), now=later)


def test_unlocking_also_forgets_the_wrong_codes_that_pause_a_number(request_code, now):
    request_code(now=now)
    for n in range(10):
        guess_until_refused(now, ip=f"198.51.100.{n}")

    services.unlock_phone(phone=Phone.objects.get())

    assert not WrongGuess.objects.exists()


def test_a_success_forgives_the_failures_of_its_own_address_only(request_code, now):
    code = request_code(now=now, ip=OWNER)
    guess_wrong(now, ip=OWNER)
    guess_wrong(now, ip=STRANGER)

    services.verify_code(phone=PHONE, ip=OWNER, code=code, now=now)

    assert list(WrongGuess.objects.values_list("source", flat=True)) == [STRANGER]


@pytest.mark.usefixtures("fixed_counters_only")
def test_a_phone_gets_at_most_ten_sms_an_hour_and_twenty_a_day_from_all_addresses(
    request_code, now
):
    for n in range(10):
        request_code(now=now + timedelta(seconds=n), ip=f"198.51.100.{n}")
    with pytest.raises(errors.Throttled) as hourly:
        request_code(now=now + timedelta(minutes=1), ip=OWNER)
    for n in range(10):
        request_code(now=now + timedelta(hours=2, seconds=n), ip=f"198.51.101.{n}")
    with pytest.raises(errors.Throttled) as daily:
        request_code(now=now + timedelta(hours=4), ip=OWNER)

    assert hourly.value.retry_after == 3600 - 60
    assert daily.value.retry_after == 20 * 3600
    assert len(sms.outbox) == 20


def test_a_stranger_at_one_address_cannot_keep_the_owner_out(request_code, now):
    """Issue 9, finding 2: a stranger requests codes for the owner's phone and guesses wrong
    as fast as every limit lets them, for 26 hours: each time a refusal's Retry-After has
    passed (a refused request changes nothing but the stranger's own counters, so asking
    sooner gains nothing), solving every proof-of-work challenge. Whenever the owner asks
    from their own address, in every window (minute, hour, day), they get a code and log in."""
    owner_logins = [
        timedelta(seconds=30),  # inside the stranger's first minute
        timedelta(minutes=59, seconds=30),  # the stranger's hourly quota is spent
        timedelta(hours=3),
        timedelta(hours=23, minutes=59),  # the stranger's daily quotas are spent
        timedelta(hours=25, seconds=30),  # the next day, the stranger at it again
    ]
    start = now
    next_request = next_guess = start
    for second in range(0, 26 * 3600, 30):
        moment = start + timedelta(seconds=second)
        if moment >= next_request:
            try:
                request_code(now=moment, ip=STRANGER)
            except errors.ChallengeRequired as challenged:  # the stranger solves them all
                with contextlib.suppress(errors.DomainError):
                    request_code(
                        now=moment, ip=STRANGER, altcha=solve(challenged.extra["challenge"])
                    )
            except (errors.Throttled, errors.SourceBlocked) as refused:
                next_request = moment + timedelta(seconds=refused.retry_after)
        if moment >= next_guess:
            refusal = guess_until_refused(moment)
            if isinstance(refusal, errors.PhonePaused):
                next_guess = moment + timedelta(seconds=refusal.retry_after)
        if owner_logins and moment - start >= owner_logins[0]:
            owner_logins.pop(0)
            code = request_code(now=moment + timedelta(seconds=1), ip=OWNER)
            user, _ = services.verify_code(
                phone=PHONE, ip=OWNER, code=code, now=moment + timedelta(seconds=2)
            )
            assert str(user.phone) == PHONE, moment - start

    assert not owner_logins
    stranger_sms = CodeMessage.objects.filter(source=STRANGER).count()
    assert 10 <= stranger_sms <= 2 * 10  # its own quota: ten a day
    assert 10 <= WrongGuess.objects.filter(source=STRANGER).count() <= 2 * 10


@pytest.mark.usefixtures("fixed_counters_only")
@pytest.mark.parametrize("fresh_addresses", [False, True], ids=["10 addresses", "240 addresses"])
def test_guessing_into_a_phone_stays_bounded(request_code, now, fresh_addresses):
    """Issue 9, finding 2: the README's arithmetic. With 4 digits, 10 addresses may compare at
    most 100 codes a day (1 %); LOGIN_FAILURES_PER_PHONE caps any number of addresses at 50,
    plus one each time the phone's pause ends (issue 21, finding 12: at most 24 a day)."""
    for hour in range(0, 24, 2):  # ten addresses every two hours: the same ten, or new ones
        moment = now + timedelta(hours=hour)
        for n in range(10):
            ip = f"10.0.{hour if fresh_addresses else 0}.{n}"
            with contextlib.suppress(errors.Throttled):
                request_code(now=moment, ip=ip)
            guess_until_refused(moment, ip=ip)

    compared = WrongGuess.objects.count()  # every wrong code that was compared, none other
    assert 50 <= compared <= 50 + 24
    assert compared / 10**4 <= 0.01


def statements_of(call) -> list[str]:
    """The SQL `call()` runs, less the savepoints of the test's own transaction."""
    with CaptureQueriesContext(connection) as queries:
        call()
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


def test_a_code_for_a_new_number_is_four_statements(now):
    """Issue 15: the phone's row is written, locked and read with its account in one statement
    (an upsert), and a number with no SMS today has no current code to look for. Then the
    day's SMS, the new code and its SMS."""
    services.request_code(phone=new_phone(), ip=IP, now=now)  # the abuse rules are cached now

    sent = statements_of(lambda: services.request_code(phone=PHONE, ip=IP, now=now))

    assert len(sent) == 4
    assert PhoneCode.objects.filter(phone__number=PHONE).count() == 1


def test_asking_again_reads_the_current_code_to_send_it_again(now):
    services.request_code(phone=PHONE, ip=IP, now=now)
    later = now + timedelta(seconds=settings.OTP_RESEND_SECONDS + 1)

    sent = statements_of(lambda: services.request_code(phone=PHONE, ip=IP, now=later))

    assert len(sent) == 4  # the upsert, the day's SMS, the current code, the new SMS
    assert PhoneCode.objects.filter(phone__number=PHONE).count() == 1  # the same code


@pytest.mark.parametrize("returning", [False, True], ids=["sign-up", "returning"])
def test_a_login_is_four_statements(request_code, now, returning):
    """Issue 15: the newest code comes with its phone, account and user id; then the day's wrong
    codes, the code marked used, and the user created (or read)."""
    if returning:
        make_user(phone=PHONE)
    request_code(phone=new_phone(), now=now)
    code = request_code(now=now)
    other = new_phone()
    services.log_in(phone=other, code=request_code(phone=other, now=now), ip=IP, now=now)  # warm

    statements = statements_of(lambda: services.log_in(phone=PHONE, code=code, ip=IP, now=now))

    assert len(statements) == 4


def test_finding_12_fifty_wrong_codes_from_one_network_pause_the_phone_for_an_hour(
    request_code, now
):
    """Issue 21, finding 12: 10 addresses x 5 wrong codes paused the owner for 24 hours. The
    phone-wide pause is an hour, doubled for each more /24 the wrong codes came from."""
    request_code(now=now, ip=OWNER)
    for n in range(10):  # ten addresses of one /24
        guess_until_refused(now, ip=f"198.51.100.{n}")

    with pytest.raises(errors.PhonePaused) as caught:
        services.verify_code(phone=PHONE, ip=OWNER, code="0000", now=now + timedelta(minutes=1))
    assert caught.value.retry_after == 59 * 60
    later = now + timedelta(hours=1, seconds=1)
    code = request_code(now=later, ip=OWNER)
    services.verify_code(phone=PHONE, ip=OWNER, code=code, now=later)


@pytest.mark.parametrize(("networks", "hours"), [(2, 2), (3, 4), (5, 16), (6, 24), (10, 24)])
def test_finding_12_the_phone_pause_grows_with_the_networks_the_wrong_codes_came_from(
    request_code, now, networks, hours
):
    request_code(now=now, ip=OWNER)
    for n in range(10):
        guess_until_refused(now, ip=f"198.51.{n % networks}.{n}")

    with pytest.raises(errors.PhonePaused) as caught:
        services.verify_code(phone=PHONE, ip=OWNER, code="0000", now=now)
    assert caught.value.retry_after == hours * 3600


def test_finding_12_a_known_device_passes_the_pause_strangers_set_off(request_code, now):
    owner = make_user(phone=PHONE)
    code = request_code(now=now, ip=OWNER)
    for n in range(10):  # 50 wrong codes from ten /24s: a day's pause for everyone else
        guess_until_refused(now, ip=f"198.51.{n}.7")
    with pytest.raises(errors.PhonePaused):
        services.verify_code(phone=PHONE, ip=OWNER, code=code, now=now)

    device = devices.Device(user_id=owner.pk, nonce="owners-browser")
    user, created = services.verify_code(phone=PHONE, ip=OWNER, code=code, now=now, device=device)

    assert user == owner and not created


def test_finding_12_another_accounts_or_a_worn_out_device_passes_nothing(request_code, now):
    owner, other = make_user(phone=PHONE), make_user(phone="+79990001122")
    request_code(now=now, ip=OWNER)
    for n in range(10):
        guess_until_refused(now, ip=f"198.51.{n}.7")
    worn = devices.Device(user_id=owner.pk, nonce="copied")
    for _ in range(settings.DEVICE_FAILURES_LIMIT):
        devices.claim(worn)

    for device in [devices.Device(user_id=other.pk, nonce="theirs"), worn]:
        with pytest.raises(errors.PhonePaused):
            services.verify_code(phone=PHONE, ip=OWNER, code="0000", now=now, device=device)


def test_finding_12_a_known_device_gets_a_code_when_strangers_spent_the_phones_hour(
    request_code, now
):
    """9 addresses x 1 request held the owner's resend for an hour (10 SMS a phone an hour)."""
    owner = make_user(phone=PHONE)
    for n in range(10):
        request_code(now=now + timedelta(minutes=n), ip=f"198.51.{n}.7")
    later = now + timedelta(minutes=20)
    with pytest.raises(errors.Throttled):
        request_code(now=later, ip=OWNER)

    device = devices.Device(user_id=owner.pk, nonce="owners-browser")
    request_code(now=later, ip=OWNER, device=device)

    assert sms.outbox[-1].phone == PHONE and len(sms.outbox) == 11
