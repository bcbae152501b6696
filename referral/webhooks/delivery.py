"""Delivering webhook events: the Delivery rows are the queue, as CodeMessage rows are for
SMS. A worker claims due rows with a lease (rows another worker holds are skipped: SKIP
LOCKED on PostgreSQL), sends each (`attempt`, no database), and records the outcomes.

Retries follow Svix's schedule with ±10 % jitter, keeping the event's webhook-id, for
about 28 hours; an endpoint failing for WEBHOOKS_DISABLE_AFTER_DAYS is disabled.
"""

import contextlib
import http.client
import logging
import random
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
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
        # Outlives a send (its deadline is WEBHOOKS_TIMEOUT_SECONDS): no second worker takes
        # a delivery still being sent.
        lease_seconds=settings.WEBHOOKS_TIMEOUT_SECONDS * 2 + 10,
        tries_field="attempts",
        ids=ids,
    )
    if not taken:
        return []
    return list(
        Delivery.objects.select_related("event", "endpoint").filter(id__in=taken).order_by("id")
    )


def claim_fairly(
    *, worker: str, limit: int, now: datetime, in_flight: Counter[int], per_endpoint: int
) -> list[Delivery]:
    """`claim`, keeping at most `per_endpoint` sends to one endpoint in flight (`in_flight`
    counts the worker's own by endpoint): a slow receiver holds that many threads for up
    to a deadline each, never the threads other endpoints' events need."""
    full = [pk for pk, sending in in_flight.items() if sending >= per_endpoint]
    due = (
        Delivery.objects.filter(state=PENDING, next_try_at__lte=now, endpoint__enabled=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .exclude(endpoint_id__in=full)
        .order_by("next_try_at", "id")
        .values_list("id", "endpoint_id")[: limit * per_endpoint]
    )
    room = {pk: per_endpoint - sending for pk, sending in in_flight.items()}
    ids: list[int] = []
    for pk, endpoint_id in due:
        if len(ids) < limit and room.get(endpoint_id, per_endpoint) > 0:
            room[endpoint_id] = room.get(endpoint_id, per_endpoint) - 1
            ids.append(pk)
    return claim(worker=worker, limit=limit, now=now, ids=ids) if ids else []


def attempt(
    delivery: Delivery, *, now: datetime, resolve: Callable[..., list[Any]] = socket.getaddrinfo
) -> Result:
    """POST the event to its endpoint once, all within WEBHOOKS_TIMEOUT_SECONDS (the name's
    lookup included), to the address the SSRF check approved. Touches no database."""
    endpoint, event = delivery.endpoint, delivery.event
    secrets_ = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and now < endpoint.previous_secret_until
    ):
        secrets_.append(endpoint.previous_secret)
    headers = {
        **signing.headers(
            secrets_, msg_id=event.id, timestamp=int(now.timestamp()), body=event.body
        ),
        "Content-Type": "application/json",
        "User-Agent": "Referral-Webhooks/1",
    }
    started = time.monotonic()
    deadline = started + settings.WEBHOOKS_TIMEOUT_SECONDS
    result = partial(Result, delivery.pk, endpoint.pk, delivery.attempts, now)
    connection = None
    try:
        target = safety.check(endpoint.url, resolve=partial(_looked_up, resolve, deadline))
        connection = _PinnedConnection(target, deadline=deadline)
        status, raw = connection.post(body=event.body.encode(), headers=headers)
    except (safety.UnsafeURL, OSError, ValueError, http.client.HTTPException) as error:
        # refused, DNS, connection, TLS, a malformed answer, the deadline
        if isinstance(error, TimeoutError) or (connection is not None and connection.aborted):
            seconds = settings.WEBHOOKS_TIMEOUT_SECONDS
            error_text = f"timed out: no whole answer within the deadline ({seconds:g} s)"
        else:
            error_text = f"{type(error).__name__}: {error}"[:200]
        return result(duration_ms=_ms_since(started), error=error_text)
    excerpt = raw[:300].decode("utf-8", "replace")
    return result(duration_ms=_ms_since(started), status=status, response=excerpt)


# getaddrinfo cannot be interrupted: a lookup runs here, and a send waits for it only
# until its deadline (a hung resolver then holds a thread of this pool, not the send).
_lookups = ThreadPoolExecutor(4, thread_name_prefix="webhook-dns")


def _looked_up(
    resolve: Callable[..., list[Any]], deadline: float, *args: object, **kwargs: object
) -> list[Any]:
    return _lookups.submit(resolve, *args, **kwargs).result(timeout=_left(deadline))


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the deadline passed")
    return left


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP or HTTPS to the addresses `target` was checked with (never looked up again:
    DNS rebinding), naming its host in the Host header and TLS (SNI and the certificate's
    name). A watchdog thread ends it at `deadline`, however slowly the receiver answers:
    a socket timeout counts for each read alone (1 byte every 4 s kept one send 60 s)."""

    def __init__(self, target: safety.Target, *, deadline: float):
        super().__init__(target.host, target.port, timeout=_left(deadline))
        self.target, self.deadline = target, deadline
        self.default_port = 443 if target.scheme == "https" else 80  # Host names no port then
        self.aborted = False
        self._closed = False
        self._lock = threading.Lock()  # abort() against connect() and close()

    def post(self, *, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """The status and the first MAX_RESPONSE_BYTES of the answer (a 3xx is not followed)."""
        watchdog = threading.Timer(_left(self.deadline), self.abort)
        watchdog.start()
        try:
            self.request("POST", self.target.path, body=body, headers=headers)
            response = self.getresponse()
            raw = response.read(MAX_RESPONSE_BYTES)
        finally:
            watchdog.cancel()
            self.close()
        if self.aborted:
            raise TimeoutError("the deadline passed")
        return response.status, raw

    def connect(self) -> None:
        sock = self._connected_socket()
        if self.target.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(
                sock, server_hostname=self.host, do_handshake_on_connect=False
            )
        with self._lock:
            self.sock = sock
            if self.aborted:
                raise TimeoutError("the deadline passed")
        if isinstance(sock, ssl.SSLSocket):
            sock.do_handshake()

    def _connected_socket(self) -> socket.socket:
        failure: OSError = OSError(f"no address for {self.host}")
        for address in self.target.addresses:
            try:
                return socket.create_connection((address, self.port), _left(self.deadline))
            except OSError as error:
                failure = error
        raise failure

    def abort(self) -> None:
        """Shut the socket: a read blocked in another thread returns at once."""
        with self._lock:
            self.aborted = True
            if self.sock is not None and not self._closed:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(self.sock, socket.SHUT_RDWR)  # also under TLS

    def close(self) -> None:
        with self._lock:
            self._closed = True
            super().close()


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


def replay(deliveries: QuerySet[Delivery], *, now: datetime) -> int:
    """Send `deliveries` (a queryset) again from the start of the schedule, same webhook-id."""
    count: int = deliveries.update(
        state=PENDING, attempts=0, next_try_at=now, lease_until=None, claimed_by=""
    )
    transaction.on_commit(event_queued)
    return count


def deliver_due(*, worker: str, limit: int, now: datetime, ids: list[int] | None = None) -> int:
    """One round in this thread: fan out, claim, send one after another, record. Returns how
    many were tried. (The worker's own loop sends on its pool: worker.py.)"""
    fan_out()
    claimed = claim(worker=worker, limit=limit, now=now, ids=ids)
    record([attempt(row, now=now) for row in claimed])
    return len(claimed)


def event_queued() -> None:
    """After the commit that wrote an event: deliver now (WEBHOOKS_DELIVER_ON_COMMIT, for
    tests), or wake this process's worker."""
    if settings.WEBHOOKS_DELIVER_ON_COMMIT:
        deliver_due(worker="on-commit", limit=100, now=timezone.now())
    else:
        queued.set()
