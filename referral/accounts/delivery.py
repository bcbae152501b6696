"""Delivering login SMS from the outbox: the CodeMessage rows are the queue.

A worker claims pending rows with a lease (`claim`), sends each once (`attempt`,
no database involved) and records the outcomes (`record`). A worker that dies
holding a lease loses it when the lease runs out, and another takes the row
over. The one case that sends twice: the provider accepted a message and its
worker died (or lost the database past the lease) before recording it.
"""

import enum
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, Min, Q, Value, When

from referral.core import outbox
from referral.core.sealing import unseal

from . import sms
from .models import CodeMessage

logger = logging.getLogger(__name__)

PENDING = CodeMessage.State.PENDING

# Set when a message was queued in this process: an in-process worker (runserver's)
# starts on it at once instead of at its next poll.
queued = threading.Event()


class Outcome(enum.Enum):
    SENT = "sent"
    EXPIRED = "expired"  # its code was used, or would expire before it could be typed
    TEMPORARY_FAILURE = "temporary_failure"  # worth another try
    FAILED = "failed"  # the provider refused it for good


@dataclass(frozen=True)
class Result:
    message_id: int
    outcome: Outcome
    tries: int
    at: datetime  # the moment the attempt was judged at (its clock)
    error: str = ""
    # When the provider answered (time.monotonic()): until the outcome is recorded, a
    # worker that dies would leave an SMS that another worker sends again.
    answered: float = field(default_factory=time.monotonic)


def claim(
    *, worker: str, limit: int, now: datetime, ids: list[int] | None = None
) -> list[CodeMessage]:
    """Take up to `limit` pending messages that are due and not held, oldest first.

    Rows locked by another worker's claim are skipped, not waited for.
    """
    taken = outbox.lease_due(
        CodeMessage.objects.filter(state=PENDING),
        worker=worker,
        limit=limit,
        now=now,
        lease_seconds=settings.SMS_LEASE_SECONDS,
        tries_field="delivery_tries",
        ids=ids,
    )
    if not taken:
        return []
    return list(
        CodeMessage.objects.select_related("code__phone")
        .filter(id__in=taken)
        .order_by("next_try_at", "id")
    )


def attempt(message: CodeMessage, *, now: datetime) -> Result:
    """Send one claimed message, unless it can no longer help. Touches no database."""
    code = message.code
    plain = unseal(code.sealed_code, max_age=settings.OTP_TTL_SECONDS) if code.sealed_code else None
    time_left = (code.expires_at - now).total_seconds()
    if plain is None or code.used_at is not None or time_left < settings.SMS_MIN_VALIDITY_SECONDS:
        return Result(message.pk, Outcome.EXPIRED, message.delivery_tries, now)
    try:
        sms.send(
            sms.Sms(phone=str(code.phone.number), text=sms.login_code_text(plain, message.language))
        )
    except sms.SmsError as error:
        temporary = isinstance(error, sms.TemporaryError)
        outcome = Outcome.TEMPORARY_FAILURE if temporary else Outcome.FAILED
        return Result(message.pk, outcome, message.delivery_tries, now, str(error)[:200])
    return Result(message.pk, Outcome.SENT, message.delivery_tries, now)


def record(results: list[Result]) -> None:
    """Write the outcomes down, in one transaction; a message not still pending is left alone."""
    if not results:
        return
    sent = [r for r in results if r.outcome is Outcome.SENT]
    with transaction.atomic():
        if sent:
            CodeMessage.objects.filter(id__in=[r.message_id for r in sent], state=PENDING).update(
                state=CodeMessage.State.SENT,
                sent_at=Case(*(When(id=r.message_id, then=Value(r.at)) for r in sent)),
                lease_until=None,
                delivery_error="",
            )
        for result in results:
            if result.outcome is not Outcome.SENT:
                _record_unsent(result)
    for result in sent:
        logger.info("login SMS %s sent (try %s)", result.message_id, result.tries)


def _record_unsent(result: Result) -> None:
    pending = CodeMessage.objects.filter(id=result.message_id, state=PENDING)
    if result.outcome is Outcome.EXPIRED:
        pending.update(state=CodeMessage.State.EXPIRED, lease_until=None)
        logger.warning("login SMS %s not sent: its code can no longer be used", result.message_id)
    elif result.outcome is Outcome.FAILED or result.tries >= settings.SMS_MAX_TRIES:
        pending.update(
            state=CodeMessage.State.FAILED, lease_until=None, delivery_error=result.error
        )
        logger.error(
            "login SMS %s not sent after %s tries: %s",
            result.message_id,
            result.tries,
            result.error,
        )
    else:  # tried again after 2 s, then 4 s, 8 s…
        pending.update(
            next_try_at=result.at + timedelta(seconds=2**result.tries),
            lease_until=None,
            delivery_error=result.error,
        )
        logger.warning(
            "login SMS %s: try %s failed (%s), retrying",
            result.message_id,
            result.tries,
            result.error,
        )


def message_queued(*, message_id: int, now: datetime) -> None:
    """After the commit that wrote a message: send it in this thread (SMS_DELIVER_ON_COMMIT,
    for tests), or wake this process's worker, if it runs one."""
    if settings.SMS_DELIVER_ON_COMMIT:
        claimed = claim(worker="on-commit", limit=1, now=now, ids=[message_id])
        record([attempt(message, now=now) for message in claimed])
    else:
        queued.set()


def queue_state(*, now: datetime) -> dict[str, Any]:
    """What the operator watches: pending messages, the oldest one's age, leases run out."""
    stats = CodeMessage.objects.filter(state=PENDING).aggregate(
        pending=Count("id"),
        oldest=Min("created_at"),
        expired_leases=Count("id", filter=Q(lease_until__lt=now)),
    )
    oldest = stats["oldest"]
    return {
        "pending": stats["pending"],
        "oldest_seconds": round((now - oldest).total_seconds(), 1) if oldest else 0,
        "expired_leases": stats["expired_leases"],
    }
