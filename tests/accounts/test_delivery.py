from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from harness.servers import code_from_sms
from referral.accounts import services, sms
from referral.accounts.delivery import Outcome, deliver_login_code
from referral.accounts.models import CodeMessage, Phone, PhoneCode
from referral.core.sealing import seal, unseal

from ..factories import PHONE
from ..fake_smsru import BAD_CREDENTIALS, OK, SERVER_ERROR, SLOW, FakeSmsRu

pytestmark = pytest.mark.django_db


@pytest.fixture
def smsru(settings):
    settings.SMS_GATEWAY = "referral.accounts.sms.SmsRuGateway"
    settings.SMSRU_API_ID = "test-api-id"
    settings.SMS_TIMEOUT_SECONDS = 0.5

    def start(*script):
        fake = FakeSmsRu(script)
        settings.SMSRU_URL = fake.url
        return fake

    return start


def request_code(capture, now=None):
    with capture(execute=True):
        services.request_code(phone=PHONE, ip="203.0.113.7", now=now or timezone.now())
    return CodeMessage.objects.latest("id")


def test_the_gateway_posts_the_message_to_smsru(smsru):
    with smsru(OK) as fake:
        sms.SmsRuGateway().send(sms.Sms(phone=PHONE, text=sms.login_code_text("1234")))

    assert fake.received == [
        {
            "api_id": "test-api-id",
            "to": "79991234567",
            "msg": sms.login_code_text("1234"),
            "json": "1",
        }
    ]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (SERVER_ERROR, sms.TemporaryError),
        (SLOW, sms.TemporaryError),
        (BAD_CREDENTIALS, sms.PermanentError),
        ((200, {"status": "ERROR", "status_code": 220}), sms.TemporaryError),
        ((400, {"status": "ERROR"}), sms.PermanentError),
    ],
    ids=["5xx", "timeout", "bad-credentials", "provider-busy", "4xx"],
)
def test_gateway_failures_are_temporary_or_permanent(smsru, answer, error):
    with smsru(answer), pytest.raises(error) as caught:
        sms.SmsRuGateway().send(sms.Sms(phone=PHONE, text=sms.login_code_text("1234")))

    assert "1234" not in str(caught.value)


def test_a_code_is_delivered_through_the_provider(smsru, django_capture_on_commit_callbacks):
    with smsru(OK) as fake:
        row = request_code(django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert row.sent_at is not None and row.delivery_tries == 1 and row.delivery_error == ""
    assert len(fake.received) == 1


def test_a_5xx_is_retried_until_it_succeeds(smsru, django_capture_on_commit_callbacks):
    with smsru(SERVER_ERROR, OK) as fake:
        row = request_code(django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert len(fake.received) == 2
    assert row.sent_at is not None and row.delivery_tries == 2


def test_delivery_gives_up_after_three_tries_and_records_why(
    smsru, django_capture_on_commit_callbacks, caplog
):
    with smsru(SERVER_ERROR, SLOW, SERVER_ERROR, OK) as fake:
        row = request_code(django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert len(fake.received) == 3
    assert row.sent_at is None and row.delivery_tries == 3
    assert row.delivery_error == "SMS.ru answered HTTP 503"
    assert "not sent after 3 tries" in caplog.text


def test_bad_credentials_are_not_retried(smsru, django_capture_on_commit_callbacks, caplog):
    with smsru(BAD_CREDENTIALS) as fake:
        row = request_code(django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert len(fake.received) == 1
    assert row.sent_at is None
    assert row.delivery_error == "SMS.ru refused the message: status_code 200"
    assert "status_code 200" in caplog.text


def test_a_failed_delivery_lets_the_user_ask_again_after_the_cooldown(
    smsru, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with smsru(BAD_CREDENTIALS, OK) as fake:
        request_code(django_capture_on_commit_callbacks, now)
        request_code(django_capture_on_commit_callbacks, now + timedelta(seconds=61))

    assert len(fake.received) == 2
    assert CodeMessage.objects.latest("id").sent_at is not None


def test_delivery_is_idempotent_per_message(smsru, django_capture_on_commit_callbacks):
    with smsru(OK, OK) as fake:
        row = request_code(django_capture_on_commit_callbacks)
        again = deliver_login_code(
            message_id=row.pk, sealed_code=seal("1234"), attempt=1, now=timezone.now()
        )

    assert again is Outcome.ALREADY_SENT
    assert len(fake.received) == 1


def test_a_code_that_can_no_longer_be_used_is_not_sent(smsru):
    code = PhoneCode.objects.create(
        phone=Phone.objects.create(number=PHONE),
        code_hash="x",
        created_at=timezone.now() - timedelta(minutes=10),
        expires_at=timezone.now() - timedelta(minutes=5),
    )
    row = CodeMessage.objects.create(code=code, source="203.0.113.7", created_at=code.created_at)
    with smsru(OK) as fake:
        outcome = deliver_login_code(
            message_id=row.pk, sealed_code=seal("1234"), attempt=1, now=timezone.now()
        )

    assert outcome is Outcome.STALE
    assert fake.received == []


def test_no_log_line_carries_the_code(
    django_capture_on_commit_callbacks, caplog, settings, monkeypatch
):
    settings.OTP_LENGTH = 8  # a code no log line could hold by chance: 8 digits in a row
    monkeypatch.setattr(services.secrets, "randbelow", lambda _: 24681357)
    caplog.set_level("DEBUG")

    request_code(django_capture_on_commit_callbacks)

    assert code_from_sms(sms.outbox[-1].text) == "24681357"
    assert "24681357" not in caplog.text


def test_a_sealed_code_opens_only_with_the_key(settings):
    sealed = seal("1234")

    settings.SECRET_KEY = "another-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"

    assert unseal(sealed, max_age=60) is None


def test_a_sealed_code_opens_only_unchanged_and_in_time():
    sealed = seal("1234")

    assert unseal(sealed, max_age=60) == "1234"
    assert (
        unseal(sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1], max_age=60) is None
    )
    with time_machine.travel(timedelta(seconds=61)):
        assert unseal(sealed, max_age=60) is None
