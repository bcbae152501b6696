"""The SMS delivery loop: claims queued SMS and sends them on a pool of threads."""

import logging
import time

from django.conf import settings
from django.utils import timezone

from referral.accounts import delivery

from .loop import DeliveryLoop

logger = logging.getLogger(__name__)


class SmsWorker(DeliveryLoop):
    """Claims due messages as threads come free, sends them concurrently, records outcomes
    (referral.worker.loop)."""

    label = "SMS worker"

    def __init__(self, *, threads: int | None = None, poll: float | None = None):
        super().__init__(
            name="sms-worker",
            worker_suffix="",
            threads=threads or settings.SMS_WORKER_THREADS,
            poll=poll or settings.SMS_POLL_SECONDS,
            queued=delivery.queued,
        )
        self._next_report = 0.0
        self._sent = 0
        self._windows: list[float] = []  # provider answered -> outcome recorded, seconds

    def run(self) -> None:
        logger.info("SMS worker %s: %s threads", self.worker_id, self.threads)
        super().run()

    def _record(self, results: list[delivery.Result]) -> None:
        delivery.record(results)
        recorded_at = time.monotonic()
        self._windows += [recorded_at - r.answered for r in results]
        self._sent += sum(r.outcome is delivery.Outcome.SENT for r in results)

    def _claim(self, free: int) -> int:
        if free <= 0:
            return 0
        messages = delivery.claim(worker=self.worker_id, limit=free, now=timezone.now())
        for message in messages:
            self._send(delivery.attempt, message, now=timezone.now())
        return len(messages)

    def _after_round(self) -> None:
        self._report()

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
