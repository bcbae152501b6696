"""Turn bench/results.json into docs/benchmarks.md and docs/benchmarks.png.

    .venv/bin/python bench/report.py    # again from the saved results, without measuring

`write(results, docs)` writes both files; `targets(results)` evaluates the targets
of the issue (at 32 connections) as rows of (target, measured, met); `summary()`
is the short text printed at the end of a run. Results use the JSON form: levels
and invitee counts are string keys.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parent.parent
LABELS = {
    "ceiling": "`GET /healthz` (ceiling)",
    "profile": "`GET /api/profile_back/`, 0–10 invitees",
    "request_code": "`POST /api/auth/request_code/`",
    "verify_code": "`POST /api/auth/verify_code/` (sign-up)",
    "activate_invite": "`POST /api/profile_back/activate_invite/`",
    "activate_invite_webhook": "`POST /api/profile_back/activate_invite/`, one webhook endpoint",
    "token_refresh": "`POST /api/auth/token/refresh/`",
    "profile_100k": "`GET /api/profile_back/`, 100,000 invitees",
    "invitee_page": "`GET /api/profile_back/invited_users/?limit=50`, 100,000 invitees",
}
SHORT = {
    "profile": "profile",
    "request_code": "request_code",
    "verify_code": "verify_code",
    "activate_invite": "activate_invite",
    "activate_invite_webhook": "activate_invite + webhook",
    "token_refresh": "token/refresh",
    "profile_100k": "profile, 100k invitees",
    "invitee_page": "invitee page",
}
TOP = "32"
DISTURBED = 20  # % of a core that other processes took during a run (bench/run.py retries)


def ratio(results: dict, name: str, level: str = TOP) -> float:
    """req/s as a share of the ceiling measured just before the run (older results: the
    ceiling measured once, at the start)."""
    run = results["endpoints"][name][level]
    return run["rps"] / _ceiling_of(run, results["ceiling"][level])


def _ceiling_of(run: dict, ceiling: dict) -> float:
    return run.get("ceiling_rps") or ceiling["rps"]


SHARES = {  # issue 15: req/s at 32 connections as a share of the ceiling's
    "profile": 0.50,
    "request_code": 0.60,
    "verify_code": 0.35,
    "activate_invite": 0.35,
    "token_refresh": 0.35,
}
PROFILE_100K_P50_MS = 100  # at 1 connection
WORKER_MEMORY_MIB = 150  # peak resident memory of any worker


def targets(results: dict) -> list[tuple[str, str, bool]]:
    endpoints = results["endpoints"]
    rows = []
    for name, share in SHARES.items():
        value = ratio(results, name)
        rows.append((f"{SHORT[name]} ≥ {share:.0%} of the ceiling", _share(value), value >= share))
    p99 = {name: runs[TOP]["p99_ms"] for name, runs in endpoints.items() if name != "profile_100k"}
    slow = sorted((name for name, ms in p99.items() if ms >= 100), key=lambda n: -p99[n])
    worst = max(p99, key=p99.get)
    rows.append(
        (
            "p99 < 100 ms, every endpoint but the 100,000-invitee profile",
            f"worst {p99[worst]:.1f} ms ({SHORT.get(worst, worst)})"
            + (f"; over: {', '.join(SHORT.get(n, n) for n in slow)}" if slow else ""),
            not slow,
        )
    )
    errors = sum(run["errors"] for runs in endpoints.values() for run in runs.values())
    rows.append(("zero errors (all runs, all levels)", f"{errors:,}", errors == 0))
    alone, loaded = endpoints["profile_100k"]["1"], endpoints["profile_100k"][TOP]
    rows.append(
        (
            f"the 100,000-invitee profile: p50 < {PROFILE_100K_P50_MS} ms at 1 connection",
            f"{alone['p50_ms']:.0f} ms (p99 {alone['p99_ms']:.0f} ms; 32 connections: "
            f"p50 {loaded['p50_ms']:.0f} ms)",
            alone["p50_ms"] < PROFILE_100K_P50_MS and alone["errors"] == 0,
        )
    )
    peak = results["memory"]["peak_rss_mib_max"]
    rows.append(
        (
            f"peak worker memory < {WORKER_MEMORY_MIB} MiB",
            f"{peak} MiB",
            peak < WORKER_MEMORY_MIB,
        )
    )
    if "activate_invite_webhook" in endpoints:  # results from before the webhooks have none
        plain = endpoints["activate_invite"][TOP]["rps"]
        hooked = endpoints["activate_invite_webhook"][TOP]["rps"]
        cost = plain / hooked - 1
        rows.append(
            (
                "activate_invite with one webhook endpoint costs ≤ 10 % more",
                f"{cost:+.1%} ({plain:,.0f} → {hooked:,.0f} req/s)",
                cost <= 0.10,
            )
        )
    page = endpoints["invitee_page"][TOP]["p50_ms"]
    rows.append(("a page of the invitee list: p50 < 20 ms", f"{page:.1f} ms", page < 20))
    return rows


def before_and_after(before: dict, after: dict) -> list[str]:
    """One table: each endpoint at 32 connections (the 100,000-invitee profile at 1) in the
    saved run from before issue 15 and in this one."""
    out = [
        "| endpoint | connections | before: req/s | of ceiling | p50 / p99 ms "
        "| after: req/s | of ceiling | p50 / p99 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in after["endpoints"]:
        level = "1" if name == "profile_100k" else TOP
        cells = []
        for results in (before, after):
            run = results["endpoints"][name][level]
            share = "—" if name == "ceiling" else _share(ratio(results, name, level))
            cells.append(f"{run['rps']:,.0f} | {share} | {run['p50_ms']:.1f} / {run['p99_ms']:.1f}")
        out.append(f"| {LABELS[name]} | {level} | {cells[0]} | {cells[1]} |")
    memory = [results["memory"]["peak_rss_mib_max"] for results in (before, after)]
    out.append(f"| peak worker memory, MiB | | {memory[0]} | | | {memory[1]} | | |")
    return out


def summary(results: dict) -> str:
    lines = [f"done in {results['runtime_seconds']} s; targets at 32 connections:"]
    for target, measured, met in targets(results):
        lines.append(f"  {'met    ' if met else 'NOT MET'}  {target}: {measured}")
    return "\n".join(lines)


def _errors(run: dict) -> str:
    if not run["errors"]:
        return "0"
    parts = [
        f"{status}: {n}" for status, n in run["statuses"].items() if not status.startswith("2")
    ]
    if run["socket_errors"]:
        parts.append(f"socket: {run['socket_errors']}")
    return f"**{run['errors']:,}** ({', '.join(parts)})"


def _share(value: float) -> str:
    return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"


def notes(run: dict) -> str:
    notes = []
    if run.get("worker_boots"):
        notes.append(f"{run['worker_boots']} worker(s) replaced")
    if run.get("foreign_cpu_percent", 0) >= DISTURBED:
        notes.append(f"other work took {run['foreign_cpu_percent']}% of a core")
    if run.get("exhausted"):
        notes.append("data ran out")
    return "; ".join(notes)


def _row(label: str, level: str, run: dict, ceiling: dict | None) -> str:
    share = _share(run["rps"] / _ceiling_of(run, ceiling[level])) if ceiling else "—"
    return (
        f"| {label} | {level} | {run['rps']:,.0f} | {share} | {run['p50_ms']:.1f} | "
        f"{run['p99_ms']:.1f} | {_errors(run)} | {notes(run)} |"
    )


def markdown(results: dict) -> str:
    machine, load, memory = results["machine"], results["load"], results["memory"]
    ceiling = results["ceiling"]
    out = [
        "# Benchmarks",
        "",
        "Measured with",
        "",
        "```sh",
        "make bench    # runs .venv/bin/python bench/run.py",
        "```",
        "",
        f"which took {results['runtime_seconds'] / 60:.1f} minutes end to end. It starts "
        "the production stack on 127.0.0.1 (PostgreSQL, Redis and gunicorn with "
        f"`config.settings.production`, {results['workers']} sync workers, as "
        "`config/gunicorn.py` gives on 2 cores), loads "
        f"{results['users']:,} users and drives each endpoint with wrk at 1, 8 and 32 "
        f"connections for {results['seconds']} s each, after a 2 s warm-up. The sending, "
        "verification and activation limits are raised for the run and `LOG_LEVEL=WARNING`; "
        "everything else is the production configuration. The SMS worker does not run: "
        "codes are queued for it, as in production, and not delivered. The raw numbers are "
        "in `bench/results.json`, the code in `bench/`; `bench/run.py --users 200000 "
        "--seconds 3` is a quicker look, and `bench/report.py` rewrites this page from the "
        "saved results.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {machine['nproc']} × {machine['cpu']} |",
        f"| memory | {machine['memory_gib']} GiB |",
        f"| Python | {machine['python']} |",
        f"| PostgreSQL | {machine['postgres']} (throwaway cluster, default settings, "
        "`fsync=off`) |",
        f"| Redis | {machine['redis']} |",
        f"| wrk | {machine['wrk']} (on the same 2 cores as everything else) |",
        f"| gunicorn | {machine['gunicorn']} |",
        f"| app commit | {machine.get('app', 'unknown')} |",
        "",
        "wrk, gunicorn, PostgreSQL and Redis share the two cores, so absolute numbers are "
        "those of a small machine; the ratio to the ceiling is the portable figure.",
        "",
        "## Data",
        "",
        f"{results['users']:,} users with unique invite codes, each with a phone record and "
        "one past login code. User 1 was invited by 100,000 others, users 2–5 by 10,000, "
        "1,000, 10 and 0; everyone else by 0–10 (about half of the users signed up with "
        "someone's code; nobody invites a user who joined earlier, so there are no cycles). "
        "Written with PostgreSQL `COPY` (users) and `INSERT … SELECT` (phones, codes), then "
        "`VACUUM ANALYZE`:",
        "",
        "| step | seconds |",
        "|---|---|",
        f"| COPY {results['users']:,} users | {load['copy_users']} |",
        f"| phones and login codes | {load['phones_and_codes']} |",
        f"| VACUUM ANALYZE | {load['vacuum_analyze']} |",
        f"| **total load** (with planning the tree) | **{load['total']}** |",
        "",
        "Each run gets its own single-use data, made just before it with the app's own "
        "code: new phones for `request_code`; phones with a stored login code (hashed with "
        "`referral.accounts.services._hash`) for `verify_code`, so every request is a "
        "sign-up; JWTs from `rest_framework_simplejwt` (refresh tokens registered as "
        "outstanding); users who never activated a code for `activate_invite`. The profile "
        "runs cycle through 1,000 random ordinary users; the invitee list walks the first "
        "100 pages (newest first) of user 1.",
        "",
        f"## Results: {results['users']:,} users",
        "",
        "| endpoint | connections | req/s | of ceiling | p50 ms | p99 ms | errors | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, runs in results["endpoints"].items():
        for level, run in runs.items():
            out.append(_row(LABELS[name], level, run, None if name == "ceiling" else ceiling))
    out += [
        "",
        "Errors are non-2xx answers and socket errors. The ceiling is `GET /healthz`, a "
        "trivial JSON view on the same server, middleware and settings; *of ceiling* is "
        "against `/healthz` measured for 3 s at the same connections just before each run, "
        "because this shared machine's speed drifts within a run (the rows above are the "
        "ceiling's own runs at the start). A run during which "
        f"other processes on the machine took {DISTURBED}% of a core or more is run once "
        "more; the notes say if it still was. *Worker replaced*: gunicorn restarted a worker "
        "during the run (`max_requests`); the new one spends a second or two of CPU loading "
        "Django, and its first request of each kind loads the views (~150 ms), which on two "
        "cores shows as p99 spikes, mostly at 1 connection.",
        "",
        "## Targets (32 connections)",
        "",
        "| target | measured | |",
        "|---|---|---|",
        *[f"| {t} | {m} | {'met' if ok else '**not met**'} |" for t, m, ok in targets(results)],
        "",
        "With 32 connections always busy, latency is 32 divided by the throughput (Little's "
        "law), so the latency targets are throughput targets too: p99 < 100 ms needs more "
        "than 320 req/s, a p50 of 20 ms about 1,600 req/s. The 100,000-invitee profile is "
        "judged alone (1 connection); at 32 connections its requests queue behind each other.",
        "",
        "![Share of the ceiling per endpoint; profile latency against invitees](benchmarks.png)",
        "",
        *_before_and_after_section(results),
        "## Growth",
        "",
        "The profile against the number of invitees (1 connection). It is one statement "
        "whatever the count (pinned by the unit tests); what grows is the response, which "
        "lists every invitee.",
        "",
        "| invitees | req/s | p50 ms | p99 ms | response bytes | notes |",
        "|---|---|---|---|---|---|",
    ]
    for invitees, run in sorted(results["growth"]["profile"].items(), key=lambda kv: int(kv[0])):
        out.append(
            f"| {int(invitees):,} | {run['rps']:,.1f} | {run['p50_ms']:.1f} | "
            f"{run['p99_ms']:.1f} | {run['bytes_per_response']:,.0f} | {notes(run)} |"
        )
    small = results["small"]
    out += [
        "",
        f"Logging in against the size of the tables: {small['users']:,} users (measured "
        f"first, on a fresh database) and {results['users']:,} users.",
        "",
        "| endpoint | connections | req/s, small | p50 / p99 ms, small | req/s, large | "
        "p50 / p99 ms, large |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("request_code", "verify_code"):
        for level, before in small[name].items():
            after = results["endpoints"][name][level]
            out.append(
                f"| {LABELS[name]} | {level} | {before['rps']:,.0f} | "
                f"{before['p50_ms']:.1f} / {before['p99_ms']:.1f} | {after['rps']:,.0f} | "
                f"{after['p50_ms']:.1f} / {after['p99_ms']:.1f} |"
            )
    out += [
        "",
        "## Memory",
        "",
        f"Peak resident memory per gunicorn worker (VmHWM): **{memory['peak_rss_mib_max']} MiB** "
        f"at most, {memory['peak_rss_mib_median']} MiB median, over the "
        f"{memory['workers_seen']} worker processes seen (gunicorn replaces a worker after "
        "about 10,000 requests, `max_requests`). The largest answer is the 100,000-invitee "
        "profile (1.5 MB): PostgreSQL writes its list as one JSON text, which the worker "
        "passes through, so it holds a few copies of 1.5 MB rather than 100,000 objects.",
        "",
    ]
    return "\n".join(out)


BEFORE = ROOT / "bench" / "results-before.json"
FLAMES = ROOT / "docs" / "flame"


def _before_and_after_section(results: dict) -> list[str]:
    if not BEFORE.exists():
        return []
    before = json.loads(BEFORE.read_text())
    out = [
        "## Before and after",
        "",
        f"Before is the last `make bench` before the hot paths were reworked (app commit "
        f"{before['machine'].get('app', 'unknown')}, `bench/results-before.json`), after is "
        "this run, on the same machine; 32 connections, the 100,000-invitee profile at 1. "
        "Before's shares are against the ceiling measured once at the start of its run, "
        "after's against `/healthz` measured just before each run. This machine is shared "
        "and its speed drifts: `/healthz` at 32 connections measured 652 to 1,440 req/s at "
        "the start of four runs of this code on the same day, so compare the shares, not "
        "the req/s.",
        "",
        *before_and_after(before, results),
        "",
    ]
    out += _limits(results)
    graphs = sorted(path.stem for path in (FLAMES / "after").glob("*.svg"))
    if graphs:
        out += [
            "### Flame graphs",
            "",
            "`bench/flame.py` drives one endpoint at 8 connections on the same stack (2 "
            "workers, 200,000 users) while py-spy samples every worker at 250 Hz. Open an SVG "
            "in a browser: hover for a frame's share, click to zoom.",
            "",
            "| endpoint | before | after |",
            "|---|---|---|",
            *[
                f"| {name} | [before](flame/before/{name}.svg) | [after](flame/after/{name}.svg) |"
                for name in graphs
            ],
            "",
        ]
    return out


def chart(results: dict, path: Path) -> None:
    names = [name for name in results["endpoints"] if name != "ceiling"]
    shares = [ratio(results, name) for name in names]
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    left.barh([SHORT[name] for name in names], shares, color="#4477aa")
    left.invert_yaxis()
    left.axvline(0.5, color="#cc6677", linestyle="--", linewidth=1, label="50% target (profile)")
    left.axvline(0.35, color="#ddaa33", linestyle=":", linewidth=1, label="35% target (writes)")
    left.axvline(0.6, color="#228833", linestyle="-.", linewidth=1, label="60% (request_code)")
    for y, share in enumerate(shares):
        left.text(share + 0.01, y, _share(share), va="center", fontsize=8)
    left.set_xlim(0, max(1.0, max(shares) + 0.1))
    left.set_xlabel("req/s as a share of GET /healthz, 32 connections")
    left.legend(loc="lower right", fontsize=8)

    growth = sorted((int(k), v) for k, v in results["growth"]["profile"].items())
    counts = [count for count, _ in growth]
    right.plot(counts, [run["p50_ms"] for _, run in growth], "o-", label="p50")
    right.plot(counts, [run["p99_ms"] for _, run in growth], "s--", label="p99")
    right.set_xscale("symlog", linthresh=10)
    right.set_yscale("log")
    right.set_xticks(counts, [f"{count:,}" for count in counts])
    right.axhline(
        PROFILE_100K_P50_MS, color="#cc6677", linestyle="--", linewidth=1, label="p50 target"
    )
    right.set_xlabel("invitees")
    right.set_ylabel("GET /api/profile_back/ latency, ms (1 connection)")
    right.legend(fontsize=8)
    figure.suptitle(f"{results['users']:,} users, {results['machine']['nproc']} cores")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write(results: dict, docs: Path) -> None:
    docs.mkdir(exist_ok=True)
    (docs / "benchmarks.md").write_text(markdown(results).rstrip() + "\n")
    chart(results, docs / "benchmarks.png")


def _limits(results: dict) -> list[str]:
    """What limits each target still missed: measured with bench/flame.py --raw on the final
    code (shares of the workers' samples in which a frame of that library is on the stack)."""
    ceiling = results["ceiling"][TOP]
    return [
        "### What limits the targets still missed",
        "",
        "The shares below are of the app workers' samples (`bench/flame.py --raw`, 8 "
        "connections) in which that library is on the stack; they overlap, since a "
        "statement's time is the ORM's and psycopg's at once.",
        "",
        "- **p99 < 100 ms and the invitee page's p50 < 20 ms at 32 connections.** With 32 "
        "connections always busy, latency is 32 divided by the throughput (Little's law): a "
        f"p50 of 20 ms needs 1,600 req/s, more than `/healthz` itself does here "
        f"({ceiling['rps']:,.0f} req/s, p50 {ceiling['p50_ms']:.1f} ms at the start of this "
        "run). No endpoint can meet it on these 2 cores. p99 < 100 ms needs more than 320 "
        "req/s: the profile meets it. The invitee page is one statement (index-only on "
        "PostgreSQL); what is left is Django's queryset and DRF's cursor pagination around "
        "it (the ORM is on the stack in 49 % of its samples).",
        "- **request_code** (60 %) **and verify_code** (35 %). Each is a transaction with the "
        "phone's row lock: request_code is 4 statements for a new number (was 6) and 6 Redis "
        "round trips (the fixed limits, the SMS-pumping signals and budgets, the "
        "once-per-number mark); verify_code is 4 statements, 3 Redis round trips and three "
        "JWT operations. In request_code's samples: waiting on PostgreSQL 29 %, Redis 28 %, "
        "the ORM 18 %; in verify_code's: the ORM 47 % (the locked select, the user's INSERT), "
        "PostgreSQL 33 %, Redis 15 %, PyJWT 10 %. 60 % of the ceiling means the whole request "
        "may cost about 1.7 `/healthz`: only the design the issue sketches gets there — the "
        "limits, the code and the delivery job in one Redis Lua script, the durable record "
        "written by the worker, and Redis with `appendfsync always` so that a code answered "
        '"sent" survives a crash. That moves the per-phone limits, the cooldown and the '
        "SMS-pumping screen from SQL into Lua (and keeps a second, portable copy for SQLite "
        "and the local-memory cache): a rewrite of `accounts.services` and `abuse.risk`, not "
        "done here.",
        "- **activate_invite** (35 %). Activations run one at a time under an advisory lock "
        "(the cycle check needs the whole tree still), so at 32 connections the length of the "
        "locked section is the throughput. It is three round trips now (was five): the lock, "
        "one statement for the user, the inviter and the cycle check, and the UPDATE. The "
        "lock must stay a statement of its own: a statement's snapshot is taken before it "
        "waits, so the tree must be read by the next one. What would take it further: no "
        "global lock (for instance a cycle check re-done in the UPDATE's statement under "
        "SERIALIZABLE, with retries).",
        "",
    ]


if __name__ == "__main__":
    saved = json.loads((ROOT / "bench" / "results.json").read_text())
    write(saved, ROOT / "docs")
    print(summary(saved), file=sys.stderr)
