from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.utils import quote
from django.db import transaction
from django.utils import timezone

from referral.webhooks import delivery, events
from referral.webhooks.models import Attempt, Delivery, Endpoint

pytestmark = pytest.mark.django_db


def test_an_endpoint_added_in_the_admin_shows_its_secret_once(staff_client, receiver):
    running = receiver()

    response = staff_client.post(
        "/admin/webhooks/endpoint/add/",
        {"url": running.url, "events": ["invite.activated"]},
        follow=True,
    )

    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["invite.activated"]
    assert endpoint.secret in response.content.decode()
    change = staff_client.get(f"/admin/webhooks/endpoint/{endpoint.pk}/change/")
    assert endpoint.secret not in change.content.decode()


def test_the_admin_refuses_a_private_address(staff_client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    response = staff_client.post(
        "/admin/webhooks/endpoint/add/",
        {"url": "http://169.254.169.254/latest/", "events": ["invite.activated"]},
    )

    assert response.status_code == 200 and "non-public address" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_failed_deliveries_in_a_time_range_are_replayed(staff_client, subscribe):
    running, endpoint = subscribe(*([500] * 9))
    now = timezone.now()
    for _ in range(2):
        with transaction.atomic():
            events.emit("user.signed_up", lambda: {"n": 1}, now=now, to=[endpoint.pk])
    delivery.fan_out()
    Delivery.objects.update(state=Delivery.State.FAILED, attempts=8)
    old = Delivery.objects.order_by("id").first()
    Delivery.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=40))

    listed = staff_client.get(
        "/admin/webhooks/delivery/",
        {"state__exact": "failed", "created_at__gte": (now - timedelta(days=1)).isoformat()},
    )
    assert listed.status_code == 200
    staff_client.post(
        "/admin/webhooks/delivery/",
        {
            "action": "replay",
            "_selected_action": [d.pk for d in Delivery.objects.filter(created_at__gte=now)],
        },
    )

    fresh = Delivery.objects.exclude(pk=old.pk).get()
    assert fresh.state == Delivery.State.PENDING and fresh.attempts == 0
    assert Delivery.objects.get(pk=old.pk).state == Delivery.State.FAILED
    delivery.deliver_due(worker="test", limit=10, now=timezone.now())
    assert len(running.received) == 1


def test_the_log_of_an_event_shows_its_attempts(staff_client, subscribe):
    running, endpoint = subscribe(500)
    with transaction.atomic():
        event = events.emit(
            "user.signed_up", lambda: {"n": 1}, now=timezone.now(), to=[endpoint.pk]
        )
    delivery.deliver_due(worker="test", limit=10, now=timezone.now())
    row = Delivery.objects.get()

    # quote(): the admin reads "_26" in an id as "&" (its own links quote the "_")
    event_page = staff_client.get(f"/admin/webhooks/event/{quote(event)}/change/").content.decode()
    delivery_page = staff_client.get(f"/admin/webhooks/delivery/{row.pk}/change/").content.decode()

    assert "user.signed_up" in event_page and running.url in event_page
    assert ">500<" in delivery_page.replace(" ", "")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_finding_20_webhook_attempt_times_show_seconds(staff_client, subscribe, language):
    """Finding 20 (issue 21): the webhooks' log read "3 a.m." in English (the minutes and
    seconds dropped); an operator matching an attempt to a receiver's log needs seconds."""
    _, endpoint = subscribe(500)
    at = datetime(2026, 12, 4, 3, 0, 7, tzinfo=UTC)
    with transaction.atomic():
        event = events.emit("user.signed_up", lambda: {"n": 1}, now=at, to=[endpoint.pk])
    delivery.deliver_due(worker="test", limit=10, now=at)
    Attempt.objects.update(at=at + timedelta(seconds=1))
    Delivery.objects.update(created_at=at, next_try_at=at + timedelta(seconds=2))
    ask = {"HTTP_ACCEPT_LANGUAGE": language}

    row = Delivery.objects.get()
    listing = staff_client.get("/admin/webhooks/delivery/", **ask).content.decode()
    detail = staff_client.get(f"/admin/webhooks/delivery/{row.pk}/change/", **ask).content.decode()
    events_page = staff_client.get("/admin/webhooks/event/", **ask).content.decode()

    assert "2026-12-04 03:00:07" in listing and "2026-12-04 03:00:09" in listing
    assert "2026-12-04 03:00:08" in detail  # the attempt
    assert quote(event) in events_page and "2026-12-04 03:00:07" in events_page
    assert "3 a.m." not in listing + detail + events_page
