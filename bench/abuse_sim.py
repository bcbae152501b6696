"""`make abuse-sim`: SMS pumping against the production stack, with and without the defence.

    .venv/bin/python bench/abuse_sim.py [--minutes M] [--speed S] [--short]

The same traffic (seeded) is played twice on loopback, each time on a fresh stack
(gunicorn with the production settings, PostgreSQL, Redis, one SMS worker, a fake SMS.ru
that counts what it is sent):

1. "fixed counters": SMS_RISK=false and no SMS_BUDGETS, which is the service before
   the defence (per phone, per address and the global daily budget);
2. "risk signals": the defaults.

The app's clock runs --speed times as fast as the wall clock (harness/simclock), so
--minutes of simulated traffic take minutes / speed. The traffic, per simulated minute:
- real users, 3 a minute: 30 % have logged in before; 85 % type their code within a
  minute, the rest never do; 30 % share ten carrier-NAT addresses;
- a pumping botnet: 500 addresses, numbers in a row in 3 prefixes, 10 a minute, never
  verifying, solving every challenge;
- a slow botnet: 1,000 addresses (two requests each at most: under every per-address
  limit), random numbers in 5 prefixes, 4 a minute, never solving a challenge;
- a burst: one address, 20 a minute for 10 minutes, random numbers, solving challenges.

Then the budget-drain attack (bench/budget_drain.py), before and after issue 21's ration.

Writes bench/abuse_results.json (or --out), docs/abuse.md and docs/abuse.png (not with
--short, which `make test` runs through tests/production/test_abuse_sim.py).
"""

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import phonenumbers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import budget_drain  # noqa: E402
from harness.challenge import solve  # noqa: E402
from harness.fake_smsru import FakeSmsRu  # noqa: E402
from harness.servers import code_from_sms, free_port, manage, post_json  # noqa: E402
from harness.stack import Stack  # noqa: E402

SIM_START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC).timestamp()
SCENARIOS = ["real users", "pumping botnet", "slow botnet", "burst from one address"]
ATTACKS = SCENARIOS[1:]
PUMPED = ["+7995412", "+7995413", "+7970555"]
SLOW = ["+7996001", "+7996002", "+7996003", "+7996004", "+7996005"]
RESULTS = ROOT / "bench" / "abuse_results.json"


@dataclass
class Event:
    at: float  # simulated seconds after the traffic starts
    scenario: str
    phone: str
    ip: str
    solves: bool = True
    verifies_after: float | None = None  # simulated seconds; None: never


@dataclass
class Outcome:
    scenario: str
    phone: str
    statuses: list[int] = field(default_factory=list)
    challenged: bool = False
    latency: float = 0.0  # wall seconds until the code was sent (or the last refusal)
    sent: bool = False
    verified: bool = False


def traffic(minutes: int, rng: random.Random) -> tuple[list[Event], list[str]]:
    """The seeded traffic and the numbers that have logged in before (returning users)."""
    events: list[Event] = []
    returning: list[str] = []
    used: set[str] = set()
    cgnat = [f"100.64.{n}.1" for n in range(10)]

    def mobile(prefix: str = "+79") -> str:
        while True:
            number = prefix + "".join(rng.choice("0123456789") for _ in range(12 - len(prefix)))
            if (prefix == "+79" and number[:8] in PUMPED + SLOW) or number in used:
                continue  # real users and the burst stay out of the attacked prefixes
            parsed = phonenumbers.parse(number)
            if phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE:
                used.add(number)
                return number

    for minute in range(minutes):
        for _ in range(3):
            phone = mobile()
            if rng.random() < 0.3:
                returning.append(phone)
            ip = rng.choice(cgnat) if rng.random() < 0.3 else _address(rng, "81")
            verifies = rng.uniform(10, 60) if rng.random() < 0.85 else None
            events.append(
                Event(minute * 60 + rng.uniform(0, 60), SCENARIOS[0], phone, ip, True, verifies)
            )
    botnet = [_address(rng, "45") for _ in range(500)]
    next_number = Counter()
    for n in range(minutes * 10):
        prefix = PUMPED[n % 3]
        phone = f"{prefix}{next_number[prefix]:04d}"
        next_number[prefix] += 1
        events.append(Event(n * 6 + rng.uniform(0, 6), ATTACKS[0], phone, rng.choice(botnet)))
    slow = [_address(rng, "62") for _ in range(1000)]
    for n in range(minutes * 4):
        phone = mobile(rng.choice(SLOW))
        events.append(Event(n * 15 + rng.uniform(0, 15), ATTACKS[1], phone, slow[n % 1000], False))
    burst_ip, burst_start = _address(rng, "91"), min(30, minutes // 4) * 60
    for n in range(200):
        events.append(Event(burst_start + n * 3, ATTACKS[2], mobile(), burst_ip))
    return sorted(events, key=lambda e: e.at), returning


def _address(rng: random.Random, first: str) -> str:
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


class Run:
    def __init__(
        self, name: str, env: dict, events: list[Event], returning: list[str], speed: float
    ):
        self.name, self.env, self.events, self.returning, self.speed = (
            name,
            env,
            events,
            returning,
            speed,
        )
        self.outcomes: list[Outcome] = []
        self.lock = threading.Lock()

    def play(self) -> dict:
        provider = FakeSmsRu(port=free_port())
        env = {
            "SMS_GATEWAY": "referral.accounts.sms.SmsRuGateway",
            "SMSRU_URL": provider.url,
            "SMSRU_API_ID": "abuse-sim",
            "TRUSTED_PROXY_COUNT": "1",
            "LOG_LEVEL": "WARNING",
            # Leases and challenges last simulated seconds: at 80x, a 30 s lease would be
            # 0.4 s of wall time, and a challenge would expire before a busy bot solved it.
            "SMS_LEASE_SECONDS": "3600",
            "SMS_CHALLENGE_TTL_SECONDS": "3600",
            **self.env,
        }
        with provider, Stack(**env) as stack:
            self.provider = provider
            real_start = time.time() + 15  # gunicorn and the worker are up by then
            clock = {
                "PYTHONPATH": str(ROOT / "harness" / "simclock"),
                "SIM_CLOCK_START": str(SIM_START),
                "SIM_CLOCK_REAL": str(real_start),
                "SIM_CLOCK_SPEED": str(self.speed),
            }
            app = stack.app_server(workers=4, **clock)
            stack.sms_worker(**clock)
            self._sign_up_returning(stack.env)
            if time.time() > real_start:
                print(f"warning: the traffic starts {time.time() - real_start:.1f} s late")
            time.sleep(max(0.0, real_start - time.time()))
            self._drive(app.url, real_start)
            time.sleep(3)  # the last SMS leave the queue
            return self._summary()

    def _sign_up_returning(self, env: dict) -> None:
        numbers = json.dumps(self.returning)
        manage(
            "shell",
            "-v",
            "0",
            "-c",
            "import json; from referral.accounts.models import User; "
            f"[User.objects.create_user(phone=p) for p in json.loads('{numbers}')]",
            env=env,
        )

    def _drive(self, url: str, real_start: float) -> None:
        # The bots' proof-of-work runs in a low-priority process of its own: in this process
        # it would hold the GIL and delay the real users' requests, which is no cost of the
        # service (a botnet solves on its own machines). The threads finish before it stops.
        solver = ProcessPoolExecutor(1, initializer=os.nice, initargs=(19,))
        with solver as self.solver, ThreadPoolExecutor(64) as pool:
            done = []
            for event in self.events:
                time.sleep(max(0.0, real_start + event.at / self.speed - time.time()))
                done.append(pool.submit(self._one, url, event, real_start))
            for future in done:
                future.result()  # an error in the simulation itself stops it

    def _one(self, url: str, event: Event, real_start: float) -> None:
        outcome = Outcome(event.scenario, event.phone)
        started = time.time()
        body = {"phone": event.phone}
        for _ in range(3):
            status, raw = post_json(
                url + "/api/auth/request_code/",
                json.dumps(body).encode(),
                {"X-Forwarded-For": event.ip},
            )
            outcome.statuses.append(status)
            if status != 428:
                break
            outcome.challenged = True
            if not event.solves:
                break
            challenge = json.loads(raw)["challenge"]
            body = {"phone": event.phone, "altcha": self.solver.submit(solve, challenge).result()}
        outcome.latency = time.time() - started
        outcome.sent = outcome.statuses[-1] == 200
        if outcome.sent and event.verifies_after is not None:
            time.sleep(
                max(0.0, real_start + (event.at + event.verifies_after) / self.speed - time.time())
            )
            outcome.verified = self._verify(url, event)
        with self.lock:
            self.outcomes.append(outcome)

    def _verify(self, url: str, event: Event) -> bool:
        deadline = time.time() + 5
        while time.time() < deadline:
            texts = [f["msg"] for f in list(self.provider.received) if f"+{f['to']}" == event.phone]
            if texts:
                code = code_from_sms(texts[-1])
                body = json.dumps({"phone": event.phone, "code": code}).encode()
                status, _ = post_json(
                    url + "/api/auth/verify_code/", body, {"X-Forwarded-For": event.ip}
                )
                return status == 200
            time.sleep(0.05)
        return False

    def _summary(self) -> dict:
        sms = Counter(f"+{form['to']}" for form in self.provider.received)
        scenario_of = {o.phone: o.scenario for o in self.outcomes}
        by: dict[str, dict] = {}
        for scenario in SCENARIOS:
            mine = [o for o in self.outcomes if o.scenario == scenario]
            latencies = sorted(o.latency for o in mine if o.sent)
            by[scenario] = {
                "requests": len(mine),
                "sms": sum(
                    count for phone, count in sms.items() if scenario_of.get(phone) == scenario
                ),
                "served_unchallenged": sum(o.sent and not o.challenged for o in mine),
                "challenged": sum(o.challenged for o in mine),
                "refused": sum(not o.sent for o in mine),
                "verified": sum(o.verified for o in mine),
                "statuses": dict(Counter(o.statuses[-1] for o in mine)),
                "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
                "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1)
                if latencies
                else None,
            }
        return by


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=int, default=120)
    parser.add_argument("--speed", type=float, default=80)
    parser.add_argument("--short", action="store_true", help="30 minutes at 60x, no report")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    minutes, speed = (30, 60.0) if args.short else (args.minutes, args.speed)
    events, returning = traffic(minutes, random.Random(12))  # noqa: S311 - simulation
    started = time.time()
    runs = {
        name: Run(name, env, events, returning, speed).play()
        for name, env in (
            ("fixed counters", {"SMS_RISK": "false", "SMS_BUDGETS": ""}),
            ("risk signals", {}),
        )
    }
    budget, networks = (30, 10) if args.short else (1000, 300)  # RU's default budget
    drain = {
        name: budget_drain.play(budget=budget, networks=networks, overflow=overflow)
        for name, overflow in (("before", 0), ("after", None))
    }
    results = {"minutes": minutes, "speed": speed, "seconds": round(time.time() - started)}
    results |= {"runs": runs, "verdict": verdict(runs), "budget_drain": drain}
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["verdict"], indent=2))
    if not args.short:
        from bench import abuse_report

        abuse_report.write(results)


def verdict(runs: dict) -> dict:
    """The issue's targets, measured."""
    fixed, risk = runs["fixed counters"], runs["risk signals"]
    attacker = {name: sum(run[s]["sms"] for s in ATTACKS) for name, run in runs.items()}
    real = risk["real users"]
    return {
        "attacker_sms": attacker,
        "attacker_sms_cut": round(1 - attacker["risk signals"] / attacker["fixed counters"], 4),
        "real_never_challenged": round(1 - real["challenged"] / real["requests"], 4),
        "real_refused": real["refused"],
        "real_p95_added_ms": round(real["p95_ms"] - fixed["real users"]["p95_ms"], 1),
    }


if __name__ == "__main__":
    main()
