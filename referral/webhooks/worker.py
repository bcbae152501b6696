"""The webhook worker: a thread of `manage.py worker` (and of runserver in development)
that claims due deliveries, sends them on a small pool, and records the outcomes."""

import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from . import delivery

logger = logging.getLogger(__name__)


class WebhookWorker(threading.Thread):
    def __init__(self):
        super().__init__(name="webhook-worker", daemon=True)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:webhooks"
        self.stopped = threading.Event()
        self._pool = ThreadPoolExecutor(settings.WEBHOOKS_WORKER_THREADS, "webhook-send")

    def stop(self) -> None:
        self.stopped.set()
        delivery.queued.set()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                try:
                    busy = self._round()
                except DatabaseError as error:
                    logger.warning(
                        "webhook worker: database unavailable (%s)", type(error).__name__
                    )
                    connections.close_all()
                    self.stopped.wait(1)
                    continue
                if not busy:
                    delivery.queued.wait(settings.WEBHOOKS_POLL_SECONDS)
                    delivery.queued.clear()
        finally:
            self._pool.shutdown(wait=True)
            connections.close_all()

    def _round(self) -> bool:
        tried = delivery.deliver_due(
            worker=self.worker_id,
            limit=settings.WEBHOOKS_WORKER_THREADS,
            now=timezone.now(),
            send=self._pool.map,
        )
        return tried > 0
