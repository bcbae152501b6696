"""The worker's threads, started: `manage.py worker` runs them in a process of their own
(production, `make serve`); in development runserver runs them beside the server, so one
command does it all."""

from .housekeeping import Janitor
from .sms import SmsWorker
from .webhooks import WebhookWorker


def start_workers() -> tuple[SmsWorker, Janitor, WebhookWorker]:
    """The background parts of the worker, started (threads of this process)."""
    sms_worker, janitor, webhook_worker = SmsWorker(), Janitor(), WebhookWorker()
    for part in (sms_worker, janitor, webhook_worker):
        part.start()
    return sms_worker, janitor, webhook_worker
