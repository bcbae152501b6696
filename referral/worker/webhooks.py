"""The webhook worker: a thread of `manage.py worker` (and of runserver in development)
that claims due deliveries as threads come free, sends them on a small pool, and records
each outcome as it comes. A send ends by its deadline (WEBHOOKS_TIMEOUT_SECONDS), and one
endpoint gets at most half the threads, so a slow receiver never holds the others' events."""

import logging
import os
import socket
import threading
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from referral.webhooks import delivery
from referral.webhooks.models import Delivery

logger = logging.getLogger(__name__)


class WebhookWorker(threading.Thread):
    def __init__(self):
        super().__init__(name="webhook-worker", daemon=True)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:webhooks"
        self.stopped = threading.Event()
        self.threads = settings.WEBHOOKS_WORKER_THREADS
        self._pool = ThreadPoolExecutor(self.threads, "webhook-send")
        self._in_flight: dict[Future, Delivery] = {}
        self._unrecorded: list[delivery.Result] = []

    def stop(self) -> None:
        """Claim nothing more; finish and record what is in flight, then return."""
        self.stopped.set()
        delivery.queued.set()

    def run(self) -> None:
        try:
            while not (self.stopped.is_set() and not self._in_flight and not self._unrecorded):
                self._collect()
                try:
                    delivery.record(self._unrecorded)
                    self._unrecorded = []
                    claimed = 0 if self.stopped.is_set() else self._claim()
                except DatabaseError as error:  # recorded once the database is back
                    logger.warning(
                        "webhook worker: database unavailable (%s)", type(error).__name__
                    )
                    connections.close_all()
                    self.stopped.wait(1)
                    continue
                if not claimed:
                    self._wait()
        finally:
            self._pool.shutdown(wait=True)
            connections.close_all()

    def _claim(self) -> int:
        free = self.threads - len(self._in_flight)
        if free <= 0:
            return 0
        delivery.fan_out()
        claimed = delivery.claim_fairly(
            worker=self.worker_id,
            limit=free,
            now=timezone.now(),
            in_flight=Counter(d.endpoint_id for d in self._in_flight.values()),
            per_endpoint=max(1, self.threads // 2),
        )
        for row in claimed:
            self._in_flight[self._pool.submit(delivery.attempt, row, now=timezone.now())] = row
        return len(claimed)

    def _collect(self) -> None:
        for future in [f for f in self._in_flight if f.done()]:
            del self._in_flight[future]
            self._unrecorded.append(future.result())

    def _wait(self) -> None:
        if self._in_flight:
            wait(
                list(self._in_flight),
                timeout=settings.WEBHOOKS_POLL_SECONDS,
                return_when=FIRST_COMPLETED,
            )
        else:
            delivery.queued.wait(settings.WEBHOOKS_POLL_SECONDS)
            delivery.queued.clear()
