"""django-tasks-db's `db_worker`, waiting out a database outage instead of exiting,
and running the housekeeping on a schedule (referral.accounts.housekeeping).

The stock worker dies on the first connection error, so a PostgreSQL restart
would stop SMS delivery until someone restarted the worker.
"""

import logging
import time

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker

from referral.accounts.housekeeping import Janitor

logger = logging.getLogger("django_tasks_db")


class ResilientWorker(db_worker.Worker):
    RETRY_SECONDS = 2

    def run(self) -> None:
        while self.running:
            try:
                return super().run()
            except (OperationalError, InterfaceError) as error:
                logger.error(
                    "Database unavailable (%s); retrying in %s s",
                    type(error).__name__,
                    self.RETRY_SECONDS,
                )
                connections.close_all()
                time.sleep(self.RETRY_SECONDS)
        return None


class Command(db_worker.Command):
    help = "Run SMS and other tasks from the database queue (no autoreload)."

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay,
               max_tasks, worker_id, exclude_queues, **options):  # fmt: skip
        self.configure_logging(verbosity)
        worker = ResilientWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        worker.configure_signals()
        Janitor().start()
        worker.run()
