"""Issue 11: the short soak (bench/soak.py, about a minute): SMS delivery keeps its promise
while a worker is killed mid-send, PostgreSQL stops and a gunicorn worker is killed.

Speed is measured by `make soak` and reported in docs/reliability.md; this test asserts
only what may never happen, whatever the machine's speed.
"""

import pytest

from bench.soak import SHORT, Soak

pytestmark = pytest.mark.live


def test_a_short_soak_loses_no_sms_leaves_nothing_stuck_and_never_answers_500():
    soak = Soak(rate=20, seconds=40, faults=SHORT, lease=10, measure_throughput_first=False)

    results = soak.run()

    assert results["requests"] == 800 and results["statuses"].get("200", 0) > 600, results
    assert results["lost"] == 0, results["lost_phones"]
    assert results["stuck"] == 0
    assert results["server_errors"] == 0
    assert results["refused_with_sms"] == results["refused_with_code"] == 0
    assert set(results["codes_503"]) <= {"database_unavailable"}
    # A duplicate needs a worker killed between the provider's answer and the record:
    # at most the SMS it had in flight.
    assert results["duplicates"] <= 32
    assert set(results["states"]) <= {"sent", "expired"}
    assert [fault["name"] for fault in results["faults"]] == SHORT
