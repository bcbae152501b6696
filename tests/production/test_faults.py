"""Redis or PostgreSQL going away: clear 503s, then recovery without a restart."""

import json

import pytest

from harness.servers import eventually, get, manage, production_env

from .conftest import Stack

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def faulty():
    with Stack(own_postgres=True) as running:  # it stops and starts its PostgreSQL
        yield running


def test_redis_down_is_a_503_and_the_service_recovers_when_it_is_back(faulty):
    faulty.redis.stop()
    try:
        status, body = faulty.call(
            faulty.a, "/api/auth/request_code/", {"phone": faulty.new_phone()}, ip=faulty.new_ip()
        )
        assert status == 503
        assert body["code"] == "cache_unavailable"
        status, raw = get(faulty.b.url + "/readyz")
        assert status == 503
        body = json.loads(raw)
        assert (body["status"], body["database"], body["cache"]) == (
            "unavailable",
            "ok",
            "unavailable",
        )
        assert "pending" in body["sms_queue"]  # the database still answers: the queue is shown
        assert get(faulty.b.url + "/ui/phone/")[0] == 200  # a page that needs no cache
    finally:
        faulty.redis.start()

    eventually(lambda: get(faulty.b.url + "/readyz")[0] == 200, interval=0.2)
    faulty.sign_up(faulty.a)
    faulty.sign_up(faulty.b)


def test_postgres_down_is_a_503_and_the_service_recovers_when_it_is_back(faulty):
    user = faulty.sign_up()
    faulty.postgres.stop()
    try:
        status, body = faulty.call(
            faulty.a, "/api/profile_back/", ip=faulty.new_ip(), token=user["access"]
        )
        assert status == 503
        assert body["code"] == "database_unavailable"
        status, raw = get(faulty.b.url + "/readyz")
        assert status == 503
        assert json.loads(raw)["database"] == "unavailable"
        assert get(faulty.a.url + "/ui/phone/")[0] == 200  # a page that needs no database
    finally:
        faulty.postgres.start()

    eventually(lambda: get(faulty.a.url + "/readyz")[0] == 200, interval=0.2)
    for server in (faulty.a, faulty.b):
        status, _ = faulty.call(
            server, "/api/profile_back/", ip=faulty.new_ip(), token=user["access"]
        )
        assert status == 200
    faulty.sign_up(faulty.b)


def test_check_deploy_is_clean_with_production_settings():
    env = production_env("postgres://u@127.0.0.1:1/x", "redis://127.0.0.1:1/0")
    for relaxed in ("SECURE_SSL_REDIRECT", "SECURE_COOKIES"):
        env.pop(relaxed)

    manage("check", "--deploy", "--fail-level", "WARNING", env=env)
