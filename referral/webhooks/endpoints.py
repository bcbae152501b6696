"""Managing endpoints (the admin and `manage.py webhooks` both call these), and which
endpoints an event type goes to (cached: read on every sign-up and activation)."""

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import safety, signing
from .models import EVENT_TYPES, Endpoint

_CACHE_KEY = "webhooks:subscriptions"
# A change made in this process (or anywhere, with the shared Redis cache) counts at once;
# one made by another process on a per-process cache (runserver beside `manage.py
# webhooks add`, in development) within this many seconds.
_CACHE_SECONDS = 30


def add(*, url: str, events: list[str] | None, now: datetime) -> Endpoint:
    """A new endpoint for `events` (all types if None); its secret is only ever shown now."""
    safety.check(url)
    chosen = events or list(EVENT_TYPES)
    unknown = set(chosen) - set(EVENT_TYPES)
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(sorted(unknown))}")
    return Endpoint.objects.create(
        url=url, events=chosen, secret=signing.new_secret(), created_at=now
    )


def rotate_secret(*, endpoint: Endpoint, overlap: timedelta, now: datetime) -> str:
    """A new secret; the old one still signs too (two signatures) for `overlap`."""
    endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, now + overlap
    endpoint.secret = signing.new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return endpoint.secret


def set_enabled(*, endpoint: Endpoint, enabled: bool, reason: str = "") -> None:
    endpoint.enabled, endpoint.disabled_reason = enabled, "" if enabled else reason
    if enabled:
        endpoint.failing_since = None
    endpoint.save(update_fields=["enabled", "disabled_reason", "failing_since"])


def subscribed(event_type: str) -> list[int]:
    """The enabled endpoints that take `event_type`: one cache read."""
    subscriptions = cache.get(_CACHE_KEY)
    if subscriptions is None:
        subscriptions = list(Endpoint.objects.filter(enabled=True).values_list("id", "events"))
        cache.set(_CACHE_KEY, subscriptions, timeout=_CACHE_SECONDS)
    return [pk for pk, events in subscriptions if event_type in events]


@receiver([post_save, post_delete], sender=Endpoint)
def forget_subscriptions(**_: object) -> None:
    """After any change of an endpoint (queryset updates call it themselves)."""
    cache.delete(_CACHE_KEY)
