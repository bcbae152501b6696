"""Housekeeping: rows that are no longer needed are deleted, on a schedule.

The worker runs it (referral.worker.start; runserver too in development):
see README "Data retention" for what is kept how long.
"""

import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connections
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from referral.accounts.models import PhoneCode
from referral.webhooks import delivery as webhooks

logger = logging.getLogger(__name__)


def prune(*, now: datetime) -> dict[str, int]:
    """Delete what has outlived its use; return how many rows of each kind went."""
    logins_before = now - timedelta(days=settings.LOGIN_RECORDS_RETENTION_DAYS)
    _, codes = PhoneCode.objects.filter(created_at__lt=logins_before).delete()
    _, sessions = Session.objects.filter(expire_date__lt=now).delete()
    _, tokens = OutstandingToken.objects.filter(expires_at__lt=now).delete()
    _, webhook_log = webhooks.prune_log(now=now)
    return {
        label: count
        for deleted in (codes, sessions, tokens, webhook_log)
        for label, count in deleted.items()
    }


class Janitor(threading.Thread):
    """Runs prune() at once and then every CLEANUP_INTERVAL_SECONDS, until stopped."""

    def __init__(self):
        super().__init__(name="janitor", daemon=True)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                deleted = prune(now=timezone.now())
                logger.info("housekeeping deleted %s", deleted or "nothing")
            except DatabaseError as error:  # the database is away: try again next time
                logger.warning("housekeeping failed: %s", type(error).__name__)
            finally:
                connections.close_all()  # this thread's own connections
            self.stopped.wait(settings.CLEANUP_INTERVAL_SECONDS)
