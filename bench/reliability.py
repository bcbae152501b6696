"""docs/reliability.md and docs/reliability.png from a `make soak` run (bench/soak.py)."""

import subprocess
from pathlib import Path

TARGET_P95 = 2.0
TARGET_THROUGHPUT = 200


def targets(results: dict) -> list[tuple[str, str, bool]]:
    steady = results["windows"].get("steady", {})
    refused = (
        f"{results['refused_with_sms']} with an SMS, {results['refused_with_code']} with a code"
    )
    return [
        ("0 lost (a 200 with no SMS)", str(results["lost"]), results["lost"] == 0),
        ("0 stuck (pending after the drain)", str(results["stuck"]), results["stuck"] == 0),
        ("0 × 500", str(results["server_errors"]), results["server_errors"] == 0),
        (
            "every 503 left no SMS and no code",
            refused,
            results["refused_with_sms"] == results["refused_with_code"] == 0,
        ),
        (
            f"p95 request → SMS < {TARGET_P95:g} s outside the fault windows",
            f"{steady.get('p95', float('nan')):.2f} s",
            steady.get("p95", 99) < TARGET_P95,
        ),
        (
            f"one worker ≥ {TARGET_THROUGHPUT} SMS/s (provider answering in 100 ms)",
            f"{results['throughput']['per_second']:g} SMS/s",
            results["throughput"]["per_second"] >= TARGET_THROUGHPUT,
        ),
    ]


def _window_rows(windows: dict) -> str:
    rows = []
    for name, stats in windows.items():
        if not stats.get("count"):
            continue
        rows.append(
            f"| {name} | {stats['count']:,} | {stats['p50']:.2f} | {stats['p95']:.2f} "
            f"| {stats['max']:.2f} |"
        )
    return "\n".join(rows)


def markdown(results: dict) -> str:
    target_rows = "\n".join(
        f"| {'met' if ok else '**NOT MET**'} | {name} | {value} |"
        for name, value, ok in targets(results)
    )
    fault_rows = "\n".join(
        f"| {f['at_s']:.0f} s | {f['name']} | {f['lasted_s']:.1f} s "
        f"| {_seconds(f.get('first_200_after_s'))} | {_seconds(f.get('first_sms_after_s'))} |"
        for f in results["faults"]
    )
    statuses = ", ".join(
        f"{'connection dropped' if code == '-1' else code}: {count:,}"
        for code, count in results["statuses"].items()
    )
    window = results.get("worker_windows", {})
    throughput = results["throughput"]
    return f"""# Reliability: the soak test

`make soak` (bench/soak.py) runs the production stack on loopback: PostgreSQL with
fsync on, Redis, gunicorn (4 sync workers, production settings), two SMS workers
(`manage.py worker`, {results.get("threads", 32)} threads each) and a fake SMS.ru that answers
after 100 ms. It sends `request_code` for distinct numbers at {results["rate"]:g} per second
for {results["seconds"]:g} s ({results["requests"]:,} requests), injects the faults below,
waits for the queue to drain and accounts for every request. Commit
{results.get("commit", "unknown")}, on {results.get("machine", "this machine")}.

## Targets

| | target | this run |
|---|---|---|
{target_rows}

## Timeline

| at | fault | lasted | first 200 after | first SMS after |
|---|---|---|---|---|
{fault_rows}

"First … after" counts from the moment the broken part was back (the restart).

## Every request accounted for

- Answers: {statuses}. 503s: {results["codes_503"] or "none"}.
- Lost (a 200 with no SMS): **{results["lost"]}**. Stuck (still pending after the
  drain): **{results["stuck"]}**. Messages by final state: {results["states"]}.
- Duplicates (a 200 with two SMS): **{results["duplicates"]}** {_duplicates(results)}.
- A 503 that sent an SMS: {results["refused_with_sms"]}; that left a code behind:
  {results["refused_with_code"]}.
- Connections dropped without an answer (the gunicorn worker killed mid-request):
  {results.get("dropped_connections", 0)}, of which {results.get("dropped_with_sms", 0)} still
  sent their SMS (the request had committed: the documented case of an SMS without a 200).

## Request → SMS, seconds

From the moment the request was sent to the SMS reaching the provider. A fault's
window opens 2 s before it and closes when the broken part is back, plus the lease
({results.get("lease", 30)} s) for a killed SMS worker (its claims wait for their leases),
plus 5 s otherwise.

| window | requests | p50 | p95 | max |
|---|---|---|---|---|
{_window_rows(results["windows"])}

From the 200 to the SMS (the queue and the worker alone):

| window | requests | p50 | p95 | max |
|---|---|---|---|---|
{_window_rows(results.get("windows_after_answer", {}))}

![request to SMS over time, fault windows shaded](reliability.png)

## The worker

- Throughput: {throughput["sent"]:,} SMS queued at once, one worker process sent them in
  {throughput["seconds"]:g} s: **{throughput["per_second"]:g} SMS/s** with the provider
  answering in 100 ms.
- The duplicate window: from the provider's answer to the outcome being recorded, the
  workers measured a median p50 of {window.get("p50_ms_median", "n/a")} ms and a worst
  case of {window.get("max_ms", "n/a")} ms (the worst is during the PostgreSQL outage,
  when outcomes wait for the database). A worker that dies inside that window leaves an
  SMS that another worker sends again after the lease: the duplicates above.
"""


def _seconds(value) -> str:
    return "—" if value is None else f"{value:.2f} s"


def _duplicates(results: dict) -> str:
    if not results["duplicates"]:
        return ""
    return (
        "— each from an SMS worker killed after handing the SMS to the provider and before "
        "recording it (during the 100 ms call, or just after); another worker sent it again "
        "once the lease ran out "
        f"({', '.join(results['duplicated_phones'])})"
    )


def chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(11, 4.5), dpi=100)
    times = [t for t, _ in results["delays"]]
    delays = [d for _, d in results["delays"]]
    axis.scatter(times, delays, s=3, alpha=0.5, label="request → SMS")
    for fault in results["faults"]:
        start = fault["at_s"]
        axis.axvspan(start, start + max(fault["lasted_s"], 1), color="tab:red", alpha=0.25)
        axis.annotate(fault["name"], (start, max(delays or [1])), rotation=90, fontsize=7,
                      va="top", ha="right")  # fmt: skip
    axis.axhline(TARGET_P95, color="tab:green", linestyle="--", linewidth=1, label="2 s")
    axis.set_yscale("log")
    axis.set_xlabel("seconds into the load (when the request was sent)")
    axis.set_ylabel("seconds to the SMS")
    axis.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write(results: dict, docs: Path) -> None:
    results.setdefault("commit", _commit())
    (docs / "reliability.md").write_text(markdown(results))
    chart(results, docs / "reliability.png")


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"
