"""Operator and automatic rules, read through the shared cache on every request for a code."""

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from .models import Rule

CACHE_KEY = "abuse:rules"
CACHE_SECONDS = 60  # a safety net: every change deletes the key at once


@dataclass(frozen=True)
class Active:
    kind: str
    value: str
    action: str
    automatic: bool
    expires_at: datetime | None


def cache_keys() -> list[str]:
    return [CACHE_KEY]


def from_cache(cached: dict[str, Any], *, now: datetime) -> list[Active]:
    """The rules, from the value read with the counters (or from the database on a miss)."""
    rules = cached.get(CACHE_KEY)
    if rules is None:
        rules = [
            Active(r.kind, r.value, r.action, r.automatic, r.expires_at)
            for r in Rule.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        ]
        cache.set(CACHE_KEY, rules, CACHE_SECONDS)
    return rules


def matching(rules: list[Active], *, phone: str, source: str, now: datetime) -> list[Active]:
    """The rules in force that apply: prefixes of the number, networks holding the source."""
    client = ipaddress.ip_network(source, strict=False)
    return [
        rule
        for rule in rules
        if (rule.expires_at is None or rule.expires_at > now)
        and (
            (rule.kind == Rule.Kind.PREFIX and phone.startswith(rule.value))
            or (rule.kind == Rule.Kind.SOURCE and _holds(rule.value, client))
        )
    ]


def block(*, kind: str, value: str, reason: str, seconds: int, now: datetime) -> None:
    """An automatic block of `value` for `seconds`; an operator's own rule is left alone."""
    rule, created = Rule.objects.get_or_create(
        kind=kind,
        value=value,
        defaults={
            "action": Rule.Action.DENY,
            "automatic": True,
            "reason": reason,
            "created_at": now,
            "expires_at": now + timedelta(seconds=seconds),
        },
    )
    if not created and rule.automatic:
        Rule.objects.filter(pk=rule.pk).update(
            reason=reason, created_at=now, expires_at=now + timedelta(seconds=seconds)
        )
        cache.delete(CACHE_KEY)  # update() sends no post_save


def validate(kind: str, value: str) -> str:
    """The canonical value of a rule's target, or ValidationError (admin forms)."""
    if kind == Rule.Kind.PREFIX:
        if not re.fullmatch(r"\+[0-9]{1,14}", value):
            raise ValidationError(_("A prefix is + and 1 to 14 digits, such as +7999123."))
        return value
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise ValidationError(_("Enter an address or a network, such as 203.0.113.0/24.")) from None


def _holds(network: str, client: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    rule_net = ipaddress.ip_network(network, strict=False)
    return rule_net.version == client.version and client.subnet_of(rule_net)  # type: ignore[arg-type]


@receiver([post_save, post_delete], sender=Rule)
def _forget_cached_rules(**_: object) -> None:
    cache.delete(CACHE_KEY)
