"""`manage.py worker`: delivers queued SMS and runs the housekeeping, until stopped.

SIGTERM or Ctrl+C: nothing new is claimed, SMS in flight are finished and recorded.
A worker killed outright loses its claims when their leases run out (SMS_LEASE_SECONDS).
"""

import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from referral.worker.start import start_workers


class Command(BaseCommand):
    help = "Deliver queued SMS (several threads) and run the housekeeping."

    def handle(self, *args, **options):
        sms_worker, janitor, webhook_worker = start_workers()

        def stop(*_):
            sms_worker.stop()
            webhook_worker.stop()
            janitor.stopped.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while sms_worker.is_alive():
            sms_worker.join(timeout=1)
        webhook_worker.join(timeout=settings.WEBHOOKS_TIMEOUT_SECONDS + 1)
