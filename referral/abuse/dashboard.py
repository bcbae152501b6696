"""What the operator's SMS-pumping page shows (the admin; /metrics reads the same)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import phonenumbers
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from referral.core import counters

from . import budgets, risk
from .models import Rule

# Named in English (the page translates the names).
PERIODS = {gettext_noop("24 h"): timedelta(hours=24), gettext_noop("14 days"): timedelta(days=14)}
DAILY_METRICS = [
    "challenge_shown",
    "challenge_solved",
    "prefix_blocked",
    "source_blocked",
    "sms_unavailable",
]
METRIC_NAMES = {
    "challenge_shown": _("challenges shown"),
    "challenge_solved": _("challenges solved"),
    "prefix_blocked": _("refused: prefix blocked"),
    "source_blocked": _("refused: source blocked"),
    "sms_unavailable": _("refused: sending paused (SMS budget)"),
}


@dataclass(frozen=True)
class PrefixStats:
    prefix: str
    country: str
    numbers: int  # numbers asked for a code
    verified: int  # of them, numbers that logged in
    sent: int  # SMS delivered

    @property
    def conversion(self) -> float:
        return self.verified / self.numbers if self.numbers else 1.0


class PrefixCounts(NamedTuple):
    """One prefix's SMS, as the SMS records' owner counts them (accounts.selectors)."""

    prefix: str
    sample: str  # one number of the prefix, for its country
    numbers: int  # numbers asked for a code
    verified: int  # of them, numbers that logged in
    sent: int  # SMS delivered


SmsPerPrefix = Callable[..., list[PrefixCounts]]
# The SMS records are accounts', which stands above abuse: it hands its reader over at
# start-up (AccountsConfig.ready), and abuse reads no table of another app.
_readers: list[SmsPerPrefix] = []


def read_sms_with(reader: SmsPerPrefix) -> None:
    """`reader(since=…)` gives the SMS per prefix since that moment."""
    _readers[:] = [reader]


def prefixes(*, since: datetime) -> list[PrefixStats]:
    """Per number prefix since `since`, worst conversion first (the reader's one query)."""
    (reader,) = _readers
    stats = [
        PrefixStats(
            prefix=row.prefix,
            country=_country(row.sample),
            numbers=row.numbers,
            verified=row.verified,
            sent=row.sent,
        )
        for row in reader(since=since)
    ]
    return sorted(stats, key=lambda s: (s.conversion, -s.numbers))


def countries(stats: list[PrefixStats]) -> dict[str, int]:
    """SMS delivered per country, most first."""
    total: dict[str, int] = {}
    for row in stats:
        total[row.country] = total.get(row.country, 0) + row.sent
    return dict(sorted(total.items(), key=lambda item: -item[1]))


def daily_totals(*, now: datetime, days: int = 14) -> dict[str, list[int]]:
    """Each metric of DAILY_METRICS per UTC day, today first."""
    moments = [now - timedelta(days=n) for n in range(days)]
    keys = {
        (m, n): risk.today(m, moment) for m in DAILY_METRICS for n, moment in enumerate(moments)
    }
    cached = counters.read(keys.values())
    return {m: [cached.get(keys[m, n], 0) for n in range(days)] for m in DAILY_METRICS}


def blocks_in_force(*, now: datetime) -> list[Rule]:
    return list(
        Rule.objects.filter(action=Rule.Action.DENY)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("-created_at")
    )


def budgets_used(*, now: datetime) -> list[tuple[str, int, int]]:
    """(budget, SMS counted today, limit) for each of SMS_BUDGETS and the global one."""
    limits = budgets.configured()
    keys = {name: budgets.cache_key(name, now) for name in limits}
    cached = counters.read(keys.values())
    return [(name, cached.get(keys[name], 0), limit) for name, limit in limits.items()]


def _country(number: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or "?"
    except phonenumbers.NumberParseException:
        return "?"
