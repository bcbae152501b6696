"""Development's PostgreSQL and Redis (config/embedded.py): started by the first command that
needs them, shared by the commands after it, stopped when the last one exits."""

import subprocess
import sys

import psutil
import pytest

from harness.servers import ROOT, eventually

pytestmark = pytest.mark.live

HOLD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from config import embedded
database = embedded.database(Path({run!r}))
redis_url = embedded.redis_url(Path({run!r}))
print(database["HOST"], redis_url, flush=True)
sys.stdin.readline()  # held until the test says go
"""


def hold(run) -> subprocess.Popen:
    """A process that uses the embedded servers of `run` until its stdin gets a line."""
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", HOLD.format(root=str(ROOT), run=str(run))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    process.stdout.readline()
    return process


def release(process: subprocess.Popen) -> None:
    process.stdin.write("\n")
    process.stdin.flush()
    assert process.wait(timeout=30) == 0


def servers_of(run) -> list[psutil.Process]:
    """The PostgreSQL postmaster and the redis-server that keep their data in `run`."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        line = " ".join(process.info["cmdline"] or [])
        if str(run) in line and process.info["name"] in ("postgres", "redis-server"):
            found.append(process)
    return [p for p in found if p.info["name"] == "redis-server" or " -D " in " ".join(p.cmdline())]


def test_two_commands_share_the_servers_and_the_last_one_stops_them(tmp_path):
    first = hold(tmp_path)
    running = servers_of(tmp_path)
    second = hold(tmp_path)

    assert sorted(p.info["name"] for p in running) == ["postgres", "redis-server"]
    assert sorted(p.pid for p in servers_of(tmp_path)) == sorted(p.pid for p in running)
    release(first)
    assert all(p.is_running() for p in running)  # the second still uses them
    release(second)
    eventually(lambda: not any(p.is_running() for p in running), timeout=20)


def test_a_command_killed_with_9_leaves_them_to_the_next_one_to_stop(tmp_path):
    killed = hold(tmp_path)
    running = servers_of(tmp_path)
    killed.kill()
    killed.wait()

    assert all(p.is_running() for p in running)
    later = hold(tmp_path)
    release(later)
    eventually(lambda: not any(p.is_running() for p in running), timeout=20)
