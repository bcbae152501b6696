"""SMS gateways: where a login code goes. Chosen by the SMS_GATEWAY setting."""

import random
import sys
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Sms:
    phone: str
    text: str


class ConsoleGateway:
    """Development: waits like a provider would, then prints the SMS to the server's terminal.

    It runs inside a background task, never in a request.
    """

    def send(self, sms: Sms) -> None:
        low, high = settings.SMS_CONSOLE_DELAY_SECONDS
        time.sleep(random.uniform(low, high))  # noqa: S311 - emulated latency, not a secret
        sys.stdout.write(f"[SMS] to {sms.phone}: {sms.text}\n")
        sys.stdout.flush()


# Messages sent through LocmemGateway, newest last (like django.core.mail.outbox).
outbox: list[Sms] = []


class LocmemGateway:
    """Tests: keeps messages in `outbox`."""

    def send(self, sms: Sms) -> None:
        outbox.append(sms)


def send(sms: Sms) -> None:
    import_string(settings.SMS_GATEWAY)().send(sms)
