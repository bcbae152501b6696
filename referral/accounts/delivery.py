"""Delivering login codes: one SMS per message row, retried with backoff, outcome recorded."""

import logging
from datetime import datetime, timedelta

from django.conf import settings

from referral.core.sealing import unseal

from . import sms
from .models import CodeMessage
from .tasks import send_login_code

logger = logging.getLogger(__name__)


def enqueue_login_code(*, message: CodeMessage, sealed_code: str) -> None:
    send_login_code.enqueue(message.pk, sealed_code)


def deliver_login_code(*, message_id: int, sealed_code: str, attempt: int, now: datetime) -> str:
    """Send the message unless it was sent already or its code can no longer be used."""
    row = CodeMessage.objects.select_related("code__phone").filter(pk=message_id).first()
    if row is None or row.sent_at is not None:
        return "already_sent" if row else "missing"
    code = unseal(sealed_code, max_age=settings.OTP_TTL_SECONDS)
    if code is None or row.code.used_at is not None or row.code.expires_at <= now:
        logger.info("login SMS %s not sent: its code can no longer be used", row.pk)
        return "stale"

    CodeMessage.objects.filter(pk=row.pk).update(delivery_tries=attempt)
    try:
        sms.send(sms.Sms(phone=str(row.code.phone.number), text=f"Код для входа: {code}"))
    except sms.TemporaryError as error:
        return _retry_or_give_up(row, sealed_code, attempt, now, error)
    except sms.PermanentError as error:
        CodeMessage.objects.filter(pk=row.pk).update(delivery_error=str(error)[:200])
        logger.error("login SMS %s not sent: %s", row.pk, error)
        return "failed"
    CodeMessage.objects.filter(pk=row.pk, sent_at__isnull=True).update(
        sent_at=now, delivery_error=""
    )
    logger.info("login SMS %s sent (try %s)", row.pk, attempt)
    return "sent"


def _retry_or_give_up(
    row: CodeMessage, sealed_code: str, attempt: int, now: datetime, error
) -> str:
    CodeMessage.objects.filter(pk=row.pk).update(delivery_error=str(error)[:200])
    if attempt >= settings.SMS_MAX_TRIES:
        logger.error("login SMS %s not sent after %s tries: %s", row.pk, attempt, error)
        return "failed"
    task = send_login_code
    if task.get_backend().supports_defer:
        task = task.using(run_after=now + timedelta(seconds=2**attempt))  # 2 s, then 4 s
    task.enqueue(row.pk, sealed_code, attempt + 1)
    logger.warning("login SMS %s: try %s failed (%s), retrying", row.pk, attempt, error)
    return "retrying"
