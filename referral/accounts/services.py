"""Login by SMS code: the rules live here; the API and the pages call these functions."""

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, Q
from django.utils.crypto import constant_time_compare, salted_hmac

from referral.core import ratelimit
from referral.core.errors import (
    CodeExpired,
    CodeInvalid,
    DomainError,
    PhoneLocked,
    PhonePaused,
    SmsBudgetExhausted,
    Throttled,
    TooManyAttempts,
)
from referral.core.sealing import seal
from referral.invites.codes import new_invite_code
from referral.invites.services import activate_invite

from .delivery import enqueue_login_code
from .models import Phone, PhoneCode, User

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
DAY_SECONDS = 24 * 3600


def request_code(*, phone: str, ip: str, now: datetime) -> None:
    """Send a new login code to `phone` (E.164), superseding any earlier one."""
    ratelimit.hit(f"request_code:ip:{ip}", limit=settings.OTP_PER_IP_PER_HOUR, window=3600, now=now)
    test_code = settings.TEST_PHONE_CODES.get(phone)
    code = test_code or f"{secrets.randbelow(10**settings.OTP_LENGTH):0{settings.OTP_LENGTH}d}"
    with transaction.atomic():
        Phone.objects.bulk_create([Phone(number=phone)], ignore_conflicts=True)  # one upsert
        guard = Phone.objects.select_for_update().get(number=phone)
        _ensure_not_blocked(guard, now)
        if not test_code:  # a test number gets its fixed code and no SMS: nothing to limit
            _ensure_can_send(guard, now)
        phone_code = PhoneCode.objects.create(
            phone=guard,
            code_hash=_hash(phone, code),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
            sent_at=now if test_code else None,
        )
        if not test_code:
            transaction.on_commit(
                partial(enqueue_login_code, phone_code=phone_code, sealed_code=seal(code))
            )


def verify_code(*, phone: str, code: str, now: datetime) -> tuple[User, bool]:
    """Check `code` for `phone`; return the user (created on first login) and whether it is new.

    Wrong guesses are counted before comparing and saved even though an error is raised.
    """
    with transaction.atomic():
        # The newest code and its phone, both locked: parallel checks of one phone queue here.
        current = (
            PhoneCode.objects.select_related("phone")
            .select_for_update()
            .filter(phone__number=phone)
            .order_by("-created_at", "-id")
            .first()
        )
        if current is None:
            raise CodeInvalid()
        guard = current.phone
        _ensure_not_blocked(guard, now)
        if current.used_at is not None:
            raise CodeInvalid()
        if current.expires_at <= now:
            raise CodeExpired()
        if current.attempts >= settings.OTP_MAX_ATTEMPTS:
            raise TooManyAttempts()

        current.attempts += 1
        error: DomainError | None = None
        guard_changed = True
        if constant_time_compare(current.code_hash, _hash(phone, code)):
            current.used_at = now
            guard_changed = bool(guard.failed_attempts or guard.paused_until)
            guard.failed_attempts = 0
            guard.paused_until = None
        else:
            guard.failed_attempts += 1
            if guard.failed_attempts >= settings.LOGIN_FAILURES_BEFORE_LOCK:
                guard.locked_at = now
            elif guard.failed_attempts % settings.LOGIN_FAILURES_BEFORE_PAUSE == 0:
                guard.paused_until = now + timedelta(seconds=settings.LOGIN_PAUSE_SECONDS)
            exhausted = current.attempts >= settings.OTP_MAX_ATTEMPTS
            error = TooManyAttempts() if exhausted else CodeInvalid()
        current.save(update_fields=["attempts", "used_at"])
        if guard_changed:  # the usual login has nothing to reset
            guard.save(update_fields=["failed_attempts", "paused_until", "locked_at"])
        if error is None:
            user, created = _get_or_create_user(phone, now)
    if error is not None:
        raise error
    return user, created


@dataclass(frozen=True)
class Login:
    user: User
    created: bool
    invite_error: DomainError | None = None


def log_in(
    *, phone: str, code: str, ip: str, now: datetime, invite_code: str | None = None
) -> Login:
    """Verify the code; on sign-up also activate `invite_code` (its failure keeps the login)."""
    ratelimit.hit(f"verify:ip:{ip}", limit=settings.VERIFY_PER_IP_PER_HOUR, window=3600, now=now)
    user, created = verify_code(phone=phone, code=code, now=now)
    invite_error = None
    if created and invite_code:
        try:
            activate_invite(user=user, code=invite_code, now=now)
        except DomainError as error:
            invite_error = error
    return Login(user=user, created=created, invite_error=invite_error)


def unlock_phone(*, phone: Phone) -> None:
    """Operator action: clear the failure count, pause and lock."""
    Phone.objects.filter(pk=phone.pk).update(failed_attempts=0, paused_until=None, locked_at=None)


def _hash(phone: str, code: str) -> str:
    return salted_hmac("referral.login-code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _ensure_not_blocked(guard: Phone, now: datetime) -> None:
    if guard.locked_at is not None:
        raise PhoneLocked()
    if guard.paused_until is not None and guard.paused_until > now:
        raise PhonePaused(retry_after=_seconds_until(guard.paused_until, now))


def seconds_until_resend(*, phone: str, now: datetime) -> int:
    """How long `phone` must wait for another code (0: it may ask now)."""
    resend_at = _resend_at(_sent_recently(PhoneCode.objects.filter(phone__number=phone), now))
    return _seconds_until(resend_at, now) if resend_at and resend_at > now else 0


def _sent_recently(codes, now: datetime) -> dict:
    """One query: the codes of the last day and hour, and the newest code's state."""
    in_hour = Q(created_at__gt=now - HOUR)
    return codes.filter(created_at__gt=now - DAY).aggregate(
        day=Count("id"),
        first_of_day=Min("created_at"),
        hour=Count("id", filter=in_hour),
        first_of_hour=Min("created_at", filter=in_hour),
        newest=Max("created_at"),
        newest_unused=Max("created_at", filter=Q(used_at__isnull=True)),
    )


def _resend_at(sent: dict) -> datetime | None:
    """The cooldown runs from the newest code, and ends early once that code is used."""
    if sent["newest"] is None or sent["newest"] != sent["newest_unused"]:
        return None
    return sent["newest"] + timedelta(seconds=settings.OTP_RESEND_SECONDS)


def _ensure_can_send(guard: Phone, now: datetime) -> None:
    sent = _sent_recently(guard.codes, now)
    resend_at = _resend_at(sent)
    if resend_at is not None and now < resend_at:
        raise Throttled(retry_after=_seconds_until(resend_at, now))
    if sent["hour"] >= settings.OTP_PER_PHONE_PER_HOUR:
        raise Throttled(retry_after=_seconds_until(sent["first_of_hour"] + HOUR, now))
    if sent["day"] >= settings.OTP_PER_PHONE_PER_DAY:
        raise Throttled(retry_after=_seconds_until(sent["first_of_day"] + DAY, now))
    # Last, so that refused requests spend none of it. A counter, not a count of the
    # ledger, so that it costs the same at any volume.
    ratelimit.hit(
        "sms:budget",
        limit=settings.SMS_DAILY_BUDGET,
        window=DAY_SECONDS,
        now=now,
        error=SmsBudgetExhausted,
    )


def _get_or_create_user(phone: str, now: datetime) -> tuple[User, bool]:
    user = User.objects.filter(phone=phone).first()
    if user is not None:
        return user, False
    for _ in range(10):
        try:
            with transaction.atomic():
                return User.objects.create_user(
                    phone=phone, invite_code=new_invite_code(), date_joined=now
                ), True
        except IntegrityError:
            user = User.objects.filter(phone=phone).first()
            if user is not None:  # created meanwhile by someone else
                return user, False
            # otherwise the invite code collided: draw another
    raise RuntimeError("Could not draw a free invite code in 10 tries.")
