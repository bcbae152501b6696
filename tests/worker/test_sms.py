"""The worker on its own thread, against the real database (committed data: transaction=True)."""

import threading

import pytest
from django.utils import timezone

from harness.servers import eventually
from referral.accounts import services, sms
from referral.accounts.models import CodeMessage
from referral.worker.sms import SmsWorker

from ..factories import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

release = threading.Event()
sending = threading.Semaphore(0)


class BlockedGateway:
    """A provider that does not answer until the test says so."""

    def send(self, message):
        sending.release()
        assert release.wait(timeout=10)
        sms.outbox.append(message)


@pytest.fixture
def worker(settings):
    settings.SMS_DELIVER_ON_COMMIT = False  # as in production: the request only queues
    settings.SMS_GATEWAY = "tests.worker.test_sms.BlockedGateway"
    release.clear()
    while sending.acquire(blocking=False):  # nothing left over from an earlier test
        pass
    running = SmsWorker(threads=4, poll=0.02)
    running.start()
    yield running
    release.set()
    running.stop()
    running.join(timeout=10)


def test_request_code_answers_before_the_sms_is_delivered(api, worker):
    response = api.post("/api/auth/request_code/", {"phone": PHONE})

    assert response.status_code == 200
    assert sending.acquire(timeout=10)  # the worker took it and is talking to the provider
    assert sms.outbox == []
    release.set()
    eventually(lambda: CodeMessage.objects.filter(state="sent").exists())
    assert [m.phone for m in sms.outbox] == [PHONE]


@pytest.mark.usefixtures("fixed_counters_only")
def test_the_worker_sends_on_several_threads_at_once(worker):
    for n in range(4):
        services.request_code(phone=f"+7999800000{n}", ip="203.0.113.7", now=timezone.now())

    for _ in range(4):  # four sends are in flight together, none has answered yet
        assert sending.acquire(timeout=10)
    release.set()

    eventually(lambda: CodeMessage.objects.filter(state="sent").count() == 4)
    assert sorted(m.phone for m in sms.outbox) == [f"+7999800000{n}" for n in range(4)]


def test_a_stopped_worker_finishes_what_is_in_flight_and_claims_nothing_more(worker):
    services.request_code(phone=PHONE, ip="203.0.113.7", now=timezone.now())
    assert sending.acquire(timeout=10)

    worker.stop()
    services.request_code(phone="+79998000009", ip="203.0.113.7", now=timezone.now())
    release.set()
    worker.join(timeout=10)

    assert not worker.is_alive()
    states = dict(CodeMessage.objects.values_list("code__phone__number", "state"))
    assert states == {PHONE: "sent", "+79998000009": "pending"}
