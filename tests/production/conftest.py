import json
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from itertools import count

import pytest

from ..servers import (
    AppServer,
    PostgresServer,
    RedisServer,
    Worker,
    get,
    manage,
    post_json,
    production_env,
)

pytestmark = pytest.mark.live

STACK_ENV = {
    "SMS_CONSOLE_DELAY_MIN": "0",
    "SMS_CONSOLE_DELAY_MAX": "0",
    "TRUSTED_PROXY_COUNT": "1",  # lets each test speak from its own client IP
    "OTP_PER_IP_PER_HOUR": "20",
}


class Stack:
    """PostgreSQL, Redis, two gunicorn app servers and one SMS worker."""

    def __init__(self, **extra_env):
        self.postgres = PostgresServer()
        self.redis = RedisServer()
        self.extra_env = extra_env
        self._ips = count(1)
        self._phones = count(1)

    def __enter__(self):
        # Each part is registered for stopping as soon as it runs, so a failed start
        # leaves nothing behind.
        self._cleanup = ExitStack()
        with self._cleanup:
            self._cleanup.enter_context(self.postgres)
            self._cleanup.enter_context(self.redis)
            self.env = production_env(
                self.postgres.url,
                self.redis.url,
                STATIC_ROOT=str(self.postgres.directory / "static"),
                **STACK_ENV,
                **self.extra_env,
            )
            manage("migrate", "-v0", env=self.env)
            manage("collectstatic", "--noinput", "-v0", env=self.env)
            self.worker = self._cleanup.enter_context(Worker(self.env))
            self.a = self._cleanup.enter_context(AppServer(self.env))
            self.b = self._cleanup.enter_context(AppServer(self.env))
            self._cleanup = self._cleanup.pop_all()
        return self

    def __exit__(self, *exc):
        self._cleanup.close()

    def new_ip(self) -> str:
        n = next(self._ips)
        return f"198.18.{n // 250}.{n % 250 + 1}"

    def new_phone(self) -> str:
        return f"+7999{next(self._phones) + 3_000_000:07d}"

    def call(self, server, path, body=None, *, ip, token=None):
        headers = {"X-Forwarded-For": ip}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is None:
            status, raw = get(server.url + path, headers)
        else:
            status, raw = post_json(server.url + path, json.dumps(body).encode(), headers)
        return status, json.loads(raw) if raw else None

    def code_for(self, phone: str, nth: int = 1) -> str:
        lines = self.worker.wait_for_lines(lambda line: f"[SMS] to {phone}:" in line, nth)
        assert len(lines) >= nth, "no SMS for " + phone + ":\n" + "".join(self.worker.lines[-20:])
        return re.search(r"(\d+)\s*$", lines[nth - 1]).group(1)

    def sign_up(self, server=None, phone=None, ip=None, **extra) -> dict:
        server, phone, ip = server or self.a, phone or self.new_phone(), ip or self.new_ip()
        status, body = self.call(server, "/api/auth/request_code/", {"phone": phone}, ip=ip)
        assert status == 200, body
        status, body = self.call(
            server,
            "/api/auth/verify_code/",
            {"phone": phone, "code": self.code_for(phone), **extra},
            ip=ip,
        )
        assert status == 200, body
        return body


@pytest.fixture(scope="package")
def stack():
    with Stack() as running:
        yield running


def in_parallel(calls):
    """Run the callables at once on threads; return their results in order."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))
