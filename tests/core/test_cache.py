"""The Redis cache backend (referral.core.cache): one redis-py client per pool, same behaviour."""

import pytest
from django.core.cache import caches

from harness.servers import RedisServer
from referral.core import counters
from referral.core.cache import RedisCache

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def redis_url():
    with RedisServer() as server:
        yield server.url


def test_one_client_object_serves_every_operation(redis_url):
    cache = RedisCache(redis_url, {})

    first = cache._cache.get_client(write=True)
    cache.set("a", 1)

    assert cache._cache.get_client(write=True) is first
    assert cache._cache.get_client() is first  # one server: reads use the same pool
    assert cache.get("a") == 1
    assert cache.add("a", 2) is False
    assert cache.incr("a") == 2
    assert cache.get_many(["a", "b"]) == {"a": 2}


def test_the_counters_pipeline_works_on_it(redis_url, settings):
    settings.CACHES = {
        "default": {"BACKEND": "referral.core.cache.RedisCache", "LOCATION": redis_url}
    }
    assert isinstance(caches["default"], RedisCache)

    assert counters.bump({"c1": 60, "c2": 60}) == [1, 1]
    assert counters.bump({"c1": 60}) == [2]
    assert counters.read(["c1", "c2", "c3"]) == {"c1": 2, "c2": 1}
