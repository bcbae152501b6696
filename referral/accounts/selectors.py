"""Reads of the login records: what a page, the admin or a service's check needs to know.

The services (services.py) write; they read through these, in their own transaction.
Raw rows come back as named tuples, in the order of their statement's columns.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr

from referral.abuse.dashboard import PrefixCounts
from referral.core import sql

from .models import CodeMessage, Phone, PhoneCode, WrongGuess

if TYPE_CHECKING:  # django-stubs, a development dependency
    from django_stubs_ext import WithAnnotations

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Activity:
    messages: int
    wrong_guesses: int
    guessing_sources: int


def recent_activity(*, phone: Phone, now: datetime) -> Activity:
    """What the operator sees of a number: its SMS and wrong codes of the last 24 hours."""
    since = now - DAY
    guesses = WrongGuess.objects.filter(code__phone=phone, at__gt=since)
    return Activity(
        messages=CodeMessage.objects.filter(code__phone=phone, created_at__gt=since).count(),
        wrong_guesses=guesses.count(),
        guessing_sources=guesses.values("source").distinct().count(),
    )


@dataclass(frozen=True)
class CodeState:
    """What the code page tells `ip` of `phone`'s newest code, in seconds and attempts."""

    expires_in: int
    attempts_left: int
    resend_in: int  # 0: it may ask for a code now


def code_state(*, phone: str, ip: str, now: datetime) -> CodeState:
    codes = PhoneCode.objects.filter(phone__number=phone)
    current = newest_code(codes, ip)
    if current is None:
        return CodeState(expires_in=0, attempts_left=0, resend_in=0)
    resend_at = resend_time(sent_recently(current.phone_id, ip, now), now, lambda: current)
    return CodeState(
        expires_in=max(0, math.ceil((current.expires_at - now).total_seconds())),
        attempts_left=max(0, tries_left(current.wrong_from_ip, current.sent_to_ip)),
        resend_in=seconds_until(resend_at, now) if resend_at else 0,
    )


def sms_per_prefix(*, since: datetime) -> list[PrefixCounts]:
    """Per number prefix (SMS_RISK_PREFIX_DIGITS), the SMS since `since`: one grouped query,
    for the SMS-pumping page (referral.abuse.dashboard)."""
    rows = (
        CodeMessage.objects.filter(created_at__gte=since)
        .annotate(prefix=Substr("code__phone__number", 1, 1 + settings.SMS_RISK_PREFIX_DIGITS))
        .values("prefix")
        .annotate(
            numbers=Count("code__phone", distinct=True),
            verified=Count("code__phone", distinct=True, filter=Q(code__used_at__isnull=False)),
            sent=Count("id", filter=Q(state=CodeMessage.State.SENT)),
            sample=Min("code__phone__number"),
        )
    )
    return [
        PrefixCounts(
            prefix=row["prefix"],
            sample=str(row["sample"]),
            numbers=row["numbers"],
            verified=row["verified"],
            sent=row["sent"],
        )
        for row in rows
    ]


def seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


class WrongFromIp(TypedDict):
    wrong_from_ip: int
    sent_to_ip: int


def newest_code(
    codes: QuerySet[PhoneCode], ip: str
) -> "WithAnnotations[PhoneCode, WrongFromIp] | None":
    """The newest of `codes`, with the wrong guesses `ip` made at it and its SMS `ip` asked for."""
    return (
        codes.annotate(
            wrong_from_ip=_count(WrongGuess.objects.filter(code=OuterRef("pk"), source=ip)),
            sent_to_ip=_count(CodeMessage.objects.filter(code=OuterRef("pk"), source=ip)),
        )
        .order_by("-created_at", "-id")
        .first()
    )


def _count(rows: QuerySet[Any]) -> Coalesce:
    """The number of `rows` (a correlated subquery), for one annotation among several."""
    return Coalesce(Subquery(rows.order_by().values("code").annotate(n=Count("pk")).values("n")), 0)


def tries_left(wrong: int, sent: int) -> int:
    """Guesses an address still has at a code: OTP_MAX_ATTEMPTS for each SMS of it that the
    address asked for (a test number's code has none, and gets one share). Asking again
    gives more tries at the same code instead of a new code that would replace the one
    the owner is typing; the address's LOGIN_FAILURES_PER_IP still bound its guesses."""
    return settings.OTP_MAX_ATTEMPTS * max(1, sent) - wrong


class WrongGuesses(NamedTuple):
    """The phone's wrong codes of the last 24 h, and of them those from one address."""

    total: int
    oldest: datetime | None
    newest: datetime | None
    networks: int
    from_ip: int
    oldest_from_ip: datetime | None
    on_code_from_ip: int
    code_sent_to_ip: int  # the SMS of the code that the address asked for


def wrong_guesses(code: PhoneCode, ip: str, now: datetime) -> WrongGuesses:
    """One statement: the phone's wrong codes of the last 24 h, those from `ip`, and on `code`,
    with the SMS of `code` that `ip` asked for (raw, as sent_recently, and for the same
    reason)."""
    guesses, codes, messages = sql.tables(WrongGuess, PhoneCode, CodeMessage)
    statement = f"""
        SELECT count(*), min(g.at), max(g.at), count(DISTINCT g.network),
            count(*) FILTER (WHERE g.source = %(ip)s),
            min(g.at) FILTER (WHERE g.source = %(ip)s),
            count(*) FILTER (WHERE g.source = %(ip)s AND g.code_id = %(code)s),
            (SELECT count(*) FROM {messages} m WHERE m.code_id = %(code)s AND m.source = %(ip)s)
        FROM {guesses} g JOIN {codes} c ON c.id = g.code_id
        WHERE c.phone_id = %(phone)s AND g.at > %(day)s
    """  # noqa: S608 - table names come from the models, values are parameters
    params = {"phone": code.phone_id, "code": code.pk, "ip": ip, "day": now - DAY}
    return WrongGuesses(*_one_row(statement, params))


class SentRecently(NamedTuple):
    """The phone's SMS of the last day and hour, all and those one address asked for."""

    day: int
    first_of_day: datetime | None
    hour: int
    first_of_hour: datetime | None
    ip_day: int
    ip_first_of_day: datetime | None
    ip_hour: int
    ip_first_of_hour: datetime | None
    ip_newest: datetime | None
    ip_newest_unused: datetime | None  # of those whose code is unused


def sent_recently(phone_id: int, ip: str, now: datetime) -> SentRecently:
    """One statement: the phone's SMS of the last day and hour, all and from `ip`, and `ip`'s
    newest (also of those whose code is unused).

    Raw SQL: the ORM spent three times longer building this aggregate than PostgreSQL took
    to run it, on every request_code.
    """
    messages, codes = sql.tables(CodeMessage, PhoneCode)
    statement = f"""
        SELECT count(*), min(m.created_at),
            count(*) FILTER (WHERE m.created_at > %(hour)s),
            min(m.created_at) FILTER (WHERE m.created_at > %(hour)s),
            count(*) FILTER (WHERE m.source = %(ip)s),
            min(m.created_at) FILTER (WHERE m.source = %(ip)s),
            count(*) FILTER (WHERE m.source = %(ip)s AND m.created_at > %(hour)s),
            min(m.created_at) FILTER (WHERE m.source = %(ip)s AND m.created_at > %(hour)s),
            max(m.created_at) FILTER (WHERE m.source = %(ip)s),
            max(m.created_at) FILTER (WHERE m.source = %(ip)s AND c.used_at IS NULL)
        FROM {messages} m JOIN {codes} c ON c.id = m.code_id
        WHERE c.phone_id = %(phone)s AND m.created_at > %(day)s
    """  # noqa: S608 - table names come from the models, values are parameters
    params = {"phone": phone_id, "ip": ip, "hour": now - HOUR, "day": now - DAY}
    return SentRecently(*_one_row(statement, params))


def _one_row(statement: str, params: dict[str, Any]) -> tuple[Any, ...]:
    """The one row of aggregate `statement`."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row: tuple[Any, ...] = cursor.fetchone()
    return row


def resend_time(
    sent: SentRecently,
    now: datetime,
    current_code: "Callable[[], WithAnnotations[PhoneCode, WrongFromIp] | None]",
) -> datetime | None:
    """When the address's cooldown ends, if it has not yet (None: it may ask now).

    It runs from the address's newest SMS, and ends early once its code is used, or once
    the address has spent its guesses at it (`current_code()`, with the address's wrong
    guesses, read only during a cooldown): "request a new one" is then let through.
    """
    newest = sent.ip_newest
    if newest is None or newest != sent.ip_newest_unused:
        return None
    resend_at = newest + timedelta(seconds=settings.OTP_RESEND_SECONDS)
    if resend_at <= now:
        return None
    current = current_code()
    if current is not None and tries_left(current.wrong_from_ip, current.sent_to_ip) <= 0:
        return None
    return resend_at
