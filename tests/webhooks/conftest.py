import json

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator

from harness.receiver import Receiver
from harness.servers import ROOT
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
    """The events `running` received, each checked against docs/webhooks.schema.json."""
    events = [json.loads(request.body) for request in running.received]
    for event in events:
        assert list(_SCHEMA.iter_errors(event)) == [], event
    return events


_SCHEMA = Draft202012Validator(json.loads((ROOT / "docs" / "webhooks.schema.json").read_text()))


from ..accounts.test_admin import staff, staff_client  # noqa: E402, F401 - fixtures shared here
