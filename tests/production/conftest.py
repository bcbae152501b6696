import json
from concurrent.futures import ThreadPoolExecutor
from itertools import count

import pytest

from harness import stack
from harness.servers import get, post_json

pytestmark = pytest.mark.live

STACK_ENV = {
    "SMS_CONSOLE_DELAY_MIN": "0",
    "SMS_CONSOLE_DELAY_MAX": "0",
    "TRUSTED_PROXY_COUNT": "1",  # lets each test speak from its own client IP
    "OTP_PER_IP_PER_HOUR": "20",
    # These tests ask for many numbers they never log in with, from few addresses: to the
    # SMS-pumping signals that is pumping. The signals on the production stack are
    # tested by test_abuse_sim.py (make abuse-sim); here the fixed limits are.
    "SMS_RISK": "false",
}


class Stack(stack.Stack):
    """The production stack with two app servers and one SMS worker, and test helpers."""

    def __init__(self, **env):
        super().__init__(**{**STACK_ENV, **env})
        self._ips = count(1)
        self._phones = count(1)

    def __enter__(self):
        super().__enter__()
        try:
            self.worker = self.sms_worker()
            self.a = self.app_server()
            self.b = self.app_server()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def new_ip(self) -> str:
        n = next(self._ips)
        return f"198.18.{n // 250}.{n % 250 + 1}"

    def new_phone(self) -> str:
        """Each of its own prefix and block of 100, as tests.factories.new_phone."""
        return f"+7999{str(next(self._phones) + 3_000_000)[::-1]}"

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
        return self.worker.sms_code(phone, nth)

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
