"""Daily SMS budgets per country and per number prefix (SMS_BUDGETS) and the global one
(SMS_DAILY_BUDGET, named `global`), with alerts.

A budget's day is the UTC day. The counters live in the shared cache; they are read
with the risk signals and bumped when a code is sent. A spent budget refuses no number
by itself: referral.abuse.risk rations what each network still gets past it.
"""

import logging
import math
from datetime import datetime
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.mail import mail_admins
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DAY = 24 * 3600
ALERT_PERCENTS = (50, 80, 100)


GLOBAL = "global"


def configured() -> dict[str, int]:
    """Every budget by name: SMS_BUDGETS, then the global last resort."""
    return {**settings.SMS_BUDGETS, GLOBAL: settings.SMS_DAILY_BUDGET}


def applying(phone: str) -> dict[str, int]:
    """The budgets `phone` spends: its country's, those of prefixes it starts with, and the
    global one."""
    country = phonenumbers.region_code_for_number(phonenumbers.parse(phone))
    return {
        name: limit
        for name, limit in configured().items()
        if name in (country, GLOBAL) or (name.startswith("+") and phone.startswith(name))
    }


def cache_key(name: str, now: datetime) -> str:
    return f"abuse:budget:{name}:{int(now.timestamp()) // DAY}"


def share_used(budgets: dict[str, int], cached: dict[str, Any], *, now: datetime) -> float:
    """The largest share of `budgets` (a number's, from applying()) used today; 0 if none."""
    return max(
        (cached.get(cache_key(name, now), 0) / limit for name, limit in budgets.items()),
        default=0.0,
    )


def counters_today(budgets: dict[str, int], now: datetime) -> dict[str, int]:
    """The counters of `budgets` (from applying()) today, with their lifetime (counters.bump)."""
    return {cache_key(name, now): 2 * DAY for name in budgets}


def record_sent(budgets: dict[str, int], used: list[int]) -> None:
    """An SMS was counted against `budgets`, which have now `used` each (the caller bumps the
    counters_today() with others, in one round trip): alert when one crosses 50/80/100 %."""
    for (name, limit), count in zip(budgets.items(), used, strict=True):
        for percent in ALERT_PERCENTS:
            if count == math.ceil(limit * percent / 100):  # exactly one request sees it
                alert(budget=name, percent=percent, used=count, limit=limit)


def seconds_until_tomorrow(now: datetime) -> int:
    return DAY - int(now.timestamp()) % DAY


def alert(*, budget: str, percent: int, used: int, limit: int) -> None:
    logger.warning(
        "SMS budget %s at %s%%: %s of %s today",
        budget,
        percent,
        used,
        limit,
        extra={"event": "sms_budget", "budget": budget, "percent": percent, "used": used},
    )
    try:
        import_string(settings.SMS_BUDGET_NOTIFIER)(
            budget=budget, percent=percent, used=used, limit=limit
        )
    except Exception:  # a broken notifier must not refuse the person their code
        logger.exception("SMS budget notifier %s failed", settings.SMS_BUDGET_NOTIFIER)


def notify_admins(*, budget: str, percent: int, used: int, limit: int) -> None:
    """The default notifier: an e-mail to ALERT_EMAILS through Django's mail backend."""
    mail_admins(
        f"SMS budget {budget} at {percent}%",
        f"{used} of the {limit} SMS of today's budget {budget} are spent.\n"
        "At 80 % new numbers are challenged; past 100 % each network that has not converted "
        "gets SMS_BUDGET_OVERFLOW_PER_NETWORK more, behind the hardest challenge, until "
        "midnight UTC (README, SMS pumping).",
    )
