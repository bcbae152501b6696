"""The webhook worker: a thread of `manage.py worker` (and of runserver in development)
that claims due deliveries as threads come free, sends them on a small pool, and records
each outcome as it comes. A send ends by its deadline (WEBHOOKS_TIMEOUT_SECONDS), and one
endpoint gets at most half the threads, so a slow receiver never holds the others' events."""

from collections import Counter

from django.conf import settings
from django.utils import timezone

from referral.webhooks import delivery

from .loop import DeliveryLoop


class WebhookWorker(DeliveryLoop):
    label = "webhook worker"

    def __init__(self):
        super().__init__(
            name="webhook-worker",
            worker_suffix=":webhooks",
            threads=settings.WEBHOOKS_WORKER_THREADS,
            poll=settings.WEBHOOKS_POLL_SECONDS,
            queued=delivery.queued,
        )

    def _record(self, results: list[delivery.Result]) -> None:
        delivery.record(results)

    def _claim(self, free: int) -> int:
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
            self._send(delivery.attempt, row, now=timezone.now())
        return len(claimed)
