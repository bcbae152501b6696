"""Fixed-window counters in the shared cache (Redis in production)."""

from datetime import datetime

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from .errors import DomainError, Throttled


def hit(
    key: str, *, limit: int, window: int, now: datetime, error: type[DomainError] = Throttled
) -> None:
    """Count one event for `key`; raise `error` once more than `limit` fall in one window."""
    epoch = int(now.timestamp())
    start = epoch - epoch % window
    count = _increment(f"ratelimit:{key}:{window}:{start}", ttl=window)
    if count > limit:
        raise error(retry_after=max(1, start + window - epoch))


def _increment(key: str, *, ttl: int) -> int:
    """Add one to a counter that expires `ttl` seconds after its first event."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        # One round trip (Django's add + incr would take three): INCR, then EXPIRE NX.
        redis_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(redis_key, write=True)  # type: ignore[attr-defined]
        pipe = client.pipeline()
        pipe.incr(redis_key)
        pipe.expire(redis_key, ttl, nx=True)
        count, _ = pipe.execute()
        return int(count)
    cache.add(key, 0, timeout=ttl)
    try:
        return cache.incr(key)
    except ValueError:  # it expired between add and incr
        cache.add(key, 1, timeout=ttl)
        return 1
