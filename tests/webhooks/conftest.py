import json

import pytest
from django.utils import timezone

from harness.receiver import Receiver
from referral.webhooks import endpoints


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # the receiver is on loopback
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.5

    def start(*script, **options):
        running = Receiver(script, **options)
        started.append(running.__enter__())
        return running

    started: list[Receiver] = []
    yield start
    for running in started:
        running.__exit__(None, None, None)


@pytest.fixture
def subscribe(receiver):
    """subscribe(*script, events=None) -> (receiver, endpoint)."""

    def make(*script, events=None, **options):
        running = receiver(*script, **options)
        endpoint = endpoints.add(url=running.url, events=events, now=timezone.now())
        return running, endpoint

    return make


def bodies(running) -> list[dict]:
    return [json.loads(request.body) for request in running.received]


from ..accounts.test_admin import staff, staff_client  # noqa: E402, F401 - fixtures shared here
