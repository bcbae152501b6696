"""Login by SMS code: the rules live here; the API and the pages call these functions."""

import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils.crypto import constant_time_compare, salted_hmac

from referral.abuse import risk
from referral.core import devices, ratelimit, sql
from referral.core.errors import (
    AccountDisabled,
    CodeExpired,
    CodeInvalid,
    DomainError,
    PhoneLocked,
    PhonePaused,
    Throttled,
    TooManyAttempts,
)
from referral.core.http import network_of
from referral.core.sealing import seal
from referral.webhooks import events

from . import delivery, selectors
from .models import CodeMessage, Phone, PhoneCode, User, WrongGuess
from .selectors import DAY, HOUR

logger = logging.getLogger(__name__)


def request_code(
    *,
    phone: str,
    ip: str,
    now: datetime,
    altcha: str | None = None,
    language: str | None = None,
    device: devices.Device | None = None,
) -> None:
    """Send `phone` (E.164) its login code: the current one while fresh, else a new one.

    `ip` is the client as referral.core.http.client_ip keys it. Re-sending the same
    code means that nobody else's request can replace the code its owner is typing.
    Risky requests are challenged or refused (referral.abuse.risk); `altcha` is the
    solution of a challenge this function raised before. The SMS is written in
    `language` (default: the service's). A `device` of the phone's account that is still
    trusted skips the phone's limits from all addresses (strangers can spend those), not
    its own address's.
    """
    ratelimit.hit(f"request_code:ip:{ip}", limit=settings.OTP_PER_IP_PER_HOUR, window=3600, now=now)
    test_code = settings.TEST_PHONE_CODES.get(phone)
    with transaction.atomic():
        guard = _phone_locked(phone)
        _ensure_not_blocked(locked_at=guard.locked_at, account_disabled=guard.account_disabled)
        if test_code:  # a test number gets its fixed code and no SMS: nothing to limit
            _new_code(guard, test_code, now)
            return
        # The risk verdict comes before the sending limits, and a refusal answers a
        # returning number as a new one (its SMS goes out behind it, if the limits let
        # it): neither the refusal nor a cooldown it started may tell who is registered.
        ask = risk.Ask(phone=phone, source=ip, returning=guard.returning, now=now)
        verdict = risk.screen(ask, solution=altcha)
        sent: selectors.SentRecently | None
        known = _known(device, guard.user_id, devices.trusted)
        if verdict.refusal is None:
            sent = _ensure_can_send(guard, ip, now, known=known)
        elif verdict.sends_anyway:
            sent = _may_send(guard, ip, now, known=known)
        else:
            sent = None
        if sent is not None:
            _queue_sms(guard, ip, now, language or settings.LANGUAGE_CODE, sent_today=sent.day)
    if sent is not None:
        risk.record_sent(ask, verdict)
    if verdict.refusal is not None:
        raise verdict.refusal  # after the commit: an automatic block made on the way stays


class _Guard(NamedTuple):
    """The phone's row, locked for this transaction, with what its account is."""

    id: int
    number: str
    locked_at: datetime | None
    account_disabled: bool
    user_id: int | None  # the phone's account, if it has one

    @property
    def returning(self) -> bool:
        return self.user_id is not None


def _phone_locked(phone: str) -> _Guard:
    """The row of `phone`, created if new, locked until the commit: parallel requests for one
    number queue here. One statement (an upsert that updates takes the row's lock, and
    RETURNING reads the account), since every round trip counts on this path."""
    phones, users = sql.tables(Phone, User)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {phones} AS p (number) VALUES (%(phone)s)
            ON CONFLICT (number) DO UPDATE SET number = EXCLUDED.number
            RETURNING p.id, p.number, p.locked_at,
                EXISTS (SELECT FROM {users} u WHERE u.phone = p.number AND NOT u.is_active),
                (SELECT u.id FROM {users} u WHERE u.phone = p.number)
            """,  # noqa: S608 - table names come from the models, values are parameters
            {"phone": phone},
        )
        return _Guard(*cursor.fetchone())


def _queue_sms(guard: _Guard, ip: str, now: datetime, language: str, *, sent_today: int) -> None:
    code = _code_to_send(guard, ip, now, sent_today=sent_today)
    # The SMS is queued by this very row (an outbox): it commits with the code or not at all.
    message = CodeMessage.objects.create(
        code=code, source=ip, created_at=now, next_try_at=now, language=language
    )
    transaction.on_commit(partial(delivery.message_queued, message_id=message.pk, now=now))


def verify_code(
    *,
    phone: str,
    code: str,
    ip: str,
    now: datetime,
    with_invite: bool = False,
    device: devices.Device | None = None,
) -> tuple[User, bool]:
    """Check `code` for `phone`; return the user (created on first login) and whether it is new.

    `with_invite`: an invite code came with this login (the webhooks' user.signed_up says so).

    Wrong guesses are counted before comparing, per client address and per phone, and
    saved even though an error is raised. A `device` of the phone's account (its cookie,
    set at an earlier login) passes the phone's pauses, which strangers can set off, within
    the device's own limit, counted before comparing (referral.core.devices.claim).
    """
    with transaction.atomic():
        # The newest code and its phone, both locked: parallel checks of one phone queue here.
        # With the phone's user, if any, so that a sign-up need not look for one.
        current = (
            PhoneCode.objects.select_related("phone")
            .select_for_update()
            .annotate(
                account_disabled=_account_disabled("phone__number"),
                user_id=Subquery(User.objects.filter(phone=OuterRef("phone__number")).values("pk")),
            )
            .filter(phone__number=phone)
            .order_by("-created_at", "-id")
            .first()
        )
        if current is None:
            raise CodeInvalid()
        _ensure_not_blocked(
            locked_at=current.phone.locked_at, account_disabled=current.account_disabled
        )
        failures = selectors.wrong_guesses(current, ip, now)
        if not _known(device, current.user_id, devices.claim):
            _ensure_may_guess(failures, now)
        if current.used_at is not None:
            raise CodeInvalid()
        if current.expires_at <= now:
            raise CodeExpired()
        tries_left = selectors.tries_left(failures.on_code_from_ip, failures.code_sent_to_ip)
        if tries_left <= 0:
            raise TooManyAttempts()

        error: DomainError | None = None
        if constant_time_compare(current.code_hash, login_code_hash(phone=phone, code=code)):
            PhoneCode.objects.filter(pk=current.pk).update(used_at=now, sealed_code="")
            if failures.from_ip:  # whoever has the code is forgiven their own typos
                WrongGuess.objects.filter(code__phone=current.phone, source=ip).delete()
            user, created = _get_or_create_user(phone, now, with_invite, current.user_id)
        else:
            WrongGuess.objects.create(code=current, source=ip, network=network_of(ip), at=now)
            if failures.total + 1 == settings.LOGIN_FAILURES_PER_PHONE:
                logger.warning(
                    "phone %s paused for every address: %s wrong codes in 24 h",
                    current.phone_id,
                    failures.total + 1,
                )
            error = TooManyAttempts() if tries_left <= 1 else CodeInvalid()
    if error is not None:
        raise error
    return user, created


def log_in(
    *,
    phone: str,
    code: str,
    ip: str,
    now: datetime,
    with_invite: bool = False,
    device: devices.Device | None = None,
) -> tuple[User, bool]:
    """verify_code within the address's hourly limit, then told to the SMS-pumping signals;
    return the user and whether it is new.

    `with_invite`: an invite code came with this login; the caller activates it at sign-up
    (referral.invites.signup: accounts knows nothing of invites).
    """
    ratelimit.hit(f"verify:ip:{ip}", limit=settings.VERIFY_PER_IP_PER_HOUR, window=3600, now=now)
    user, created = verify_code(
        phone=phone, code=code, ip=ip, now=now, with_invite=with_invite, device=device
    )
    risk.record_verified(risk.Ask(phone=phone, source=ip, returning=not created, now=now))
    return user, created


def deactivated(*, user: User, now: datetime) -> None:
    """An operator disabled `user` (is_active off): the webhooks' user.deactivated."""
    events.emit(
        "user.deactivated",
        lambda: {
            "phone": str(user.phone),
            "invite_code": user.invite_code,
            "deactivated_at": events.iso(now),
        },
        now=now,
    )


def lock_phone(*, phone: Phone, now: datetime) -> None:
    """Operator action: no code is sent to or accepted for `phone` until it is unlocked."""
    Phone.objects.filter(pk=phone.pk).update(locked_at=now)


def unlock_phone(*, phone: Phone) -> None:
    """Operator action: lift the block and forget the wrong codes that pause the number."""
    with transaction.atomic():
        Phone.objects.filter(pk=phone.pk).update(locked_at=None)
        WrongGuess.objects.filter(code__phone=phone).delete()


def login_code_hash(*, phone: str, code: str) -> str:
    """The keyed hash a login code is stored as (never the code itself)."""
    return salted_hmac("referral.login-code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _known(
    device: devices.Device | None, user_id: int | None, check: Callable[[devices.Device], bool]
) -> bool:
    """Whether `device` is a device of the account `user_id` that `check` lets through."""
    return device is not None and device.user_id == user_id and check(device)


def _account_disabled(phone_field: str) -> Exists:
    return Exists(User.objects.filter(phone=OuterRef(phone_field), is_active=False))


def _ensure_not_blocked(*, locked_at: datetime | None, account_disabled: bool) -> None:
    if locked_at is not None:
        raise PhoneLocked()
    if account_disabled:
        raise AccountDisabled()


def _new_code(guard: _Guard, code: str, now: datetime) -> PhoneCode:
    return PhoneCode.objects.create(
        phone_id=guard.id,
        code_hash=login_code_hash(phone=guard.number, code=code),
        sealed_code=seal(code),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
    )


def _code_to_send(guard: _Guard, ip: str, now: datetime, *, sent_today: int) -> PhoneCode:
    """The current code while it has half its life left (even when `ip` spent its tries at it:
    the SMS goes to the owner, and _tries_left gives `ip` more).

    With no SMS today there is none to look for: a code lives at most an hour
    (OTP_TTL_SECONDS), and each one went out by SMS when it was made."""
    current = (
        selectors.newest_code(PhoneCode.objects.filter(phone_id=guard.id), ip)
        if sent_today
        else None
    )
    fresh_until = now + timedelta(seconds=settings.OTP_TTL_SECONDS / 2)
    if current is not None and current.used_at is None and current.expires_at >= fresh_until:
        return current
    code = f"{secrets.randbelow(10**settings.OTP_LENGTH):0{settings.OTP_LENGTH}d}"
    return _new_code(guard, code, now)


def _ensure_may_guess(failures: selectors.WrongGuesses, now: datetime) -> None:
    """Paused for one address after its own failures (until they age out); for everyone only
    after many addresses': for an hour after the newest, doubled for each more /24 (or /48)
    they came from, up to the day it takes them to age out. A few networks cannot keep a
    person out for long; guessing from many is still bounded to LOGIN_FAILURES_PER_PHONE a
    day, plus one each time a pause ends (README, Security)."""
    # A count of one or more has its oldest and newest (None only where there are none).
    oldest_from_ip, oldest, newest = failures.oldest_from_ip, failures.oldest, failures.newest
    if failures.from_ip >= settings.LOGIN_FAILURES_PER_IP and oldest_from_ip is not None:
        raise PhonePaused(retry_after=selectors.seconds_until(oldest_from_ip + DAY, now))
    if failures.total >= settings.LOGIN_FAILURES_PER_PHONE and oldest and newest:
        pause = min(DAY, HOUR * 2 ** (failures.networks - 1))
        until = min(newest + pause, oldest + DAY)
        if until > now:
            raise PhonePaused(retry_after=selectors.seconds_until(until, now))


def _may_send(
    guard: _Guard, ip: str, now: datetime, *, known: bool
) -> selectors.SentRecently | None:
    """_ensure_can_send's counts when the limits let an SMS go out; None when they do not."""
    try:
        return _ensure_can_send(guard, ip, now, known=known)
    except Throttled:
        return None


def _ensure_can_send(
    guard: _Guard, ip: str, now: datetime, *, known: bool
) -> selectors.SentRecently:
    """Per phone and address, then per phone: one address never uses up the phone's share.
    A `known` device of the account skips the phone's share, which strangers can spend."""
    sent = selectors.sent_recently(guard.id, ip, now)
    resend_at = selectors.resend_time(
        sent, now, lambda: selectors.newest_code(PhoneCode.objects.filter(phone_id=guard.id), ip)
    )
    if resend_at is not None:
        raise Throttled(retry_after=selectors.seconds_until(resend_at, now))
    limits = [
        (sent.ip_hour, settings.OTP_PER_PHONE_AND_IP_PER_HOUR, sent.ip_first_of_hour, HOUR),
        (sent.ip_day, settings.OTP_PER_PHONE_AND_IP_PER_DAY, sent.ip_first_of_day, DAY),
    ]
    if not known:
        limits += [
            (sent.hour, settings.OTP_PER_PHONE_PER_HOUR, sent.first_of_hour, HOUR),
            (sent.day, settings.OTP_PER_PHONE_PER_DAY, sent.first_of_day, DAY),
        ]
    for count, limit, first, window in limits:
        if count >= limit and first is not None:  # None only where the count is 0
            raise Throttled(retry_after=selectors.seconds_until(first + window, now))
    return sent


def _logged_in(user_id: int, now: datetime) -> User:
    """The user, read as its "Last login" is set to `now`: one statement (UPDATE … RETURNING)
    in place of the read alone, since every round trip counts on the login."""
    (users,) = sql.tables(User)
    return User.objects.raw(
        f"UPDATE {users} SET last_login = %s WHERE id = %s RETURNING *",  # noqa: S608 - as above
        [now, user_id],
    )[0]


def _get_or_create_user(
    phone: str, now: datetime, with_invite: bool, user_id: int | None
) -> tuple[User, bool]:
    if user_id is not None:
        return _logged_in(user_id, now), False
    try:
        user = User.objects.create_user(phone=phone, date_joined=now, last_login=now)
    except IntegrityError:  # created meanwhile by a parallel login
        return _logged_in(User.objects.values_list("pk", flat=True).get(phone=phone), now), False
    events.emit(
        "user.signed_up",
        lambda: {
            "phone": phone,
            "invite_code": user.invite_code,
            "signed_up_at": events.iso(now),
            "with_invite_code": with_invite,
        },
        now=now,
    )
    return user, True
