"""SMS gateways: where a login code goes. Chosen by the SMS_GATEWAY setting.

A gateway's `send` returns normally once the provider accepted the message, and
raises TemporaryError (worth retrying) or PermanentError (not) otherwise. Error
messages never carry the text of the SMS.
"""

import json
import random
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.utils import translation
from django.utils.module_loading import import_string


def login_code_text(code: str, language: str | None = None) -> str:
    """The text of the SMS that carries a login code, in `language` (default: the service's).

    Its last line binds the code to the site for browsers (Web OTP) and Android's SMS
    Retriever: "@referral.example #1234".
    """
    with translation.override(language or settings.LANGUAGE_CODE):
        text = translation.gettext("Login code: %(code)s") % {"code": code}
    return f"{text}\n\n@{settings.WEB_OTP_HOST} #{code}" if settings.WEB_OTP_HOST else text


@dataclass(frozen=True)
class Sms:
    phone: str
    text: str


class SmsError(Exception):
    pass


class TemporaryError(SmsError):
    """The provider may accept the message later: a timeout, a 5xx, its own 'try later'."""


class PermanentError(SmsError):
    """Retrying will not help: bad credentials, no money, a refused number."""


class ConsoleGateway:
    """Development: waits like a provider would, then prints the SMS to the server's terminal.

    It runs inside a background task, never in a request.
    """

    def send(self, sms: Sms) -> None:
        low, high = settings.SMS_CONSOLE_DELAY_SECONDS
        time.sleep(random.uniform(low, high))  # noqa: S311 - emulated latency, not a secret
        one_line = " ".join(sms.text.split())  # one line of the log per SMS
        sys.stdout.write(f"[SMS] to {sms.phone}: {one_line}\n")
        sys.stdout.flush()


# Messages sent through LocmemGateway, newest last (like django.core.mail.outbox).
outbox: list[Sms] = []


class LocmemGateway:
    """Tests: keeps messages in `outbox`."""

    def send(self, sms: Sms) -> None:
        outbox.append(sms)


class SmsRuGateway:
    """SMS.ru's HTTP API (POST /sms/send with json=1), credentials from SMSRU_API_ID."""

    # Status codes of SMS.ru that mean "later": service unavailable, overloaded.
    TEMPORARY_STATUS_CODES = {220, 500, 501, 502, 503}

    def send(self, sms: Sms) -> None:
        number = sms.phone.lstrip("+")
        body = urlencode(
            {"api_id": settings.SMSRU_API_ID, "to": number, "msg": sms.text, "json": 1}
        ).encode()
        request = urllib.request.Request(settings.SMSRU_URL, data=body, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT_SECONDS) as response:  # noqa: S310
                payload = json.loads(response.read())
        except urllib.error.HTTPError as error:
            kind = TemporaryError if error.code >= 500 or error.code == 429 else PermanentError
            raise kind(f"SMS.ru answered HTTP {error.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise TemporaryError(f"SMS.ru unreachable: {type(error).__name__}") from None
        except ValueError:
            raise TemporaryError("SMS.ru answered something that is not JSON") from None

        if not isinstance(payload, dict):
            raise TemporaryError("SMS.ru answered an unexpected JSON shape")
        result = payload
        if payload.get("status") == "OK":  # the request went through: how did this number fare?
            per_number = payload.get("sms")
            found = per_number.get(number) if isinstance(per_number, dict) else None
            result = found if isinstance(found, dict) else {}
        if result.get("status") == "OK":
            return
        status_code = result.get("status_code")
        kind = TemporaryError if status_code in self.TEMPORARY_STATUS_CODES else PermanentError
        raise kind(f"SMS.ru refused the message: status_code {status_code}")


def send(sms: Sms) -> None:
    import_string(settings.SMS_GATEWAY)().send(sms)
