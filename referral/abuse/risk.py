"""How risky one request for a login code is: normal, elevated (a challenge) or blocked.

The signals are counters in the shared cache, all read in one round trip:
- conversion (codes verified ÷ SMS sent) of the number's prefix, of the client
  address and of its network (/24, or /48 for IPv6), over a sliding window;
- new numbers asked for in one block of 100 numbers (sequential pumping);
- challenges shown in the prefix and never solved;
- the share of the day's budget (country, prefix or global) already used, and what the
  client's network got past a spent budget.
The answer never depends on whether the number has an account (that would tell a
stranger who is registered): a refusal answers a returning number as it would a new
one, and the returning number's SMS goes out all the same. Operator rules come first
(README "SMS pumping").
"""

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property, partial

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
from referral.core.http import network_of

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
        return network_of(self.source)

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

    def converts(self) -> bool:
        """A good history: something converted, at SMS_RISK_CONVERSION or better."""
        return self.verified >= 1 and self.verified >= settings.SMS_RISK_CONVERSION * self.sent


@dataclass(frozen=True)
class Signals:
    prefix: Rate
    source: Rate
    network: Rate
    burst: float
    unsolved: float  # others' challenges: a number's own never raises its own level
    budget_used: float
    rules: list[rules.Active]
    past_budget: float = 0  # SMS the client's network got today past a spent budget
    asked_before: bool = False  # this number was counted in its prefix this window


@dataclass(frozen=True)
class Assessment:
    level: Level
    reasons: tuple[str, ...] = ()
    difficulty: int = 0  # the challenge's maxNumber, when elevated
    refusal: DomainError | None = None  # raised when blocked
    block: tuple[str, str] | None = None  # (kind, value) to block automatically
    sends_anyway: bool = False  # refused, but a returning number's SMS still goes out
    past_budget: bool = False  # sent past a spent budget: counts in the network's ration


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
    """The level of `ask` given `signals`; pure, so every rule is tested with made-up signals.

    Whether the number has an account changes no answer, only what happens behind a
    refusal (`sends_anyway`) and whether it renews a block (only new numbers' traffic does).
    """
    applying = rules.matching(signals.rules, phone=ask.phone, source=ask.source, now=ask.now)
    for rule in applying:
        if rule.action == Rule.Action.DENY and not rule.automatic:
            return _blocked(rule.kind, ("operator",), ask.now, until=rule.expires_at)
    allowed = {rule.kind for rule in applying if rule.action == Rule.Action.ALLOW}
    blocked = {rule.kind: rule for rule in applying if rule.automatic}
    refused = partial(_blocked, now=ask.now, sends_anyway=ask.returning)
    renews = not ask.returning and not signals.asked_before  # pumping asks new numbers
    reasons: list[str] = []
    risk = settings.SMS_RISK

    if risk and Rule.Kind.PREFIX not in allowed:
        if Rule.Kind.PREFIX in blocked:
            return _still_blocked(blocked[Rule.Kind.PREFIX], ask, renews=renews)
        if signals.prefix.below(
            settings.SMS_RISK_BLOCK_CONVERSION,
            sent_at_least=settings.SMS_RISK_PREFIX_BLOCK_MIN_SENT,
        ):
            block = ask.prefix if renews else None
            return refused(Rule.Kind.PREFIX, ("prefix_conversion",), block=block)
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
        if Rule.Kind.SOURCE in blocked:
            return _still_blocked(blocked[Rule.Kind.SOURCE], ask, renews=True)
        if signals.source.below(
            settings.SMS_RISK_BLOCK_CONVERSION, sent_at_least=settings.SMS_RISK_BLOCK_MIN_SENT
        ):
            return refused(Rule.Kind.SOURCE, ("source_conversion",), block=ask.source)
        at_least = settings.SMS_RISK_MIN_SENT
        if signals.source.below(settings.SMS_RISK_CONVERSION, sent_at_least=at_least):
            reasons.append("source_conversion")
        if signals.network.below(settings.SMS_RISK_CONVERSION, sent_at_least=at_least):
            reasons.append("network_conversion")

    if signals.budget_used >= 1:
        return _past_budget(ask, signals)
    if risk and signals.budget_used >= settings.SMS_BUDGET_CHALLENGE_SHARE:
        reasons.append("budget")

    if not reasons:
        return Assessment(Level.NORMAL)
    difficulty = min(
        settings.SMS_CHALLENGE_MAX_DIFFICULTY,
        settings.SMS_CHALLENGE_DIFFICULTY * 2 ** (len(reasons) - 1),
    )
    return Assessment(Level.ELEVATED, tuple(reasons), difficulty=difficulty)


def _past_budget(ask: Ask, signals: Signals) -> Assessment:
    """A budget of the number is spent: the traffic that spent it never converted, so it
    must not refuse the people who come next. A network with a good history (its address,
    its network or the number's prefix converts) is served behind the hardest challenge;
    any other network gets SMS_BUDGET_OVERFLOW_PER_NETWORK more SMS today, then 503."""
    good = any(rate.converts() for rate in (signals.source, signals.network, signals.prefix))
    if not good and signals.past_budget >= settings.SMS_BUDGET_OVERFLOW_PER_NETWORK:
        refusal = SmsBudgetExhausted(retry_after=budgets.seconds_until_tomorrow(ask.now))
        return Assessment(
            Level.BLOCKED, ("budget_spent",), refusal=refusal, sends_anyway=ask.returning
        )
    if not settings.SMS_RISK:
        return Assessment(Level.NORMAL, past_budget=True)
    return Assessment(
        Level.ELEVATED,
        ("budget_spent",),
        difficulty=settings.SMS_CHALLENGE_MAX_DIFFICULTY,
        past_budget=True,
    )


def gather(ask: Ask) -> Signals:
    """Every signal of `ask`: the counters, budgets and rules in one cache round trip."""
    windows = {name: _window(name, key, ask.now) for name, key in _series(ask).items()}
    own_budgets = ask.budgets
    budget_keys = [budgets.cache_key(name, ask.now) for name in own_budgets]
    marks = {name: _once_key(name, ask.phone) for name in ("shown", "solved", "prefix_sent")}
    past_budget = _past_budget_key(ask)
    cached = counters.read(
        [key for current, previous, _ in windows.values() for key in (current, previous)]
        + budget_keys
        + [*marks.values(), past_budget]
        + rules.cache_keys()
    )

    def count(name: str) -> float:
        current, previous, weight = windows[name]
        return float(cached.get(current, 0) + cached.get(previous, 0) * weight)

    own_unsolved = marks["shown"] in cached and marks["solved"] not in cached
    return Signals(
        prefix=Rate(count("prefix_sent"), count("prefix_verified")),
        source=Rate(count("source_sent"), count("source_verified")),
        network=Rate(count("network_sent"), count("network_verified")),
        burst=count("burst"),
        unsolved=count("shown") - count("solved") - own_unsolved,
        budget_used=budgets.share_used(own_budgets, cached, now=ask.now),
        rules=rules.from_cache(cached, now=ask.now),
        past_budget=cached.get(past_budget, 0),
        asked_before=marks["prefix_sent"] in cached,
    )


def record_sent(ask: Ask, verdict: Assessment) -> None:
    """An SMS went out for `ask`: count it for conversion, bursts and budgets (the source
    counts every SMS; the prefix and the block of 100 each number once), and in the
    network's ration when it went past a spent budget. The source's, the network's and
    the budgets' counters are bumped in one round trip."""
    windows = _windows(ask, "source_sent", "network_sent")
    ration = {_past_budget_key(ask): 2 * DAY} if verdict.past_budget else {}
    used = counters.bump({**windows, **ration, **budgets.counters_today(ask.budgets, ask.now)})
    budgets.record_sent(ask.budgets, used[len(windows) + len(ration) :])
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
    sends_anyway: bool = False,
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
        sends_anyway=sends_anyway,
    )


def _still_blocked(rule: rules.Active, ask: Ask, *, renews: bool) -> Assessment:
    """An automatic block in force; renewed once half spent by traffic that `renews` (for a
    prefix: new numbers asked for the first time), so it lasts while the pumping that caused
    it goes on, and expires SMS_RISK_BLOCK_SECONDS after it stops: a real person's retries
    and returning numbers never keep it up."""
    assert rule.expires_at is not None  # noqa: S101 - automatic blocks expire (a constraint)
    half_spent = rule.expires_at - ask.now < timedelta(seconds=settings.SMS_RISK_BLOCK_SECONDS / 2)
    return _blocked(
        rule.kind,
        (f"{rule.kind}_blocked",),
        ask.now,
        until=rule.expires_at,
        block=rule.value if half_spent and renews else None,
        sends_anyway=ask.returning,
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


def _once_key(name: str, phone: str) -> str:
    return f"abuse:{name}:{phone}"


def _past_budget_key(ask: Ask) -> str:
    return today(f"past_budget:{ask.network}", ask.now)


def _bump_once_per_number(ask: Ask, *names: str) -> None:
    """Count `ask.phone` in the prefix's series at most once per window: nobody can spoil
    a prefix by asking for one number again and again. Bursts count new numbers only."""
    if cache.add(_once_key(names[0], ask.phone), 1, settings.SMS_RISK_WINDOW_SECONDS):
        _bump(ask, *(n for n in names if n != "burst" or not ask.returning))


def _count_today(ask: Ask, metric: str) -> None:
    counters.bump({today(metric, ask.now): DAILY_TTL})
