"""Django's Redis cache, keeping one redis-py client per connection pool.

Django's RedisCacheClient.get_client builds a new `redis.Redis` for every cache
operation, and redis-py builds its table of response callbacks in each: about 8 % of
request_code's time, which reads and writes the cache 6 or 7 times (docs/benchmarks.md).
A redis-py client is thread-safe and holds no connection of its own (the pool does),
so one per pool is the same thing, made once.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
