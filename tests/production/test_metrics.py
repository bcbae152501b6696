"""/metrics under gunicorn adds up the counts of every worker process."""

import re

import pytest

from harness.servers import get

pytestmark = pytest.mark.live

HEALTHZ = re.compile(
    r'referral_http_requests_total\{method="GET",route="healthz",status="200"\} (\S+)'
)


def healthz_count(server) -> float:
    status, raw = get(server.url + "/metrics")
    assert status == 200
    found = HEALTHZ.search(raw.decode())
    return float(found.group(1)) if found else 0.0


def test_metrics_count_the_requests_of_every_worker(stack):
    before = healthz_count(stack.b)
    for _ in range(40):  # either of the two workers may answer each
        assert get(stack.b.url + "/healthz")[0] == 200

    assert healthz_count(stack.b) - before == 40
    assert b'referral_sms_budget_limit{budget="RU"} 1000.0' in get(stack.b.url + "/metrics")[1]
