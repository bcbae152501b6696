"""The SMS queue: what is enqueued, and whether a failed try is tried again."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .delivery import Outcome, deliver_login_code
from .models import CodeMessage

logger = logging.getLogger(__name__)


def enqueue_login_code(*, message: CodeMessage, sealed_code: str) -> None:
    send_login_code.enqueue(message.pk, sealed_code)


@task()
def send_login_code(message_id: int, sealed_code: str, attempt: int = 1) -> str:
    """Deliver one login SMS; the code travels sealed (see referral.core.sealing).

    A temporary failure is tried again after 2 s, then 4 s…, up to SMS_MAX_TRIES.
    """
    now = timezone.now()
    outcome = deliver_login_code(
        message_id=message_id, sealed_code=sealed_code, attempt=attempt, now=now
    )
    if outcome is not Outcome.TEMPORARY_FAILURE:
        return outcome.value
    if attempt >= settings.SMS_MAX_TRIES:
        logger.error("login SMS %s not sent after %s tries", message_id, attempt)
        return Outcome.FAILED.value
    retry = send_login_code
    if retry.get_backend().supports_defer:
        retry = retry.using(run_after=now + timedelta(seconds=2**attempt))
    retry.enqueue(message_id, sealed_code, attempt + 1)
    return outcome.value
