"""Counters in Redis (the cache), many read or bumped in one round trip: one pipeline, or
one MGET."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache import caches


def bump(keys: Mapping[str, int]) -> list[int]:
    """Add one to each key (its value: seconds to live from its first event); new values."""
    if not keys:
        return []
    cache = caches["default"]
    # One round trip for all (Django's add + incr would take three per key). The key is
    # made with its lifetime if it is new (SET NX EX), then counted: EXPIRE NX would do
    # in one command, but only from Redis 7, and the embedded Redis is 6.2.
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    pipe = client.pipeline(transaction=False)
    for key, ttl in keys.items():
        redis_key = cache.make_and_validate_key(key)
        pipe.set(redis_key, 0, ex=ttl, nx=True)
        pipe.incr(redis_key)
    return [int(value) for value in pipe.execute()[1::2]]


def read(keys: Iterable[str]) -> dict[str, Any]:
    """The current values of `keys`, in one round trip (missing keys are left out)."""
    return caches["default"].get_many(list(keys))
