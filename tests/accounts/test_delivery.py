from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from harness.fake_smsru import BAD_CREDENTIALS, OK, SERVER_ERROR, SLOW, FakeSmsRu
from harness.servers import code_from_sms
from referral.accounts import delivery, services, sms
from referral.accounts.models import CodeMessage, PhoneCode
from referral.core.sealing import seal, unseal

from ..factories import PHONE

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


def work(now):
    """One round of a worker at `now`: claim what is due, send it, record the outcomes."""
    claimed = delivery.claim(worker="test-worker", limit=100, now=now)
    delivery.record([delivery.attempt(message, now=now) for message in claimed])
    return claimed


def test_a_code_is_delivered_through_the_provider(smsru, django_capture_on_commit_callbacks):
    with smsru(OK) as fake:
        row = request_code(django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert row.state == CodeMessage.State.SENT
    assert row.sent_at is not None and row.delivery_tries == 1 and row.delivery_error == ""
    assert row.lease_until is None
    assert len(fake.received) == 1


def test_the_sms_is_queued_with_its_code_in_one_transaction(
    django_capture_on_commit_callbacks, settings
):
    """Issue 11: the code was saved, then its SMS queued apart; a failure between left a code
    (and its cooldown) with no SMS. Now the SMS row is written with the code or not at all."""
    settings.SMS_DELIVER_ON_COMMIT = False
    with django_capture_on_commit_callbacks(execute=True):
        services.request_code(phone=PHONE, ip="203.0.113.7", now=timezone.now())

    message = CodeMessage.objects.get()
    assert message.state == CodeMessage.State.PENDING and message.code == PhoneCode.objects.get()
    assert sms.outbox == []  # nothing sent in the request: a worker will
    assert work(timezone.now()) == [message]
    assert len(sms.outbox) == 1


def test_a_5xx_is_retried_after_a_pause_until_it_succeeds(
    smsru, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with smsru(SERVER_ERROR, OK) as fake:
        row = request_code(django_capture_on_commit_callbacks, now)
        row.refresh_from_db()
        assert row.state == CodeMessage.State.PENDING and row.lease_until is None
        assert row.next_try_at == now + timedelta(seconds=2)
        assert work(now + timedelta(seconds=1)) == []  # not before its time
        work(now + timedelta(seconds=2))

    row.refresh_from_db()
    assert len(fake.received) == 2
    assert row.state == CodeMessage.State.SENT and row.delivery_tries == 2


def test_delivery_gives_up_after_three_tries_and_records_why(
    smsru, django_capture_on_commit_callbacks, caplog
):
    now = timezone.now()
    with smsru(SERVER_ERROR, SLOW, SERVER_ERROR, OK) as fake:
        row = request_code(django_capture_on_commit_callbacks, now)
        work(now + timedelta(seconds=2))
        work(now + timedelta(seconds=6))
        assert work(now + timedelta(seconds=60)) == []

    row.refresh_from_db()
    assert len(fake.received) == 3
    assert row.state == CodeMessage.State.FAILED and row.delivery_tries == 3
    assert row.sent_at is None and row.delivery_error == "SMS.ru answered HTTP 503"
    assert "not sent after 3 tries" in caplog.text


def test_bad_credentials_are_not_retried(smsru, django_capture_on_commit_callbacks, caplog):
    with smsru(BAD_CREDENTIALS) as fake:
        row = request_code(django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert len(fake.received) == 1
    assert row.state == CodeMessage.State.FAILED and row.sent_at is None
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
    assert CodeMessage.objects.latest("id").state == CodeMessage.State.SENT


def queued_message(now, settings):
    settings.SMS_DELIVER_ON_COMMIT = False
    services.request_code(phone=PHONE, ip="203.0.113.7", now=now)
    return CodeMessage.objects.get()


def test_a_claimed_message_is_held_until_its_lease_runs_out(settings):
    """Issue 11, finding 1: a worker killed while sending left its task RUNNING forever."""
    now = timezone.now()
    message = queued_message(now, settings)

    first = delivery.claim(worker="killed-worker", limit=10, now=now)  # ... and it dies
    during = delivery.claim(worker="other", limit=10, now=now + timedelta(seconds=29))
    after = delivery.claim(worker="other", limit=10, now=now + timedelta(seconds=31))

    assert first == [message] and during == [] and after == [message]
    message.refresh_from_db()
    assert message.claimed_by == "other" and message.delivery_tries == 2


def test_an_outcome_recorded_late_still_counts_once(settings):
    """Issue 11, finding 2: sent, then the database went away before the outcome was written.
    The worker keeps the outcome and writes it when it can; nothing is sent a second time."""
    now = timezone.now()
    message = queued_message(now, settings)
    [claimed] = delivery.claim(worker="w", limit=1, now=now)
    result = delivery.attempt(claimed, now=now)  # the provider accepted it

    delivery.record([result])  # later, once the database answers again
    delivery.record([result])  # and a repeat changes nothing

    message.refresh_from_db()
    assert message.state == CodeMessage.State.SENT and message.sent_at == now
    assert len(sms.outbox) == 1
    assert delivery.claim(worker="w", limit=1, now=now + timedelta(minutes=1)) == []


@pytest.mark.usefixtures("fixed_counters_only")
def test_messages_are_claimed_oldest_first(settings):
    settings.SMS_DELIVER_ON_COMMIT = False
    now = timezone.now()
    for n in range(5):
        services.request_code(
            phone=f"+7999700000{n}", ip="203.0.113.7", now=now - timedelta(seconds=n)
        )

    claimed = delivery.claim(worker="w", limit=3, now=now)

    assert [str(m.code.phone) for m in claimed] == ["+79997000004", "+79997000003", "+79997000002"]


@pytest.mark.parametrize("seconds_left", [0, 29])
def test_a_code_that_would_expire_before_it_can_be_typed_is_not_sent(
    settings, caplog, seconds_left
):
    """Issue 11: above ~12 requests/s codes expired in the queue, after "Код отправлен"."""
    now = timezone.now()
    message = queued_message(now, settings)
    later = message.code.expires_at - timedelta(seconds=seconds_left)

    work(later)

    message.refresh_from_db()
    assert message.state == CodeMessage.State.EXPIRED and sms.outbox == []
    assert f"login SMS {message.pk} not sent: its code can no longer be used" in caplog.text


def test_a_message_whose_code_was_used_meanwhile_is_not_sent(settings):
    now = timezone.now()
    message = queued_message(now, settings)
    PhoneCode.objects.update(used_at=now, sealed_code="")

    work(now)

    message.refresh_from_db()
    assert message.state == CodeMessage.State.EXPIRED and sms.outbox == []


def test_the_queue_state_is_reported(settings):
    now = timezone.now()
    queued_message(now, settings)
    delivery.claim(worker="dead", limit=1, now=now)

    state = delivery.queue_state(now=now + timedelta(seconds=45))

    assert state == {"pending": 1, "oldest_seconds": 45.0, "expired_leases": 1}


def test_readyz_reports_the_queue(client, settings):
    queued_message(timezone.now(), settings)

    body = client.get("/readyz").json()

    assert body["status"] == "ok" and body["sms_queue"]["pending"] == 1


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


def test_the_sms_is_written_in_the_language_the_code_was_asked_in(
    settings, django_capture_on_commit_callbacks
):
    settings.WEB_OTP_HOST = ""
    with django_capture_on_commit_callbacks(execute=True):
        services.request_code(phone=PHONE, ip="203.0.113.7", now=timezone.now(), language="en")

    assert CodeMessage.objects.get().language == "en"
    assert sms.outbox[-1].text.startswith("Login code: ")
