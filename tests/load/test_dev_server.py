"""The brief's own `runserver` delivers codes in its terminal without holding requests."""

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.servers import DevServer, post_json

pytestmark = pytest.mark.live


def test_runserver_prints_the_code_and_it_logs_in(tmp_path):
    with DevServer(tmp_path) as server:
        status, _ = post_json(
            f"{server.url}/api/auth/request_code/", b'{"phone": "8 999 123-45-67"}'
        )
        assert status == 200
        [line] = server.wait_for_lines(lambda line: line.startswith("[SMS]"), 1)
        code = re.search(r"(\d{4})$", line.strip()).group(1)

        status, body = post_json(
            f"{server.url}/api/auth/verify_code/",
            json.dumps({"phone": "+79991234567", "code": code}).encode(),
        )
    assert status == 200
    assert json.loads(body)["phone_number"] == "+79991234567"


def test_one_hundred_concurrent_requests_for_different_phones_all_get_their_sms(tmp_path):
    # One address asking for 100 new numbers it never logs in with is SMS pumping to the
    # risk signals (tests/abuse); this test is about runserver's concurrency alone.
    with DevServer(tmp_path, OTP_PER_IP_PER_HOUR="1000", SMS_RISK="false") as server:
        phones = [f"+7999{n:07d}" for n in range(100)]

        def request(phone):
            return post_json(
                f"{server.url}/api/auth/request_code/", json.dumps({"phone": phone}).encode()
            )[0]

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=100) as pool:
            statuses = list(pool.map(request, phones))
        answered = time.monotonic() - started
        sms = server.wait_for_lines(lambda line: line.startswith("[SMS]"), 100)

    print(f"\n100 concurrent request_code answered in {answered:.2f} s")
    assert statuses == [200] * 100
    assert {line.split()[2].rstrip(":") for line in sms} == set(phones)
