"""The SMS-pumping numbers for Prometheus, read from the cache and the database per scrape."""

from collections.abc import Iterator
from datetime import timedelta

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from . import dashboard


class AbuseCollector:
    """Gauges (the shared state is the source of truth; no process keeps a count)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        budget_used = GaugeMetricFamily(
            "referral_sms_budget_used", "SMS counted today against a budget", labels=["budget"]
        )
        budget_limit = GaugeMetricFamily(
            "referral_sms_budget_limit", "A budget's SMS per day", labels=["budget"]
        )
        for name, used, limit in dashboard.budgets_used(now=now):
            budget_used.add_metric([name], used)
            budget_limit.add_metric([name], limit)
        today = GaugeMetricFamily(
            "referral_sms_risk_events_today",
            "Challenges shown and solved, and refusals, this UTC day",
            labels=["event"],
        )
        for metric, days in dashboard.daily_totals(now=now, days=1).items():
            today.add_metric([metric], days[0])
        blocks = GaugeMetricFamily(
            "referral_sms_blocks_in_force", "Deny rules in force", labels=["kind", "automatic"]
        )
        counts: dict[tuple[str, str], int] = {}
        for rule in dashboard.blocks_in_force(now=now):
            key = (rule.kind, str(rule.automatic).lower())
            counts[key] = counts.get(key, 0) + 1
        for key, count in counts.items():
            blocks.add_metric(list(key), count)
        stats = dashboard.prefixes(since=now - timedelta(hours=24))
        sent = GaugeMetricFamily(
            "referral_sms_sent_24h", "SMS delivered in the last 24 h", labels=["country"]
        )
        for country, count in dashboard.countries(stats).items():
            sent.add_metric([country], count)
        conversion = GaugeMetricFamily(
            "referral_sms_prefix_conversion_24h",
            "Numbers that logged in / numbers asked, the 10 worst prefixes of the last 24 h",
            labels=["prefix"],
        )
        for row in stats[:10]:
            conversion.add_metric([row.prefix], row.conversion)
        yield from (budget_used, budget_limit, today, blocks, sent, conversion)
