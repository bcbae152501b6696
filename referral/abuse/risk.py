"""How risky one request for a login code is: normal, elevated (a challenge) or blocked.

The signals are counters in the shared cache, all read in one round trip:
- conversion (codes verified ÷ SMS sent) of the number's prefix, of the client
  address and of its network (/24, or /48 for IPv6), over a sliding window;
- new numbers asked for in one block of 100 numbers (sequential pumping);
- challenges shown in the prefix and never solved;
- the share of the day's budget (country or prefix) already used.
A number with an account is "returning" and low risk: prefix and budget signals never
touch it. Operator rules come first (README "SMS pumping").
"""

import dataclasses
import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property

from django.conf import settings
from django.core.cache import cache

from referral.core import counters
from referral.core.errors import (
    ChallengeRequired,
    DomainError,
    PrefixBlocked,
    SmsBudgetExhausted,
    SourceBlocked,
)

from . import budgets, challenge, rules
from .models import Rule

logger = logging.getLogger(__name__)

BURST_SECONDS = 600  # the window of the sequential-numbers signal
DAY = 24 * 3600
DAILY_TTL = 15 * DAY  # the admin page shows 14 days


class Level(StrEnum):
    NORMAL = "normal"
    ELEVATED = "elevated"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Ask:
    """One request for a code as the signals see it; `source` is client_ip's key."""

    phone: str
    source: str
    returning: bool
    now: datetime

    @property
    def prefix(self) -> str:
        return self.phone[: 1 + settings.SMS_RISK_PREFIX_DIGITS]

    @cached_property  # read for every series of a request: worked out once
    def network(self) -> str:
        client = ipaddress.ip_network(self.source, strict=False)
        return str(client.supernet(new_prefix=24 if client.version == 4 else 48))

    @cached_property  # parses the number: once per request
    def budgets(self) -> dict[str, int]:
        """The SMS budgets this number spends (budgets.applying)."""
        return budgets.applying(self.phone)

    @property
    def hundred(self) -> str:
        return self.phone[:-2]  # the block of 100 numbers this one is in


@dataclass(frozen=True)
class Rate:
    sent: float
    verified: float

    def below(self, conversion: float, *, sent_at_least: int) -> bool:
        return self.sent >= sent_at_least and self.verified < conversion * self.sent


@dataclass(frozen=True)
class Signals:
    prefix: Rate
    source: Rate
    network: Rate
    burst: float
    unsolved: float
    budget_used: float
    rules: list[rules.Active]


@dataclass(frozen=True)
class Assessment:
    level: Level
    reasons: tuple[str, ...] = ()
    difficulty: int = 0  # the challenge's maxNumber, when elevated
    refusal: DomainError | None = None  # raised when blocked
    block: tuple[str, str] | None = None  # (kind, value) to block automatically


def screen(ask: Ask, *, solution: str | None) -> Assessment:
    """The verdict on `ask`: its `refusal` is set when it is blocked (429/503) or must solve
    a challenge first (428). An automatic block it decides on is saved at once."""
    result = assess(ask, gather(ask))
    if result.level != Level.NORMAL:
        logger.info(
            "request_code risk %s: %s",
            result.level,
            ",".join(result.reasons),
            extra={"prefix": ask.prefix, "source": ask.source, "reasons": result.reasons},
        )
    if result.block is not None:
        kind, value = result.block
        rules.block(
            kind=kind,
            value=value,
            reason=",".join(result.reasons),
            seconds=settings.SMS_RISK_BLOCK_SECONDS,
            now=ask.now,
        )
    if result.refusal is not None:
        _count_today(ask, result.refusal.code)
    elif result.level == Level.ELEVATED:
        if solution and challenge.accepts(
            solution, phone=ask.phone, difficulty=result.difficulty, now=ask.now
        ):
            _bump_once_per_number(ask, "solved")
            _count_today(ask, "challenge_solved")
        else:
            _bump_once_per_number(ask, "shown")
            _count_today(ask, "challenge_shown")
            required = ChallengeRequired(
                challenge.new(phone=ask.phone, difficulty=result.difficulty, now=ask.now),
                retried=bool(solution),
            )
            return dataclasses.replace(result, refusal=required)
    return result


def assess(ask: Ask, signals: Signals) -> Assessment:
    """The level of `ask` given `signals`; pure, so every rule is tested with made-up signals."""
    applying = rules.matching(signals.rules, phone=ask.phone, source=ask.source, now=ask.now)
    for rule in applying:
        if rule.action == Rule.Action.DENY and not rule.automatic:
            return _blocked(rule.kind, ("operator",), ask.now, until=rule.expires_at)
    allowed = {rule.kind for rule in applying if rule.action == Rule.Action.ALLOW}
    blocked = {rule.kind: rule for rule in applying if rule.automatic}
    new = not ask.returning
    reasons: list[str] = []
    risk = settings.SMS_RISK

    if risk and new and Rule.Kind.PREFIX not in allowed:
        if Rule.Kind.PREFIX in blocked:
            return _still_blocked(blocked[Rule.Kind.PREFIX], ask.now)
        if signals.prefix.below(
            settings.SMS_RISK_BLOCK_CONVERSION, sent_at_least=settings.SMS_RISK_BLOCK_MIN_SENT
        ):
            return _blocked(Rule.Kind.PREFIX, ("prefix_conversion",), ask.now, block=ask.prefix)
        if signals.prefix.below(
            settings.SMS_RISK_CONVERSION, sent_at_least=settings.SMS_RISK_MIN_SENT
        ):
            reasons.append("prefix_conversion")
        if signals.burst >= settings.SMS_RISK_BURST:
            reasons.append("sequential_numbers")
        if signals.unsolved >= settings.SMS_RISK_MIN_SENT:
            reasons.append("unsolved_challenges")

    if risk and Rule.Kind.SOURCE not in allowed:
        # Only the very address is blocked; its wider network is at most challenged.
        source_rule = blocked.get(Rule.Kind.SOURCE)
        collapsed = signals.source.below(
            settings.SMS_RISK_BLOCK_CONVERSION, sent_at_least=settings.SMS_RISK_BLOCK_MIN_SENT
        )
        if source_rule is not None or collapsed:
            if not new:  # a person who logged in before is challenged, never refused
                reasons.append("source_blocked")
            elif source_rule is not None:
                return _still_blocked(source_rule, ask.now)
            else:
                return _blocked(Rule.Kind.SOURCE, ("source_conversion",), ask.now, block=ask.source)
        at_least = settings.SMS_RISK_MIN_SENT
        if signals.source.below(settings.SMS_RISK_CONVERSION, sent_at_least=at_least):
            reasons.append("source_conversion")
        if new and signals.network.below(settings.SMS_RISK_CONVERSION, sent_at_least=at_least):
            reasons.append("network_conversion")

    if new and signals.budget_used >= 1:
        retry = budgets.seconds_until_tomorrow(ask.now)
        return Assessment(
            Level.BLOCKED, ("budget_spent",), refusal=SmsBudgetExhausted(retry_after=retry)
        )
    if risk and new and signals.budget_used >= settings.SMS_BUDGET_CHALLENGE_SHARE:
        reasons.append("budget")

    if not reasons:
        return Assessment(Level.NORMAL)
    difficulty = min(
        settings.SMS_CHALLENGE_MAX_DIFFICULTY,
        settings.SMS_CHALLENGE_DIFFICULTY * 2 ** (len(reasons) - 1),
    )
    return Assessment(Level.ELEVATED, tuple(reasons), difficulty=difficulty)


def gather(ask: Ask) -> Signals:
    """Every signal of `ask`: the counters, budgets and rules in one cache round trip."""
    windows = {name: _window(name, key, ask.now) for name, key in _series(ask).items()}
    own_budgets = ask.budgets
    budget_keys = [budgets.cache_key(name, ask.now) for name in own_budgets]
    cached = counters.read(
        [key for current, previous, _ in windows.values() for key in (current, previous)]
        + budget_keys
        + rules.cache_keys()
    )

    def count(name: str) -> float:
        current, previous, weight = windows[name]
        return cached.get(current, 0) + cached.get(previous, 0) * weight

    return Signals(
        prefix=Rate(count("prefix_sent"), count("prefix_verified")),
        source=Rate(count("source_sent"), count("source_verified")),
        network=Rate(count("network_sent"), count("network_verified")),
        burst=count("burst"),
        unsolved=count("shown") - count("solved"),
        budget_used=budgets.share_used(own_budgets, cached, now=ask.now),
        rules=rules.from_cache(cached, now=ask.now),
    )


def record_sent(ask: Ask) -> None:
    """An SMS went out for `ask`: count it for conversion, bursts and budgets (the source
    counts every SMS; the prefix and the block of 100 each number once). The source's, the
    network's and the budgets' counters are bumped in one round trip."""
    windows = _windows(ask, "source_sent", "network_sent")
    used = counters.bump({**windows, **budgets.counters_today(ask.budgets, ask.now)})
    budgets.record_sent(ask.budgets, used[len(windows) :])
    _bump_once_per_number(ask, "prefix_sent", "burst")


def record_verified(ask: Ask) -> None:
    """A code sent for `ask.phone` was used: the source converted, and the prefix (once)."""
    _bump(ask, "source_verified", "network_verified")
    _bump_once_per_number(ask, "prefix_verified")


def today(metric: str, now: datetime) -> str:
    """The key of a daily total (the admin page and /metrics read them)."""
    return f"abuse:daily:{metric}:{int(now.timestamp()) // DAY}"


def _blocked(
    kind: str,
    reasons: tuple[str, ...],
    now: datetime,
    *,
    until: datetime | None = None,
    block: str | None = None,
) -> Assessment:
    seconds = (
        max(1, int((until - now).total_seconds())) if until else settings.SMS_RISK_BLOCK_SECONDS
    )
    error = PrefixBlocked if kind == Rule.Kind.PREFIX else SourceBlocked
    return Assessment(
        Level.BLOCKED,
        reasons,
        refusal=error(retry_after=seconds),
        block=(kind, block) if block else None,
    )


def _still_blocked(rule: rules.Active, now: datetime) -> Assessment:
    """An automatic block in force; renewed once half spent, so it lasts while the traffic
    that caused it goes on, and expires SMS_RISK_BLOCK_SECONDS after it stops."""
    assert rule.expires_at is not None  # noqa: S101 - automatic blocks expire (a constraint)
    renew = rule.expires_at - now < timedelta(seconds=settings.SMS_RISK_BLOCK_SECONDS / 2)
    return _blocked(
        rule.kind,
        (f"{rule.kind}_blocked",),
        now,
        until=rule.expires_at,
        block=rule.value if renew else None,
    )


def _series(ask: Ask) -> dict[str, str]:
    return {
        "prefix_sent": ask.prefix,
        "prefix_verified": ask.prefix,
        "source_sent": ask.source,
        "source_verified": ask.source,
        "network_sent": ask.network,
        "network_verified": ask.network,
        "burst": ask.hundred,
        "shown": ask.prefix,
        "solved": ask.prefix,
    }


def _seconds(name: str) -> int:
    return BURST_SECONDS if name == "burst" else settings.SMS_RISK_WINDOW_SECONDS


def _window(name: str, key: str, now: datetime) -> tuple[str, str, float]:
    """A sliding window from two fixed ones: this one, plus the last one's share still inside."""
    seconds = _seconds(name)
    epoch = now.timestamp()
    index = int(epoch // seconds)
    weight = 1 - (epoch - index * seconds) / seconds
    base = f"abuse:{name}:{seconds}:{key}"
    return f"{base}:{index}", f"{base}:{index - 1}", weight


def _windows(ask: Ask, *names: str) -> dict[str, int]:
    """The current window's counter of each series in `names`, with its lifetime."""
    series = _series(ask)
    return {_window(n, series[n], ask.now)[0]: 2 * _seconds(n) for n in names}


def _bump(ask: Ask, *names: str) -> None:
    counters.bump(_windows(ask, *names))


def _bump_once_per_number(ask: Ask, *names: str) -> None:
    """Count `ask.phone` in the prefix's series at most once per window: nobody can spoil
    a prefix by asking for one number again and again. Bursts count new numbers only."""
    if cache.add(f"abuse:{names[0]}:{ask.phone}", 1, settings.SMS_RISK_WINDOW_SECONDS):
        _bump(ask, *(n for n in names if n != "burst" or not ask.returning))


def _count_today(ask: Ask, metric: str) -> None:
    counters.bump({today(metric, ask.now): DAILY_TTL})
