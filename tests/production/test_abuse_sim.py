"""A short `make abuse-sim` (30 simulated minutes at 60x): the defence works end to end on
the production stack. The full run and its numbers: docs/abuse.md."""

import json
import subprocess
import sys

import pytest

from harness.servers import ROOT

pytestmark = pytest.mark.live


def test_the_short_attack_simulation_stops_the_botnets_and_serves_every_real_user(tmp_path):
    out = tmp_path / "abuse.json"
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "abuse_sim.py"), "--short", "--out", str(out)],
        check=True,
        timeout=600,
    )

    results = json.loads(out.read_text())
    verdict, runs = results["verdict"], results["runs"]
    assert verdict["real_refused"] == 0
    assert verdict["real_never_challenged"] >= 0.98
    # The short run's attack is small next to what the defence lets through while it
    # learns a prefix (SMS_RISK_PREFIX_BLOCK_MIN_SENT numbers, 20 since issue 21's finding
    # 15: 60 of the pumping botnet's SMS here), so its cut is lower than the full run's.
    assert verdict["attacker_sms_cut"] >= 0.75
    for scenario in ("pumping botnet", "slow botnet", "burst from one address"):
        assert runs["risk signals"][scenario]["sms"] < runs["fixed counters"][scenario]["sms"]
    # Issue 21, finding 2: ten networks spend the budget; a spent budget that refuses every
    # network without history (the ration off: what it did before) refuses real new users,
    # the ration refuses none.
    drain = results["budget_drain"]
    assert drain["before"]["botnet_sms"] >= 30 - drain["before"]["real_users"]
    assert drain["before"]["real_refused"] > 0
    assert drain["after"]["real_refused"] == 0
    # Past the budget of 30, each of the 10 networks gets its ration of 3. The budget is read
    # before an SMS and counted after it, so the requests in flight when it runs out (the
    # simulation's 8 bot threads, one per network at a time) may each still get theirs: a run
    # on a fresh clone measured 61. The bound is what the service guarantees, not a margin.
    assert drain["after"]["botnet_sms"] <= 30 + 3 * 10 + 8
