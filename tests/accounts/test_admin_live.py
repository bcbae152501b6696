"""The admin's login throttle on the production stack: gunicorn workers, Redis, PostgreSQL,
and real threads (issue 21, finding 1)."""

import http.client
import re
from concurrent.futures import ThreadPoolExecutor
from itertools import count, cycle
from urllib.parse import urlencode, urlsplit

import pytest

from harness.servers import manage
from harness.stack import Stack

from .test_admin import SPELLINGS  # every spelling of PHONE

pytestmark = pytest.mark.live

PHONE, PASSWORD = "+79990000000", "s3cret-pass-for-the-live-admin"
OTHER_PHONE = "+79990000009"
_ips = count(1)


def until_refused(send) -> list[int]:
    """Statuses of tries sent one after another up to the first refusal (10 at most)."""
    statuses: list[int] = []
    while len(statuses) < 10 and 429 not in statuses:
        statuses.append(send())
    return statuses


def new_ip() -> str:
    n = next(_ips)
    return f"198.18.{n // 250}.{n % 250 + 1}"


class AdminLogin:
    """POSTs to the admin's login form of one server, as browsers would (with its CSRF
    cookie and token), one connection each, redirects not followed."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        status, headers, body = self._send("GET", "/admin/login/", None, {})
        assert status == 200
        self.cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)

    def post(self, username: str, password: str, *, ip: str) -> int:
        form = {"csrfmiddlewaretoken": self.token, "username": username, "password": password}
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={self.cookie}",
            "X-Forwarded-For": ip,
        }
        status, _, _ = self._send("POST", "/admin/login/", urlencode(form), headers)
        return status

    def _send(self, method, path, body, headers):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            return response.status, response.headers, response.read().decode()
        finally:
            connection.close()


@pytest.fixture(scope="module")
def admin_server():
    with Stack(TRUSTED_PROXY_COUNT="1") as stack:
        for phone in (PHONE, OTHER_PHONE):
            manage(
                "createsuperuser", "--noinput", "--phone", phone,
                env={**stack.env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
            )  # fmt: skip
        yield stack.app_server(workers=4)


def test_finding_1_a_parallel_burst_over_every_spelling_compares_at_most_five(admin_server):
    """Issue 21, finding 1: 20 tries at once, from 20 addresses, over 5 spellings of one
    number, compared 8 passwords where the throttle allows 5; and the right password in a
    spelling of its own then opened the admin."""
    login = AdminLogin(admin_server.url)
    spellings = cycle(SPELLINGS)
    burst = [(next(spellings), new_ip()) for _ in range(20)]

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda try_: login.post(try_[0], "wrong", ip=try_[1]), burst))
    after = until_refused(lambda: login.post(next(spellings), "wrong", ip=new_ip()))
    right = login.post("8(999)000 00 00", PASSWORD, ip=new_ip())

    compared = statuses.count(200)  # the form again: the password was compared, and wrong
    print(f"burst: {compared} of 20 compared; then {after.count(200)} one by one")
    assert set(statuses) <= {200, 429} and set(after) <= {200, 429}
    assert compared <= 5
    assert compared + after.count(200) == 5
    assert right == 429


def test_finding_1_a_parallel_burst_on_one_spelling_compares_at_most_five(admin_server):
    """Issue 21, finding 1: the count was read, then written: tries in flight at once all
    read the same count. 20 at once on the exact username compare at most 5."""
    login = AdminLogin(admin_server.url)

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(
            pool.map(
                lambda ip: login.post(OTHER_PHONE, "wrong", ip=ip), [new_ip() for _ in range(20)]
            )
        )
    after = until_refused(lambda: login.post(OTHER_PHONE, "wrong", ip=new_ip()))

    compared = statuses.count(200)
    print(f"burst: {compared} of 20 compared; then {after.count(200)} one by one")
    assert set(statuses) <= {200, 429} and set(after) <= {200, 429}
    assert compared <= 5
    assert compared + after.count(200) == 5
    # The servers' own count: one WARNING line per compared, wrong password.
    logged = admin_server.wait_for_lines(
        lambda line: "admin login failed" in line and OTHER_PHONE in line, 5
    )
    assert len(logged) == 5
