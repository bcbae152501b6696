"""The webhook worker on its own thread, against the real database (committed data)."""

import threading

import pytest
from django.db import transaction
from django.utils import timezone

from harness.receiver import Receiver
from harness.servers import eventually
from referral.webhooks import endpoints, events
from referral.worker.webhooks import WebhookWorker

from ..webhooks.test_sending import Trickle

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(settings):
    settings.WEBHOOKS_DELIVER_ON_COMMIT = False  # as in production: the worker sends
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # the receivers are on loopback
    settings.WEBHOOKS_POLL_SECONDS = 0.05
    settings.WEBHOOKS_WORKER_THREADS = 4
    running = WebhookWorker()
    running.start()
    yield running
    running.stop()
    running.join(timeout=15)
    assert not running.is_alive()


def emit_to(endpoint) -> None:
    with transaction.atomic():  # the commit wakes the worker
        events.emit("user.signed_up", lambda: {"n": 1}, now=timezone.now(), to=[endpoint.pk])


def test_finding_7_a_slow_receiver_does_not_delay_another_endpoints_events(settings, worker):
    """Finding 7: while one send to a slow receiver is in flight (up to its 10 s deadline
    here), an event for a healthy endpoint queued after it is sent at once, not after."""
    settings.WEBHOOKS_TIMEOUT_SECONDS = 10
    healthy_got_it = threading.Event()
    slow = Trickle(stop=healthy_got_it)  # answers a byte every 0.1 s until the healthy one has it
    try:
        with Receiver() as healthy:
            slow_endpoint = endpoints.add(url=slow.url, events=None, now=timezone.now())
            healthy_endpoint = endpoints.add(url=healthy.url, events=None, now=timezone.now())
            emit_to(slow_endpoint)
            assert slow.connected.wait(timeout=10)  # the slow send is in flight

            emit_to(healthy_endpoint)
            eventually(lambda: len(healthy.received) == 1, timeout=8)
            still_sending = not slow.finished.is_set()
            healthy_got_it.set()
    finally:
        slow.close()

    assert still_sending  # it arrived while the slow send was still going
