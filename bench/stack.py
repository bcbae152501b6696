"""The production stack on loopback for the benchmark, and watching its workers.

`production_stack()` starts PostgreSQL, Redis and gunicorn (production settings,
4 sync workers) with harness.stack, yields a `Stack`, and stops everything it
started when the block ends, also on errors. The limits that guard a real
deployment are raised so that the load measures the code, not the rate limiter.
"""

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import stack  # noqa: E402
from harness.servers import REDIS_SERVER, AppServer, PostgresServer, RedisServer  # noqa: E402

HIGH = "1000000000"
BENCH_ENV = {
    "LOG_LEVEL": "WARNING",  # one INFO line per request would measure the logger
    "OTP_PER_IP_PER_HOUR": HIGH,
    "OTP_PER_PHONE_AND_IP_PER_HOUR": str(int(HIGH) - 1),
    "OTP_PER_PHONE_AND_IP_PER_DAY": str(int(HIGH) - 1),
    "OTP_PER_PHONE_PER_HOUR": HIGH,
    "OTP_PER_PHONE_PER_DAY": HIGH,
    "SMS_DAILY_BUDGET": HIGH,
    # Russia's own budget (default 1,000 a day) too: past 80 % of it every new number is
    # challenged (428), which is what the first runs after the SMS-pumping defence measured.
    "SMS_BUDGETS": f"RU:{int(HIGH) // 2}",
    "VERIFY_PER_IP_PER_HOUR": HIGH,
    "INVITE_ACTIVATIONS_PER_USER_PER_HOUR": HIGH,
    "ACCESS_TOKEN_MINUTES": "240",  # tokens are minted before the run and must outlive it
}


class MemorySampler:
    """Samples the gunicorn workers (children of the master) twice a second.

    Keeps, per worker process ever seen, the peak resident set size the kernel
    recorded (VmHWM in /proc/<pid>/status), so workers recycled by gunicorn's
    max_requests are counted too. Stops by itself after `limit` seconds.
    """

    def __init__(self, master_pid: int, *, limit: float = 3600):
        self.master = psutil.Process(master_pid)
        self.limit = limit
        self.peaks: dict[int, int] = {}
        self.processes: dict[int, psutil.Process] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)

    def workers(self) -> list[psutil.Process]:
        try:
            return self.master.children()
        except psutil.Error:
            return []

    def sample(self) -> None:
        for worker in self.workers():
            self.processes.setdefault(worker.pid, worker)
            peak = _vm_hwm_kib(worker.pid)
            if peak:
                self.peaks[worker.pid] = max(peak, self.peaks.get(worker.pid, 0))

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit
        while not self._stop.wait(0.5) and time.monotonic() < deadline:
            self.sample()

    def report(self) -> dict:
        self.sample()
        peaks_mib = sorted(round(kib / 1024, 1) for kib in self.peaks.values())
        return {
            "workers_seen": len(peaks_mib),
            "peak_rss_mib_max": peaks_mib[-1] if peaks_mib else None,
            "peak_rss_mib_median": peaks_mib[len(peaks_mib) // 2] if peaks_mib else None,
            "peak_rss_mib_each": peaks_mib,
        }

    def leftovers(self) -> list[psutil.Process]:
        """Workers we saw that are still running (is_running also checks pid reuse)."""
        return [process for process in self.processes.values() if process.is_running()]


def _vm_hwm_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


@dataclass
class Stack:
    postgres: PostgresServer
    redis: RedisServer
    app: AppServer
    env: dict
    memory: MemorySampler

    def wait_idle(self, *, timeout: float = 60, busy_percent: float = 15) -> float:
        """Wait until the machine's CPU is quiet (the server drained its backlog).

        Returns the seconds waited; gives up after `timeout`.
        """
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if psutil.cpu_percent(interval=0.5) < busy_percent:
                break
        return time.monotonic() - started

    def worker_boots(self) -> int:
        """Workers gunicorn has started so far (it replaces one after max_requests)."""
        return sum("Booting worker" in line for line in list(self.app.lines))

    def cpu_seconds(self) -> tuple[float, float]:
        """(CPU seconds the whole machine has used, CPU seconds of our own processes).

        Ours: this process, its descendants (gunicorn and its workers, Redis, wrk) and
        the PostgreSQL postmaster with its backends, including children they reaped,
        so that `foreign = machine delta - ours delta` over a run is the CPU that
        other work on the machine took from it.
        """
        times = psutil.cpu_times()
        machine = sum(times) - times.idle - getattr(times, "iowait", 0)
        roots = [psutil.Process()]
        pid_file = self.postgres.data / "postmaster.pid"
        with suppress(OSError, ValueError, psutil.Error):
            roots.append(psutil.Process(int(pid_file.read_text().split()[0])))
        ours = 0.0
        for root in roots:
            for process in [root, *root.children(recursive=True)]:
                try:
                    used = process.cpu_times()
                except psutil.Error:
                    continue
                ours += used.user + used.system + used.children_user + used.children_system
        return machine, ours


@contextmanager
def production_stack(*, workers: int = 4) -> Iterator[Stack]:
    with stack.Stack(own_postgres=True, **BENCH_ENV) as running:  # its own, loaded with users
        app = running.app_server(workers=workers)
        with MemorySampler(app.process.pid) as memory:
            try:
                yield Stack(running.postgres, running.redis, app, running.env, memory)
            finally:
                memory.sample()
                app.stop()
    for process in memory.leftovers():  # the master is gone; a worker must not linger
        process.kill()


def machine_facts(postgres_version: str) -> dict:
    """What the numbers were measured on."""
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu.group(1).strip() if cpu else "unknown",
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": sys.version.split()[0],
        "postgres": postgres_version,
        "redis": _output([REDIS_SERVER, "--version"]).split(" v=")[-1].split()[0],
        "wrk": _output(["wrk", "-v"]).split()[1],
        "gunicorn": _output([str(Path(sys.executable).parent / "gunicorn"), "--version"]),
        "app": _app_version(),
    }


def _app_version() -> str:
    """The commit measured, and whether the app's code had uncommitted changes."""
    commit = _output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    changed = _output(["git", "-C", str(ROOT), "status", "--porcelain", "--", "referral", "config"])
    return f"{commit} + uncommitted changes" if changed else commit


def _output(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except OSError:
        return "unknown"
    return (
        (done.stdout or done.stderr).strip().splitlines()[0] if done.stdout or done.stderr else ""
    )
