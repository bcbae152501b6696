"""Fixed-window counters in the shared cache (Redis in production)."""

from datetime import datetime

from django.core.cache import cache

from .errors import DomainError, Throttled


def hit(
    key: str, *, limit: int, window: int, now: datetime, error: type[DomainError] = Throttled
) -> None:
    """Count one event for `key`; raise `error` once more than `limit` fall in one window."""
    epoch = int(now.timestamp())
    start = epoch - epoch % window
    cache_key = f"ratelimit:{key}:{window}:{start}"
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the key expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        count = 1
    if count > limit:
        raise error(retry_after=max(1, start + window - epoch))
