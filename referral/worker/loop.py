"""What the SMS and the webhook workers share: a thread that claims due rows as its pool's
threads come free, sends them on the pool, and records each outcome as it comes.

The database is touched only by this thread: the pool threads talk to the receiver.
While the database is away, outcomes already known are kept and recorded once it is
back, and nothing new is claimed. `stop()` claims nothing more and returns once what is
in flight is recorded.
"""

import logging
import os
import socket
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)


class DeliveryLoop(threading.Thread):
    label = "worker"  # in its log lines

    def __init__(
        self, *, name: str, worker_suffix: str, threads: int, poll: float, queued: threading.Event
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}{worker_suffix}"
        self.threads, self.poll, self.queued = threads, poll, queued
        self.stopped = threading.Event()
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix=f"{name}-send")
        self._in_flight: dict[Future[Any], Any] = {}
        self._unrecorded: list[Any] = []

    def stop(self) -> None:
        """Claim nothing more; finish and record what is in flight, then return."""
        self.stopped.set()
        self.queued.set()

    def run(self) -> None:
        try:
            while not (self.stopped.is_set() and not self._in_flight and not self._unrecorded):
                self._collect()
                try:
                    self._record(self._unrecorded)
                    self._unrecorded = []
                    claimed = (
                        0
                        if self.stopped.is_set()
                        else self._claim(self.threads - len(self._in_flight))
                    )
                    self._after_round()
                except DatabaseError as error:  # recorded once the database is back
                    logger.warning(
                        "%s: database unavailable (%s)", self.label, type(error).__name__
                    )
                    connections.close_all()
                    self.stopped.wait(1)
                    continue
                if not claimed:
                    self._wait()
        finally:
            self._pool.shutdown(wait=True)
            connections.close_all()

    def _send(self, attempt: Any, row: Any, **kwargs: Any) -> None:
        self._in_flight[self._pool.submit(attempt, row, **kwargs)] = row

    def _collect(self) -> None:
        for future in [f for f in self._in_flight if f.done()]:
            del self._in_flight[future]
            self._unrecorded.append(future.result())

    def _wait(self) -> None:
        if self._in_flight:
            wait(list(self._in_flight), timeout=self.poll, return_when=FIRST_COMPLETED)
        else:
            self.queued.wait(self.poll)
            self.queued.clear()

    # What each worker does its own way.

    def _record(self, results: list[Any]) -> None:
        raise NotImplementedError

    def _claim(self, free: int) -> int:
        """Claim at most `free` rows and _send them; how many."""
        raise NotImplementedError

    def _after_round(self) -> None:
        """After each round the database answered in (the SMS worker reports)."""
