"""The SMS delivery loop: claims queued SMS and sends them on a pool of threads."""

import logging
import os
import socket
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from referral.accounts import delivery
from referral.accounts.models import CodeMessage

logger = logging.getLogger(__name__)


class SmsWorker(threading.Thread):
    """Claims due messages as threads come free, sends them concurrently, records outcomes.

    The database is touched only by this thread: the pool threads talk to the provider.
    While the database is away, outcomes already known are kept and recorded once it is
    back, and nothing new is claimed.
    """

    def __init__(self, *, threads: int | None = None, poll: float | None = None):
        super().__init__(name="sms-worker", daemon=True)
        self.threads = threads or settings.SMS_WORKER_THREADS
        self.poll = poll or settings.SMS_POLL_SECONDS
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self.stopped = threading.Event()
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="sms-send")
        self._in_flight: dict[Future, CodeMessage] = {}
        self._unrecorded: list[delivery.Result] = []
        self._next_report = 0.0
        self._sent = 0
        self._windows: list[float] = []  # provider answered -> outcome recorded, seconds

    def stop(self) -> None:
        """Claim nothing more; finish and record what is in flight, then return."""
        self.stopped.set()
        delivery.queued.set()

    def run(self) -> None:
        logger.info("SMS worker %s: %s threads", self.worker_id, self.threads)
        try:
            while not (self.stopped.is_set() and not self._in_flight and not self._unrecorded):
                self._collect()
                try:
                    delivery.record(self._unrecorded)
                    recorded_at = time.monotonic()
                    self._windows += [recorded_at - r.answered for r in self._unrecorded]
                    self._sent += sum(r.outcome is delivery.Outcome.SENT for r in self._unrecorded)
                    self._unrecorded = []
                    if not self.stopped.is_set():
                        self._claim()
                    self._report()
                except DatabaseError as error:  # recorded once the database is back
                    logger.warning("SMS worker: database unavailable (%s)", type(error).__name__)
                    connections.close_all()
                    self.stopped.wait(1)
                    continue
                self._wait()
        finally:
            self._pool.shutdown(wait=True)
            connections.close_all()

    def _claim(self) -> None:
        free = self.threads - len(self._in_flight)
        if free <= 0:
            return
        for message in delivery.claim(worker=self.worker_id, limit=free, now=timezone.now()):
            future = self._pool.submit(delivery.attempt, message, now=timezone.now())
            self._in_flight[future] = message

    def _collect(self) -> None:
        for future in [f for f in self._in_flight if f.done()]:
            del self._in_flight[future]
            self._unrecorded.append(future.result())

    def _wait(self) -> None:
        if self._in_flight:
            wait(list(self._in_flight), timeout=self.poll, return_when=FIRST_COMPLETED)
        else:
            delivery.queued.wait(self.poll)
            delivery.queued.clear()

    def _report(self) -> None:
        """Every 10 s: what was sent, and a WARNING when the queue is deeper or older than
        the settings allow."""
        now = timezone.now().timestamp()
        if now < self._next_report:
            return
        self._next_report = now + 10
        if self._windows:
            windows = sorted(self._windows)
            logger.info(
                "SMS worker %s: %s sent; answered -> recorded p50 %.1f ms, max %.1f ms",
                self.worker_id,
                self._sent,
                windows[len(windows) // 2] * 1000,
                windows[-1] * 1000,
            )
            self._sent, self._windows = 0, []
        state = delivery.queue_state(now=timezone.now())
        if (
            state["pending"] > settings.SMS_QUEUE_WARN_DEPTH
            or state["oldest_seconds"] > settings.SMS_QUEUE_WARN_AGE_SECONDS
        ):
            logger.warning("SMS queue behind: %s", state)
