"""The PostgreSQL backend's health check (referral.core.postgresql): no round trip, and a
connection the server dropped is still found out and replaced."""

import psycopg
import pytest
from django.db.utils import ConnectionHandler

from harness.servers import PostgresServer, eventually

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server():
    postgres = PostgresServer()
    postgres.start()
    try:
        yield postgres
    finally:
        postgres.stop()
        postgres.remove()


@pytest.fixture
def wrapper(server, django_db_blocker):
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "referral.core.postgresql",
                "NAME": "referral",
                "USER": "postgres",
                "HOST": "127.0.0.1",
                "PORT": server.port,
                "CONN_HEALTH_CHECKS": True,
            }
        }
    )
    connection = handler["default"]  # a handler of its own: the tests' database is untouched
    with django_db_blocker.unblock():
        connection.ensure_connection()
        yield connection
        connection.close()


def backend_pid(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_an_idle_connection_is_usable_without_asking_the_server(wrapper, server):
    pid = backend_pid(wrapper)

    for _ in range(3):
        assert wrapper.is_usable()

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/referral") as other:
        last = other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        assert last.fetchone()[0] == "SELECT pg_backend_pid()"  # not Django's "SELECT 1"
    assert backend_pid(wrapper) == pid  # still the same connection


def test_a_connection_the_server_ended_is_replaced(wrapper, server):
    pid = backend_pid(wrapper)
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/referral") as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])

    eventually(lambda: not wrapper.is_usable(), timeout=5)
    wrapper.health_check_done = False  # as at the start of the next request
    wrapper.close_if_health_check_failed()

    assert backend_pid(wrapper) != pid


def test_a_restart_of_the_server_is_noticed(wrapper, server):
    pid = backend_pid(wrapper)
    server.stop()
    server.start()

    assert not wrapper.is_usable()
    wrapper.health_check_done = False
    wrapper.close_if_health_check_failed()
    assert backend_pid(wrapper) != pid
