"""`make bench`: the production stack with 1,000,000 users, every endpoint measured with wrk.

    .venv/bin/python bench/run.py [--users N] [--seconds S]

1. Starts PostgreSQL, Redis and gunicorn (production settings, 4 sync workers) on
   127.0.0.1 with the sending and attempt limits raised (bench/stack.py).
2. Loads 1,000 users and measures the ceiling (GET /healthz: same server, middleware
   and settings, no database) and request_code / verify_code on that small table.
3. Empties the database and loads 1,000,000 users with COPY (bench/dataset.py): users
   1-5 have 100,000, 10,000, 1,000, 10 and 0 invitees, everyone else 0-10.
4. Measures every endpoint at 1, 8 and 32 connections for S seconds each, after a
   short warm-up, waiting for the machine to go quiet between runs (bench/wrk.py);
   a run during which other processes took a fifth of a core runs once more.
5. Measures the profile against the number of invitees (1 connection).
6. Writes bench/results.json, docs/benchmarks.md and docs/benchmarks.png (bench/report.py).

Everything it starts is stopped when it ends, also on errors or Ctrl+C.
"""

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset, report, stack, wrk  # noqa: E402
from harness.servers import manage  # noqa: E402

LEVELS = (1, 8, 32)
SMALL_LEVELS = (1, 32)
WARMUP_SECONDS, WARMUP_CONNECTIONS = 2, 8
GROWTH_SECONDS = 5
SMALL_USERS = 1_000
INFLUENCERS = (100_000, 10_000, 1_000, 10, 0)  # invitees of users 1..5
RETRIES = 1  # a run during which other processes took report.DISTURBED % of a core runs again
PATIENCE = 180  # seconds in all to wait for a busy machine to go quiet, so the run stays short
HEADROOM = 1.5  # single-use items per run: the ceiling's requests in that time, and half again
ADJACENT_SECONDS = 3  # the ceiling again before each endpoint's run (Bench._adjacent_ceiling)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=8, help="per endpoint and level")
    args = parser.parse_args()
    started = time.monotonic()
    results = {"command": "make bench", "users": args.users, "seconds": args.seconds}

    with stack.production_stack(workers=4) as app:
        url = app.postgres.url
        results["machine"] = stack.machine_facts(dataset.server_version(url))
        results["workers"] = 4
        dataset.use_app(app.env)
        bench = Bench(app, seconds=args.seconds)

        say(f"loading {SMALL_USERS:,} users")
        small = dataset.load_users(url, SMALL_USERS)
        fixtures = dataset.Fixtures(url, small, blocks=("01", "02"))
        healthz = [wrk.item("GET", "/healthz")]
        bench.ceiling = bench.measure("ceiling", lambda _: healthz, once=False)
        results["ceiling"] = bench.ceiling
        results["small"] = {
            "users": SMALL_USERS,
            "load": small.timings,
            "request_code": bench.measure("request_code", fixtures.request_code, SMALL_LEVELS),
            "verify_code": bench.measure("verify_code", fixtures.verify_code, SMALL_LEVELS),
        }

        say(f"loading {args.users:,} users")
        bench.wait_idle()
        dataset.reset(url)
        population = dataset.load_users(url, args.users, INFLUENCERS)
        results["load"] = population.timings
        say(f"loaded in {population.timings['total']} s: {population.timings}")
        fixtures = dataset.Fixtures(url, population, blocks=("03", "04"))
        profiles = fixtures.profile()
        big = fixtures.profile_of(1)
        pages = fixtures.invitee_pages(app.app.url, 1)
        results["endpoints"] = {
            "ceiling": bench.ceiling,
            "profile": bench.measure("profile", lambda _: profiles, once=False),
            "request_code": bench.measure("request_code", fixtures.request_code),
            "verify_code": bench.measure("verify_code", fixtures.verify_code),
            "activate_invite": bench.measure("activate_invite", fixtures.activate_invite),
            "activate_invite_webhook": with_webhook_endpoint(
                app, lambda: bench.measure("activate_invite_webhook", fixtures.activate_invite)
            ),
            "token_refresh": bench.measure("token_refresh", fixtures.token_refresh),
            "profile_100k": bench.measure("profile_100k", lambda _: big, once=False),
            "invitee_page": bench.measure("invitee_page", lambda _: pages, once=False),
        }

        growth = {}
        for user_id, invitees in enumerate(INFLUENCERS, start=1):
            items = fixtures.profile_of(user_id)
            runs = bench.measure(
                f"{invitees:,} invitees",
                lambda _, items=items: items,
                (1,),
                once=False,
                seconds=GROWTH_SECONDS,
                warmup=False,
            )
            growth[invitees] = runs[1]
        results["growth"] = {"profile": growth}
        results["memory"] = app.memory.report()

    results["runtime_seconds"] = round(time.monotonic() - started)
    results = json.loads(json.dumps(results))  # the saved form: levels become string keys
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    report.write(results, ROOT / "docs")
    say(report.summary(results))


def with_webhook_endpoint(app: stack.Stack, measure):
    """`measure()` with one endpoint subscribed to invite.activated: each activation then also
    writes its event and delivery (the outbox). No worker runs, so nothing is sent: this is
    the request's own cost, as the SMS worker's is left out of request_code's."""
    env = {**app.env, "WEBHOOKS_ALLOW_PRIVATE_URLS": "true"}
    manage("webhooks", "add", "http://127.0.0.1:9/hooks", "--events", "invite.activated", env=env)
    try:
        return measure()
    finally:
        manage(  # every endpoint off again, and the app servers' cached subscriptions with it
            "shell",
            "-c",
            "from referral.webhooks import endpoints, models\n"
            "models.Endpoint.objects.update(enabled=False)\n"
            "endpoints.forget_subscriptions()",
            env=env,
        )


class Bench:
    """Runs one endpoint: a warm-up, then each level, with enough single-use data."""

    def __init__(self, app: stack.Stack, *, seconds: int):
        self.app, self.seconds = app, seconds
        self.ceiling: dict[int, dict] = {}
        self.patience = PATIENCE

    def wait_idle(self) -> None:
        """Let the server drain; wait for other work on the machine within `PATIENCE`."""
        self.patience -= self.app.wait_idle(timeout=max(3, min(20, self.patience)))

    def measure(
        self, name, make_items, levels=LEVELS, *, once=True, seconds=None, warmup=True
    ) -> dict[int, dict]:
        """`make_items(count)` returns at least `count` wrk items (reusable ones: any number)."""
        if warmup:
            self.wait_idle()
            self._run(make_items, WARMUP_CONNECTIONS, WARMUP_SECONDS, once)
        measured = {}
        for connections in levels:
            for _ in range(1 + RETRIES):  # again if other work on the machine took CPU
                self.wait_idle()
                ceiling = self._adjacent_ceiling(connections) if self.ceiling else None
                result = self._run(make_items, connections, seconds or self.seconds, once)
                if ceiling is not None:
                    result["ceiling_rps"] = ceiling
                if result["foreign_cpu_percent"] < report.DISTURBED or self.patience <= 0:
                    break
                say(f"{name} c={connections}: other work took {result['foreign_cpu_percent']}%")
            measured[connections] = result
            say(
                f"{name:16} c={connections:<3} {result['rps']:8.1f} req/s  "
                f"p50 {result['p50_ms']:8.1f} ms  p99 {result['p99_ms']:8.1f} ms  "
                f"errors {result['errors']}  {report.notes(result)}"
            )
        return measured

    def _adjacent_ceiling(self, connections: int) -> float:
        """/healthz at `connections`, just before an endpoint's run: the share of the ceiling
        is taken against it, since the speed of a shared machine drifts over a run (in one
        run the ceiling measured first was 652 req/s and 1,000+ a few minutes later)."""
        healthz = [wrk.item("GET", "/healthz")]
        return wrk.run(
            self.app.app.url, healthz, connections=connections, seconds=ADJACENT_SECONDS, once=False
        )["rps"]

    def _run(self, make_items, connections: int, seconds: int, once: bool) -> dict:
        # No endpoint outruns /healthz, so its rate bounds how many items a run can use.
        ceiling = self.ceiling.get(connections) or self.ceiling.get(WARMUP_CONNECTIONS)
        count = int((ceiling["rps"] if ceiling else 5000) * seconds * HEADROOM) + 100
        items = make_items(count)
        machine, ours, boots = *self.app.cpu_seconds(), self.app.worker_boots()
        result = wrk.run(
            self.app.app.url, items, connections=connections, seconds=seconds, once=once
        )
        machine_after, ours_after = self.app.cpu_seconds()
        result["worker_boots"] = self.app.worker_boots() - boots
        foreign = max(0.0, (machine_after - machine) - (ours_after - ours))
        result["foreign_cpu_percent"] = round(100 * foreign / result["seconds"])
        return result


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


if __name__ == "__main__":
    main()
