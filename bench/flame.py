"""Flame graphs of each endpoint under load: where a request's CPU goes in the app server.

    .venv/bin/python bench/flame.py --label after [--users N] [--seconds S] [ENDPOINT ...]

Starts the production stack of `make bench` (bench/stack.py) with 2 gunicorn workers,
loads N users (user 1 has 100,000 invitees), and for each endpoint drives wrk at 8
connections while py-spy samples every worker (`--subprocesses`, 250 Hz). Writes
docs/flame/LABEL/ENDPOINT.svg (open it in a browser: hover and click to zoom). With
--raw it writes collapsed stacks to .run/flame/LABEL/ENDPOINT.txt instead and prints,
per endpoint, the frames that took the most of the workers' samples.
Everything it starts is stopped when it ends, also on errors.
"""

import argparse
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset, stack, wrk  # noqa: E402

PY_SPY = Path(sys.executable).parent / "py-spy"
CONNECTIONS = 8
RATE = 250  # samples a second per process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True, help="before, after, …: the output folder")
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--raw", action="store_true", help="collapsed stacks (.txt), not SVG")
    parser.add_argument("endpoints", nargs="*")
    args = parser.parse_args()
    # The SVGs are for docs/benchmarks.md; the collapsed stacks are for reading, not committing.
    out = ROOT / (".run" if args.raw else "docs") / "flame" / args.label
    out.mkdir(parents=True, exist_ok=True)
    with stack.production_stack(workers=2) as app:
        dataset.use_app(app.env)
        population = dataset.load_users(app.postgres.url, args.users, (100_000,))
        fixtures = dataset.Fixtures(app.postgres.url, population, blocks=("05", "06"))
        profiles, big = fixtures.profile(), fixtures.profile_of(1)
        pages = fixtures.invitee_pages(app.app.url, 1)
        healthz = [wrk.item("GET", "/healthz")]
        endpoints = {
            "ceiling": (lambda _: healthz, False),
            "profile": (lambda _: profiles, False),
            "request_code": (fixtures.request_code, True),
            "verify_code": (fixtures.verify_code, True),
            "activate_invite": (fixtures.activate_invite, True),
            "token_refresh": (fixtures.token_refresh, True),
            "invitee_page": (lambda _: pages, False),
            "profile_100k": (lambda _: big, False),
        }
        for name in args.endpoints or endpoints:
            make_items, once = endpoints[name]
            app.wait_idle(timeout=20)
            path = out / f"{name}.{'txt' if args.raw else 'svg'}"
            result = record(app, make_items(20_000), once, args.seconds, path)
            print(f"== {name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
                  f"errors {result['errors']} -> {path.relative_to(ROOT)}")  # fmt: skip
            if args.raw:
                for kind, top in zip(("inclusive", "self"), top_frames(path), strict=True):
                    print(f"  {kind}:")
                    for share, frame in top:
                        print(f"   {share:5.1f}%  {frame}")


def record(app, items, once, seconds, path):
    """wrk for `seconds` while py-spy samples the workers into `path` (SVG or collapsed)."""
    spy = subprocess.Popen(  # noqa: S603
        [str(PY_SPY), "record", "--pid", str(app.app.process.pid), "--subprocesses",
         "--rate", str(RATE), "--duration", str(seconds + 1), "--nonblocking",
         "--format", "raw" if path.suffix == ".txt" else "flamegraph", "--output", str(path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        time.sleep(0.5)
        result = wrk.run(app.app.url, items, connections=CONNECTIONS, seconds=seconds, once=once)
        spy.wait(timeout=seconds + 30)
    finally:
        if spy.poll() is None:
            spy.kill()
            spy.wait()
    return result


def top_frames(collapsed: Path, count: int = 30):
    """(inclusive, self): the frames with the most of the samples, as (percent, frame)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        frames = [re.sub(r" \(/.*?site-packages/", " (", f) for f in stack.split(";")[1:]]
        total += int(samples)
        for frame in set(frames):
            inclusive[frame] += int(samples)
        if frames:
            own[frames[-1]] += int(samples)
    return [
        [(100 * n / total, frame) for frame, n in counter.most_common(count)]
        for counter in (inclusive, own)
    ]


if __name__ == "__main__":
    main()
