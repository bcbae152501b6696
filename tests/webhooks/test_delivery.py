"""Delivery to a receiver on loopback: retries, timeouts, rotation, redirects, SSRF."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from harness.receiver import SLOW
from referral.webhooks import delivery, endpoints, events, safety
from referral.webhooks.models import Attempt, Delivery, Endpoint

pytestmark = pytest.mark.django_db


def send(endpoint, now):
    """An event queued for `endpoint` (the worker's part is `retry`: a test's transaction
    never commits, so nothing is delivered on commit here)."""
    with transaction.atomic():
        return events.emit("user.signed_up", lambda: {"n": 1}, now=now, to=[endpoint.pk])


def retry(at):
    return delivery.deliver_due(worker="test", limit=10, now=at)


def test_a_500_is_retried_with_the_same_webhook_id(subscribe):
    running, endpoint = subscribe(500)
    now = timezone.now()
    send(endpoint, now)

    assert retry(now) == 1
    assert retry(now + timedelta(seconds=4)) == 0  # 5 s ± 10 %: not yet
    assert retry(now + timedelta(seconds=6)) == 1

    first, second = running.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    state = Delivery.objects.get()
    assert state.state == Delivery.State.SUCCEEDED and state.attempts == 2
    assert [a.status for a in Attempt.objects.order_by("at", "id")] == [500, 200]
    assert Endpoint.objects.get().failing_since is None


def test_retries_follow_the_schedule_then_give_up(subscribe):
    running, endpoint = subscribe(*([503] * 20))
    moment = timezone.now()
    send(endpoint, moment)

    waits = []
    for _ in range(8):
        assert retry(moment) == 1
        row = Delivery.objects.get()
        if row.state != Delivery.State.PENDING:
            break
        waits.append((row.next_try_at - moment).total_seconds())
        moment = row.next_try_at

    assert Delivery.objects.get().state == Delivery.State.FAILED
    assert len(running.received) == 8
    for wait, planned in zip(waits, delivery.RETRIES, strict=True):
        assert planned * 0.9 <= wait <= planned * 1.1
    assert 24 * 3600 < sum(waits) < 32 * 3600  # about a day


def test_a_timeout_is_a_failure_to_retry(subscribe):
    _running, endpoint = subscribe(SLOW, slow_seconds=1.5)  # past the 0.5 s timeout
    send(endpoint, timezone.now())

    retry(timezone.now())

    [attempt] = Attempt.objects.all()
    assert attempt.status is None and "timed out" in attempt.error.lower()
    assert Delivery.objects.get().state == Delivery.State.PENDING


def test_during_a_rotation_both_secrets_sign(subscribe):
    running, endpoint = subscribe()
    old = endpoint.secret
    new = endpoints.rotate_secret(endpoint=endpoint, overlap=timedelta(hours=1), now=timezone.now())

    send(endpoint, timezone.now())
    retry(timezone.now())

    [request] = running.received
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(request.body, request.headers)


def test_after_the_overlap_only_the_new_secret_signs(subscribe):
    running, endpoint = subscribe()
    endpoints.rotate_secret(endpoint=endpoint, overlap=timedelta(hours=1), now=timezone.now())

    send(endpoint, timezone.now() + timedelta(hours=2))
    retry(timezone.now() + timedelta(hours=2))

    assert len(running.received[0].headers["webhook-signature"].split(" ")) == 1


def test_a_redirect_is_not_followed(subscribe, receiver):
    elsewhere = receiver()
    _running, endpoint = subscribe(("redirect", elsewhere.url))
    send(endpoint, timezone.now())

    retry(timezone.now())

    assert elsewhere.received == []
    assert Attempt.objects.get().status == 302
    assert Delivery.objects.get().state == Delivery.State.PENDING


def test_only_64_kb_of_an_answer_are_read_and_300_characters_kept(subscribe):
    _running, endpoint = subscribe(body=b"x" * 1_000_000)

    send(endpoint, timezone.now())
    retry(timezone.now())

    assert Attempt.objects.get().response == "x" * 300


def test_an_endpoint_failing_for_five_days_is_disabled(subscribe, caplog):
    _running, endpoint = subscribe(*([500] * 10))
    start = timezone.now()
    send(endpoint, start)
    retry(start)
    assert Endpoint.objects.get().failing_since == start

    send(endpoint, start + timedelta(days=5, seconds=1))
    retry(start + timedelta(days=5, seconds=1))

    endpoint.refresh_from_db()
    assert not endpoint.enabled and "5 days" in endpoint.disabled_reason
    assert "disabled" in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://localhost/hook",  # a host name that resolves to loopback
        "ftp://example.com/hook",
    ],
)
def test_private_and_metadata_addresses_are_refused(url, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    with pytest.raises(safety.UnsafeURL):
        endpoints.add(url=url, events=None, now=timezone.now())


def test_the_address_is_checked_again_at_send_time(subscribe, settings):
    """An endpoint added while allowed (or before its DNS changed) is refused when sent to."""
    running, endpoint = subscribe()
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    send(endpoint, timezone.now())

    retry(timezone.now())

    assert running.received == []
    assert "UnsafeURL" in Attempt.objects.get().error


def test_the_housekeeping_prunes_the_log_past_its_retention_but_not_what_is_still_due(
    subscribe, settings
):
    from referral.worker.housekeeping import prune

    settings.WEBHOOK_LOG_RETENTION_DAYS = 30
    _running, endpoint = subscribe(*([500] * 3))
    now = timezone.now()
    old, due, recent = (send(endpoint, now - timedelta(days=d)) for d in (31, 31, 1))
    retry(now)  # every one tried: Attempt rows; all three still pending after a 500
    Delivery.objects.filter(event=old).update(state=Delivery.State.SUCCEEDED)

    deleted = prune(now=now)

    assert deleted["webhooks.Event"] == 1 and deleted["webhooks.Attempt"] == 1
    assert set(Delivery.objects.values_list("event_id", flat=True)) == {due, recent}
