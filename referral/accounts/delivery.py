"""Delivering one login SMS: one try, its outcome recorded on the message row.

Retrying is the task's decision (referral.accounts.tasks), made from the outcome.
"""

import enum
import logging
from datetime import datetime

from django.conf import settings

from referral.core.sealing import unseal

from . import sms
from .models import CodeMessage

logger = logging.getLogger(__name__)


class Outcome(enum.Enum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"  # by an earlier try: a message goes out once
    MISSING = "missing"  # the row is gone (pruned)
    STALE = "stale"  # its code was used or expired: sending it would only confuse
    TEMPORARY_FAILURE = "temporary_failure"  # worth another try
    FAILED = "failed"  # the provider refused it for good


def deliver_login_code(
    *, message_id: int, sealed_code: str, attempt: int, now: datetime
) -> Outcome:
    """Try once to send the message, unless it was sent already or can no longer help."""
    row = CodeMessage.objects.select_related("code__phone").filter(pk=message_id).first()
    if row is None:
        return Outcome.MISSING
    if row.sent_at is not None:
        return Outcome.ALREADY_SENT
    code = unseal(sealed_code, max_age=settings.OTP_TTL_SECONDS)
    if code is None or row.code.used_at is not None or row.code.expires_at <= now:
        logger.info("login SMS %s not sent: its code can no longer be used", row.pk)
        return Outcome.STALE

    CodeMessage.objects.filter(pk=row.pk).update(delivery_tries=attempt)
    try:
        sms.send(sms.Sms(phone=str(row.code.phone.number), text=sms.login_code_text(code)))
    except sms.SmsError as error:
        CodeMessage.objects.filter(pk=row.pk).update(delivery_error=str(error)[:200])
        if isinstance(error, sms.TemporaryError):
            logger.warning("login SMS %s: try %s failed: %s", row.pk, attempt, error)
            return Outcome.TEMPORARY_FAILURE
        logger.error("login SMS %s not sent: %s", row.pk, error)
        return Outcome.FAILED
    CodeMessage.objects.filter(pk=row.pk, sent_at__isnull=True).update(
        sent_at=now, delivery_error=""
    )
    logger.info("login SMS %s sent (try %s)", row.pk, attempt)
    return Outcome.SENT
