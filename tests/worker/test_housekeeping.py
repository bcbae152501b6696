"""Issue 9, finding 11: nothing pruned sessions, tokens or old login records."""

from datetime import timedelta

import psycopg
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from harness.servers import RedisServer, Worker, shared_postgres
from referral.accounts import services
from referral.accounts.models import CodeMessage, PhoneCode, WrongGuess
from referral.worker.housekeeping import prune

from ..factories import PHONE, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


def login_records_at(moment):
    services.request_code(phone=PHONE, ip="198.51.100.1", now=moment)
    code = PhoneCode.objects.latest("id")
    WrongGuess.objects.create(code=code, source="198.51.100.1", at=moment)


def a_session(expire_date):
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=expire_date)


def a_token(user, expires_at):
    OutstandingToken.objects.create(
        user=user, jti=f"jti-{expires_at.timestamp()}", token="t", expires_at=expires_at
    )


def test_prune_deletes_what_is_past_its_retention_and_keeps_the_rest(now):
    user = make_user()
    login_records_at(now - timedelta(days=15))
    login_records_at(now - timedelta(days=13))
    a_session(now - timedelta(seconds=1))
    a_session(now + timedelta(days=1))
    a_token(user, now - timedelta(seconds=1))
    a_token(user, now + timedelta(days=1))

    deleted = prune(now=now)

    assert deleted == {
        "accounts.PhoneCode": 1,
        "accounts.CodeMessage": 1,
        "accounts.WrongGuess": 1,
        "sessions.Session": 1,
        "token_blacklist.OutstandingToken": 1,
    }
    assert PhoneCode.objects.count() == CodeMessage.objects.count() == 1
    assert WrongGuess.objects.count() == Session.objects.count() == 1
    assert OutstandingToken.objects.count() == 1


def test_the_retention_is_a_setting(settings, now):
    settings.LOGIN_RECORDS_RETENTION_DAYS = 30
    login_records_at(now - timedelta(days=15))

    assert prune(now=now) == {}


@pytest.mark.live
def test_the_worker_prunes_on_its_schedule():
    """The worker process itself runs the housekeeping, with no cron and no second command."""
    database = shared_postgres.new_database()
    with RedisServer() as redis:
        env = {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": database,
            "REDIS_URL": redis.url,
            "CLEANUP_INTERVAL_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "INFO",
        }
        with psycopg.connect(database.replace("postgres://", "postgresql://")) as db:
            db.execute(
                "INSERT INTO django_session (session_key, session_data, expire_date)"
                " VALUES ('old', 'x', '2000-01-01 00:00:00+00')"
            )

        with Worker(env) as worker:
            lines = worker.wait_for_lines(lambda line: "housekeeping deleted" in line, 1)

    assert lines, "".join(worker.lines)
    assert "'sessions.Session': 1" in lines[0]
    with psycopg.connect(database.replace("postgres://", "postgresql://")) as db:
        assert db.execute("SELECT count(*) FROM django_session").fetchone() == (0,)
