"""Counters in the shared cache (Redis in production, the local cache in development).

Many counters are read or bumped in one round trip: Redis gets one pipeline or one
MGET; the other backends go key by key, which only development uses.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def bump(keys: Mapping[str, int]) -> list[int]:
    """Add one to each key (its value: seconds to live from its first event); new values."""
    cache = caches["default"]
    if not keys:
        return []
    if isinstance(cache, RedisCache):
        # One round trip for all (Django's add + incr would take three per key).
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        pipe = client.pipeline(transaction=False)
        for key, ttl in keys.items():
            redis_key = cache.make_and_validate_key(key)
            pipe.incr(redis_key)
            pipe.expire(redis_key, ttl, nx=True)
        return [int(value) for value in pipe.execute()[::2]]
    return [_bump_one(cache, key, ttl) for key, ttl in keys.items()]


def read(keys: Iterable[str]) -> dict[str, Any]:
    """The current values of `keys`, in one round trip (missing keys are left out)."""
    return caches["default"].get_many(list(keys))


def _bump_one(cache, key: str, ttl: int) -> int:
    cache.add(key, 0, timeout=ttl)
    try:
        return cache.incr(key)
    except ValueError:  # it expired between add and incr
        cache.add(key, 1, timeout=ttl)
        return 1
