import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from referral.webhooks.models import Endpoint, Event

pytestmark = pytest.mark.django_db


def webhooks(*args) -> str:
    out = io.StringIO()
    call_command("webhooks", *args, stdout=out)
    return out.getvalue()


def test_add_subscribes_to_every_event_and_prints_the_secret_once(receiver):
    running = receiver()

    printed = webhooks("add", running.url)

    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["user.signed_up", "invite.activated", "user.deactivated"]
    assert f"secret (shown once): {endpoint.secret}" in printed
    assert endpoint.secret not in webhooks("list")


def test_add_can_narrow_the_events(receiver):
    webhooks("add", receiver().url, "--events", "invite.activated")

    assert Endpoint.objects.get().events == ["invite.activated"]


def test_add_refuses_an_unknown_event_and_a_private_address(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    with pytest.raises(CommandError, match=r"unknown event types: user\.deleted"):
        webhooks("add", "http://127.0.0.1:9/", "--events", "user.deleted")
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    with pytest.raises(CommandError, match="non-public address"):
        webhooks("add", "http://127.0.0.1:9/")
    assert not Endpoint.objects.exists()


def test_disable_and_enable(receiver):
    webhooks("add", receiver().url)
    pk = Endpoint.objects.get().pk

    webhooks("disable", str(pk))
    assert "disabled (by an operator)" in webhooks("list")
    webhooks("enable", str(pk))
    assert Endpoint.objects.get().enabled


def test_rotate_secret_keeps_the_old_one_for_the_overlap(receiver):
    webhooks("add", receiver().url)
    old = Endpoint.objects.get().secret

    printed = webhooks("rotate-secret", str(Endpoint.objects.get().pk), "--overlap-hours", "2")

    endpoint = Endpoint.objects.get()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert f"new secret (shown once): {endpoint.secret}" in printed
    assert endpoint.previous_secret_until - timezone.now() > timedelta(hours=1, minutes=59)


def test_send_test_queues_a_test_event_for_that_endpoint_only(receiver):
    webhooks("add", receiver().url)
    webhooks("add", receiver().url)
    first = Endpoint.objects.order_by("id").first()

    printed = webhooks("send-test", str(first.pk))

    event = Event.objects.get()
    assert event.type == "webhook.test" and re.search(rf"queued {event.id} ", printed)
    assert event.targets == str(first.pk)


def test_an_unknown_endpoint_is_a_clear_error():
    with pytest.raises(CommandError, match="no endpoint 42"):
        webhooks("disable", "42")
