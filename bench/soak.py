"""`make soak`: the production stack under a steady load while faults are injected, then an
account of every request.

    .venv/bin/python bench/soak.py [--rate R] [--seconds S] [--short]

1. Starts PostgreSQL (fsync on), Redis, gunicorn (production settings, 4 sync workers),
   two SMS workers (`manage.py worker`) and a fake SMS.ru on loopback that answers
   after 100 ms and records every SMS it is sent.
2. Measures one worker's throughput: 3,000 SMS queued at once, one worker sends them.
3. Sends `request_code` for distinct numbers at a steady rate and injects, in order:
   kill -9 of a worker mid-send, PostgreSQL stopped, Redis stopped, kill -9 of a
   gunicorn worker, kill -9 of both SMS workers then a restart.
4. Waits for the queue to drain, then accounts for every request: each 200 has
   exactly one SMS (duplicates counted), each 503 has none and left no code behind,
   no 500, nothing lost, nothing stuck; request -> SMS times per window; recovery
   after each fault.
5. Writes docs/reliability.md and docs/reliability.png (unless --short, the version
   that `make test` runs through tests/production/test_soak.py).

Only loopback is touched; everything started is stopped at the end, also on errors.
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.fake_smsru import FakeSmsRu  # noqa: E402
from harness.servers import free_port, post_json  # noqa: E402
from harness.stack import Stack  # noqa: E402

PROVIDER_LATENCY = 0.1
THROUGHPUT_BATCH = 3000
DRAIN_SECONDS = 90
STEADY_TARGET_P95 = 2.0


@dataclass
class Call:
    phone: str
    start: float
    status: int = 0
    code: str = ""
    end: float = 0.0


@dataclass
class Fault:
    name: str
    at: float  # seconds into the load
    start: float = 0.0  # wall clock, when injected
    end: float = 0.0  # wall clock, when the broken part was back
    settle: float = 0.0  # seconds after `end` that still count as the fault's window


@dataclass
class Soak:
    rate: float
    seconds: float
    faults: list[str]
    lease: int = 30
    measure_throughput_first: bool = True
    calls: list[Call] = field(default_factory=list)
    timeline: list[Fault] = field(default_factory=list)
    every_worker: list = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def say(self, message: str) -> None:
        line = f"[soak {time.strftime('%H:%M:%S')}] {message}"
        self.log.append(line)
        print(line, flush=True)

    def run(self) -> dict:
        provider = FakeSmsRu(latency=PROVIDER_LATENCY, port=free_port())
        env = {
            "SMS_GATEWAY": "referral.accounts.sms.SmsRuGateway",
            "SMSRU_URL": provider.url,
            "SMSRU_API_ID": "soak",
            "SMS_LEASE_SECONDS": str(self.lease),
            "TRUSTED_PROXY_COUNT": "1",  # each request speaks from its own address
            "SMS_DAILY_BUDGET": "1000000000",
            # New numbers in a row, never verified: to the SMS-pumping defence that is
            # pumping (make abuse-sim tests that); this run tests delivery alone.
            "SMS_RISK": "false",
            "SMS_BUDGETS": "",
            "LOG_LEVEL": "INFO",
        }
        with provider, Stack(durable=True, **env) as stack:
            self.stack, self.provider = stack, provider
            self.app = stack.app_server(workers=4)
            self.workers = [self.start_worker(), self.start_worker()]
            throughput = self.measure_throughput() if self.measure_throughput_first else {}
            self.say(f"load: {self.rate:g} request_code/s for {self.seconds:g} s")
            self.load_with_faults()
            drained = self.drain()
            return self.account(throughput, drained)

    # --- one worker's throughput ---

    def measure_throughput(self) -> dict:
        """3,000 SMS queued at once (written as request_code writes them), one worker sends."""
        for worker in self.workers:
            worker.stop()
        use_app(self.stack.env)
        from django.utils import timezone

        from referral.accounts.services import request_code

        phones = [f"+7999{5_000_000 + n:07d}" for n in range(THROUGHPUT_BATCH)]
        for n, phone in enumerate(phones):
            request_code(phone=phone, ip=f"10.255.{n // 250}.{n % 250}", now=timezone.now())
        before = len(self.provider.received)
        self.say(f"throughput: {THROUGHPUT_BATCH} SMS queued; one worker starts")
        started = time.time()
        worker = self.start_worker()
        deadline = started + 120
        while len(self.provider.received) - before < THROUGHPUT_BATCH and time.time() < deadline:
            time.sleep(0.2)
        arrivals = sorted(self.provider.arrived[before:])
        worker.stop()
        self.workers = [self.start_worker(), self.start_worker()]
        for ready in self.workers:  # booted, so that the load does not wait for Django to load
            ready.wait_for_lines(lambda line: "SMS worker" in line and "threads" in line, 1, 60)
        span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else float("nan")
        result = {
            "sent": len(arrivals),
            "seconds": round(span, 2),
            "per_second": round((len(arrivals) - 1) / span, 1) if span else 0,
            "first_after_start_s": round(arrivals[0] - started, 2) if arrivals else None,
        }
        self.say(f"throughput: {result}")
        return result

    # --- the load, and the faults on their schedule ---

    def load_with_faults(self) -> None:
        schedule = fault_schedule(self.faults, self.seconds)
        stop = threading.Event()
        injector = threading.Thread(target=self.inject, args=(schedule, stop), daemon=True)
        t0 = time.time()
        self.t0 = t0
        injector.start()
        total = int(self.rate * self.seconds)
        with ThreadPoolExecutor(max_workers=96) as pool:
            for n in range(total):
                due = t0 + n / self.rate
                pause = due - time.time()
                if pause > 0:
                    time.sleep(pause)
                call = Call(phone=f"+7999{6_000_000 + n:07d}", start=time.time())
                self.calls.append(call)
                pool.submit(self.request, call, n)
        stop.set()
        injector.join(timeout=120)
        self.say(f"load done: {len(self.calls)} requests in {time.time() - t0:.1f} s")

    def request(self, call: Call, n: int) -> None:
        ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        body = json.dumps({"phone": call.phone}).encode()
        try:
            status, raw = post_json(
                self.app.url + "/api/auth/request_code/", body, {"X-Forwarded-For": ip}
            )
            call.status = status
            call.code = json.loads(raw).get("code", "") if raw.startswith(b"{") else ""
        except OSError as error:  # the connection itself failed (a killed gunicorn worker)
            call.status, call.code = -1, type(error).__name__
        call.end = time.time()

    def inject(self, schedule: list[Fault], stop: threading.Event) -> None:
        for fault in schedule:
            while time.time() < self.t0 + fault.at:
                if stop.wait(0.05):
                    return
            fault.start = time.time()
            self.say(f"fault: {fault.name}")
            method, outage = FAULTS[fault.name]
            getattr(self, method)(fault, outage)
            self.timeline.append(fault)
            self.say(f"fault over: {fault.name} ({fault.end - fault.start:.1f} s)")

    def kill_worker_mid_send(self, fault: Fault, outage: float) -> None:
        self.workers[0].process.kill()
        self.workers[0].process.wait()
        time.sleep(outage)  # then a supervisor restarts it
        self.workers[0] = self.start_worker()
        fault.end, fault.settle = time.time(), self.lease  # its claims wait for their leases

    def stop_postgres(self, fault: Fault, outage: float) -> None:
        self.stack.postgres.stop()
        time.sleep(outage)
        self.stack.postgres.start()
        fault.end, fault.settle = time.time(), 5

    def stop_redis(self, fault: Fault, outage: float) -> None:
        self.stack.redis.stop()
        time.sleep(outage)
        self.stack.redis.start()
        fault.end, fault.settle = time.time(), 5

    def kill_gunicorn_worker(self, fault: Fault, outage: float) -> None:
        children = psutil.Process(self.app.process.pid).children()
        children[0].kill()
        fault.end, fault.settle = time.time(), 5

    def kill_both_workers(self, fault: Fault, outage: float) -> None:
        for worker in self.workers:
            worker.process.kill()
            worker.process.wait()
        time.sleep(outage)
        self.workers = [self.start_worker(), self.start_worker()]
        fault.end, fault.settle = time.time(), self.lease

    # --- after the load ---

    def drain(self) -> dict:
        """Wait until no SMS is pending (a dead worker's claims come back after the lease)."""
        deadline = time.time() + DRAIN_SECONDS + self.lease
        queue: dict = {}
        while time.time() < deadline:
            pending, oldest, expired_leases = self.sql(
                "SELECT count(*), extract(epoch FROM now() - min(created_at)),"
                " count(*) FILTER (WHERE lease_until < now())"
                " FROM accounts_codemessage WHERE state = 'pending'"
            )[0]
            queue = {"pending": pending, "oldest_seconds": float(oldest or 0)}
            queue["expired_leases"] = expired_leases
            if pending == 0:
                break
            time.sleep(0.5)
        states = dict(self.sql("SELECT state, count(*) FROM accounts_codemessage GROUP BY state"))
        self.say(f"queue after the load: {queue}, messages by state {states}")
        return {"queue": queue, "states": states}

    def sql(self, query: str, *params) -> list[tuple]:
        """The stack's database, read directly (this process may have Django set up elsewhere)."""
        with psycopg.connect(self.stack.database_url) as connection:
            return connection.execute(query, params).fetchall()

    def account(self, throughput: dict, drained: dict) -> dict:
        sms_by_phone: dict[str, list[float]] = {}
        for form, arrived in zip(self.provider.received, self.provider.arrived, strict=True):
            sms_by_phone.setdefault(f"+{form['to']}", []).append(arrived)
        statuses = Counter(call.status for call in self.calls)
        ok = [call for call in self.calls if call.status == 200]
        refused = [call for call in self.calls if call.status == 503]
        lost = [call.phone for call in ok if call.phone not in sms_by_phone]
        duplicated = {
            c.phone: len(sms_by_phone[c.phone])
            for c in ok
            if len(sms_by_phone.get(c.phone, [])) > 1
        }
        refused_phones = [call.phone for call in refused]
        refused_with_sms = [phone for phone in refused_phones if phone in sms_by_phone]
        refused_with_code = self.sql(
            "SELECT p.number FROM accounts_phonecode c JOIN accounts_phone p ON p.id = c.phone_id"
            " WHERE p.number = ANY(%s)",
            refused_phones,
        )
        delivered = [call for call in ok if call.phone in sms_by_phone]
        delays = [(c.start - self.t0, sms_by_phone[c.phone][0] - c.start) for c in delivered]
        # From the 200 to the SMS: the queue and the worker alone, without the web tier.
        after_answer = [(c.start - self.t0, sms_by_phone[c.phone][0] - c.end) for c in delivered]
        answer = [(c.start - self.t0, c.end - c.start) for c in ok]
        dropped = [c.phone for c in self.calls if c.status == -1]
        recovery = self.recovery(sms_by_phone)
        results = {
            "rate": self.rate,
            "seconds": self.seconds,
            "lease": self.lease,
            "threads": 32,
            "machine": f"{os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB",
            "requests": len(self.calls),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "codes_503": dict(Counter(call.code for call in refused)),
            "lost": len(lost),
            "lost_phones": lost[:20],
            "duplicates": len(duplicated),
            "duplicated_phones": dict(list(duplicated.items())[:20]),
            "refused_with_sms": len(refused_with_sms),
            "refused_with_code": len(refused_with_code),
            "server_errors": sum(v for k, v in statuses.items() if k >= 500 and k != 503),
            "stuck": drained["queue"].get("pending", 0),
            "states": drained["states"],
            "windows": self.windows(delays),
            "windows_after_answer": self.windows(after_answer),
            "answer_seconds": self.windows(answer),
            "dropped_connections": len(dropped),
            "dropped_with_sms": sum(phone in sms_by_phone for phone in dropped),
            "faults": [
                {
                    "name": f.name,
                    "at_s": round(f.start - self.t0, 1),
                    "lasted_s": round(f.end - f.start, 1),
                    **recovery.get(f.name, {}),
                }
                for f in self.timeline
            ],
            "throughput": throughput,
            "worker_windows": answered_to_recorded(self.worker_lines()),
            "delays": [(round(t, 2), round(d, 3)) for t, d in delays],
        }
        self.say(
            "result: "
            + json.dumps({k: v for k, v in results.items() if k not in ("delays",)}, default=str)
        )
        return results

    def windows(self, delays: list[tuple[float, float]]) -> dict:
        """request -> SMS seconds outside any fault window, and inside each."""
        spans = {f.name: (f.start - self.t0, f.end - self.t0 + f.settle) for f in self.timeline}
        groups: dict[str, list[float]] = {"steady": []}
        for at, delay in delays:
            inside = [name for name, (a, b) in spans.items() if a <= at <= b]
            groups.setdefault(inside[0] if inside else "steady", []).append(delay)
        return {name: summarize(values) for name, values in groups.items()}

    def recovery(self, sms_by_phone: dict[str, list[float]]) -> dict:
        """After each fault's end: the first request answered 200, the first SMS sent."""
        arrivals = sorted(t for times in sms_by_phone.values() for t in times)
        result = {}
        for fault in self.timeline:
            answered = [c.end for c in self.calls if c.status == 200 and c.start >= fault.end]
            sent = [t for t in arrivals if t >= fault.end]
            result[fault.name] = {
                "first_200_after_s": round(min(answered) - fault.end, 3) if answered else None,
                "first_sms_after_s": round(min(sent) - fault.end, 3) if sent else None,
            }
        return result

    def start_worker(self):
        worker = self.stack.sms_worker()
        self.every_worker.append(worker)
        return worker

    def worker_lines(self) -> list[str]:
        return [line for worker in self.every_worker for line in worker.lines]


# name: (what injects it, seconds the broken part stays broken)
FAULTS = {
    "kill -9 of an SMS worker mid-send": ("kill_worker_mid_send", 2),
    "PostgreSQL stopped for 10 s": ("stop_postgres", 10),
    "PostgreSQL stopped for 5 s": ("stop_postgres", 5),
    "Redis stopped for 10 s": ("stop_redis", 10),
    "kill -9 of a gunicorn worker": ("kill_gunicorn_worker", 0),
    "kill -9 of both SMS workers, then a restart": ("kill_both_workers", 3),
}
FULL = list(FAULTS)
FULL.remove("PostgreSQL stopped for 5 s")
SHORT = [
    "kill -9 of an SMS worker mid-send",
    "PostgreSQL stopped for 5 s",
    "kill -9 of a gunicorn worker",
]


def fault_schedule(names: list[str], seconds: float) -> list[Fault]:
    """Evenly through the load, leaving its first and last sixth quiet."""
    step = seconds * 2 / 3 / max(1, len(names))
    return [Fault(name=name, at=seconds / 6 + step * i) for i, name in enumerate(names)]


def summarize(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50": round(statistics.median(ordered), 3),
        "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
        "max": round(ordered[-1], 3),
    }


def answered_to_recorded(lines: list[str]) -> dict:
    """The worker's own measure of the duplicate window: provider answered -> recorded."""
    import re

    p50s, maxes = [], []
    for line in lines:
        match = re.search(r"answered -> recorded p50 ([\d.]+) ms, max ([\d.]+) ms", line)
        if match:
            p50s.append(float(match.group(1)))
            maxes.append(float(match.group(2)))
    if not p50s:
        return {}
    return {"p50_ms_median": statistics.median(p50s), "max_ms": max(maxes)}


def use_app(env: dict) -> None:
    """Django in this process with the stack's settings (for queueing and accounting)."""
    os.environ.update(env)
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=240)
    args = parser.parse_args()
    results = Soak(rate=args.rate, seconds=args.seconds, faults=FULL).run()
    from bench import reliability

    reliability.write(results, ROOT / "docs")
    kept = {key: value for key, value in results.items() if key != "delays"}  # in the chart
    (ROOT / "bench" / "soak_results.json").write_text(json.dumps(kept, indent=1) + "\n")


if __name__ == "__main__":
    main()
