"""Delivering webhook events: the Delivery rows are the queue, as CodeMessage rows are for
SMS. A worker claims due rows with a lease (rows another worker holds are skipped: SKIP
LOCKED on PostgreSQL), sends each (`attempt`, no database), and records the outcomes.

Retries follow Svix's schedule with ±10 % jitter, keeping the event's webhook-id, for
about 28 hours; an endpoint failing for WEBHOOKS_DISABLE_AFTER_DAYS is disabled.
"""

import logging
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from referral.core import outbox

from . import endpoints, safety, signing
from .models import Attempt, Delivery, Endpoint, Event

logger = logging.getLogger(__name__)

# Seconds before each retry after a failure: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
RETRIES = [5, 300, 1800, 7200, 18000, 36000, 36000]
MAX_RESPONSE_BYTES = 64 * 1024
PENDING = Delivery.State.PENDING

queued = threading.Event()  # wakes this process's worker (runserver's) after a commit


@dataclass(frozen=True)
class Result:
    delivery_id: int
    endpoint_id: int
    attempts: int
    at: datetime
    duration_ms: int
    status: int | None = None
    response: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def fan_out(*, limit: int = 500) -> int:
    """Turn events into their deliveries (one per endpoint they were written for, if it still
    exists). Events another worker is fanning out are skipped. Returns how many events."""
    with transaction.atomic():
        rows = list(
            Event.objects.filter(fanned_out=False)
            .order_by("created_at")
            .select_for_update(skip_locked=True)
            .values_list("id", "targets", "created_at")[:limit]
        )
        if not rows:
            return 0
        wanted = {int(pk) for _, targets, _ in rows for pk in targets.split(",")}
        existing = set(Endpoint.objects.filter(id__in=wanted).values_list("id", flat=True))
        Delivery.objects.bulk_create(
            [
                Delivery(event_id=event_id, endpoint_id=pk, next_try_at=at, created_at=at)
                for event_id, targets, at in rows
                for pk in map(int, targets.split(","))
                if pk in existing
            ],
            ignore_conflicts=True,  # made already, by a worker that died before marking it
        )
        Event.objects.filter(id__in=[event_id for event_id, _, _ in rows]).update(fanned_out=True)
    return len(rows)


def claim(
    *, worker: str, limit: int, now: datetime, ids: list[int] | None = None
) -> list[Delivery]:
    """Take up to `limit` due deliveries to enabled endpoints, oldest first."""
    taken = outbox.lease_due(
        Delivery.objects.filter(
            state=PENDING, endpoint_id__in=Endpoint.objects.filter(enabled=True).values("id")
        ),
        worker=worker,
        limit=limit,
        now=now,
        lease_seconds=settings.WEBHOOKS_TIMEOUT_SECONDS * 2 + 10,  # outlives a send
        tries_field="attempts",
        ids=ids,
    )
    if not taken:
        return []
    return list(
        Delivery.objects.select_related("event", "endpoint").filter(id__in=taken).order_by("id")
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is the answer itself: a failure, never followed


_opener = urllib.request.build_opener(_NoRedirects)


def attempt(delivery: Delivery, *, now: datetime) -> Result:
    """POST the event to its endpoint once. Touches no database."""
    endpoint, event = delivery.endpoint, delivery.event
    secrets_ = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and now < endpoint.previous_secret_until
    ):
        secrets_.append(endpoint.previous_secret)
    headers = signing.headers(
        secrets_, msg_id=event.id, timestamp=int(now.timestamp()), body=event.body
    )
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked by safety.check
        endpoint.url,
        data=event.body.encode(),
        headers={
            **headers,
            "Content-Type": "application/json",
            "User-Agent": "Referral-Webhooks/1",
        },
        method="POST",
    )
    started = time.monotonic()
    result = partial(Result, delivery.pk, endpoint.pk, delivery.attempts, now)
    try:
        safety.check(endpoint.url)  # again: DNS can change
        with _opener.open(request, timeout=settings.WEBHOOKS_TIMEOUT_SECONDS) as response:
            status, raw = response.status, response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
        status, raw = error.code, error.read(MAX_RESPONSE_BYTES)
    except (safety.UnsafeURL, OSError, ValueError) as error:  # refused, DNS, connection, timeout
        error_text = f"{type(error).__name__}: {error}"[:200]
        return result(duration_ms=_ms_since(started), error=error_text)
    excerpt = raw[:300].decode("utf-8", "replace")
    return result(duration_ms=_ms_since(started), status=status, response=excerpt)


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def record(results: list[Result]) -> None:
    """The attempts, the deliveries' new states and the endpoints' health, in one transaction."""
    if not results:
        return
    with transaction.atomic():
        Attempt.objects.bulk_create(
            Attempt(
                delivery_id=r.delivery_id,
                at=r.at,
                status=r.status,
                duration_ms=r.duration_ms,
                response=r.response,
                error=r.error,
            )
            for r in results
        )
        for result in results:
            _record_one(result)


def _record_one(result: Result) -> None:
    pending = Delivery.objects.filter(id=result.delivery_id, state=PENDING)
    if result.succeeded:
        pending.update(state=Delivery.State.SUCCEEDED, lease_until=None)
        Endpoint.objects.filter(id=result.endpoint_id).update(failing_since=None)
        return
    if result.attempts > len(RETRIES):
        pending.update(state=Delivery.State.FAILED, lease_until=None)
        logger.warning(
            "webhook delivery %s failed after %s attempts", result.delivery_id, result.attempts
        )
    else:
        wait = RETRIES[result.attempts - 1] * random.uniform(0.9, 1.1)  # noqa: S311 - jitter
        pending.update(next_try_at=result.at + timedelta(seconds=wait), lease_until=None)
    _note_failure(result.endpoint_id, result.at)


def _note_failure(endpoint_id: int, now: datetime) -> None:
    """Failing since its last success: after WEBHOOKS_DISABLE_AFTER_DAYS, disabled."""
    Endpoint.objects.filter(id=endpoint_id, failing_since__isnull=True).update(failing_since=now)
    limit = now - timedelta(days=settings.WEBHOOKS_DISABLE_AFTER_DAYS)
    disabled = Endpoint.objects.filter(
        id=endpoint_id, enabled=True, failing_since__lte=limit
    ).update(
        enabled=False,
        disabled_reason=f"failing for {settings.WEBHOOKS_DISABLE_AFTER_DAYS} days",
    )
    if disabled:
        endpoints.forget_subscriptions()
        logger.warning(
            "webhook endpoint %s disabled: failing for %s days",
            endpoint_id,
            settings.WEBHOOKS_DISABLE_AFTER_DAYS,
        )


def prune_log(*, now: datetime) -> tuple[int, dict[str, int]]:
    """Events older than WEBHOOK_LOG_RETENTION_DAYS with nothing left to send, with their
    deliveries and attempts (the housekeeping calls it)."""
    before = now - timedelta(days=settings.WEBHOOK_LOG_RETENTION_DAYS)
    pending = Delivery.objects.filter(state=PENDING).values("event_id")
    old = Event.objects.filter(created_at__lt=before, fanned_out=True)
    return old.exclude(id__in=pending).delete()


def replay(deliveries, *, now: datetime) -> int:
    """Send `deliveries` (a queryset) again from the start of the schedule, same webhook-id."""
    count = deliveries.update(
        state=PENDING, attempts=0, next_try_at=now, lease_until=None, claimed_by=""
    )
    transaction.on_commit(event_queued)
    return count


def deliver_due(
    *,
    worker: str,
    limit: int,
    now: datetime,
    ids: list[int] | None = None,
    send: Callable[..., Iterable[Result]] = map,
) -> int:
    """One round: fan out, claim, send (with `send`, a `map`: the worker's is its thread
    pool's), record. Returns how many were tried."""
    fan_out()
    claimed = claim(worker=worker, limit=limit, now=now, ids=ids)
    record(list(send(partial(attempt, now=now), claimed)))
    return len(claimed)


def event_queued() -> None:
    """After the commit that wrote an event: deliver now (WEBHOOKS_DELIVER_ON_COMMIT, for
    tests), or wake this process's worker."""
    if settings.WEBHOOKS_DELIVER_ON_COMMIT:
        deliver_due(worker="on-commit", limit=100, now=timezone.now())
    else:
        queued.set()
