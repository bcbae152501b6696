"""Compare app servers for the production stack with wrk (loopback only).

    .venv/bin/python bench/app_servers.py

Starts PostgreSQL and Redis, then each candidate in turn on the same settings, and
drives /healthz (the ceiling) and an authenticated /api/profile_back/ at 32
connections for 10 s each. Prints requests/s and p99 latency.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import (  # noqa: E402
    PostgresServer,
    Process,
    RedisServer,
    free_port,
    manage,
    post_json,
    production_env,
)

BIN = Path(sys.executable).parent
CANDIDATES = {
    "gunicorn sync x4": ["gunicorn", "--worker-class", "sync", "--workers", "4"],
    "gunicorn sync x2": ["gunicorn", "--worker-class", "sync", "--workers", "2"],
    "gunicorn gthread 2x8": [
        "gunicorn",
        "--worker-class",
        "gthread",
        "--workers",
        "2",
        "--threads",
        "8",
    ],
    "uvicorn (ASGI) x4": ["uvicorn", "--workers", "4", "--no-access-log", "--log-level", "warning"],
}


def wrk(url: str, token: str | None = None, connections: int = 32, seconds: int = 10) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p99_ms": float(p99.group(1)) * scale,
        "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    with PostgresServer() as postgres, RedisServer() as redis:
        env = production_env(
            postgres.url, redis.url, LOG_LEVEL="WARNING", OTP_PER_IP_PER_HOUR="100000"
        )
        manage("migrate", "-v0", env=env)
        for name, command in CANDIDATES.items():
            if not (BIN / command[0]).exists():
                print(f"{name:22} skipped: {command[0]} is not installed", flush=True)
                continue
            port = free_port()
            app = (
                ["config.asgi:application"]
                if command[0] == "uvicorn"
                else ["config.wsgi:application"]
            )
            bind = (
                ["--port", str(port)]
                if command[0] == "uvicorn"
                else ["--bind", f"127.0.0.1:{port}"]
            )
            with Process([str(BIN / command[0]), *app, *bind, *command[1:]], env, port):
                url = f"http://127.0.0.1:{port}"
                token = sign_up(url, worker_env=env)
                ceiling = wrk(url + "/healthz")
                profile = wrk(url + "/api/profile_back/", token)
            print(
                f"{name:22} healthz {ceiling['rps']:7.0f} rps p99 {ceiling['p99_ms']:6.1f} ms | "
                f"profile {profile['rps']:7.0f} rps p99 {profile['p99_ms']:6.1f} ms "
                f"errors {ceiling['errors'] + profile['errors']}",
                flush=True,
            )


def sign_up(url: str, worker_env: dict) -> str:
    """Log a user in through the API, reading the code with a one-shot worker run."""
    phone = "+79990000001"
    post_json(url + "/api/auth/request_code/", json.dumps({"phone": phone}).encode())
    worker = Process(
        [sys.executable, str(ROOT / "manage.py"), "db_worker", "--batch", "--no-startup-delay"],
        {**worker_env, "SMS_CONSOLE_DELAY_MIN": "0", "SMS_CONSOLE_DELAY_MAX": "0"},
    ).start()
    worker.process.wait()
    line = worker.wait_for_lines(lambda line: line.startswith(f"[SMS] to {phone}"), 1)[-1]
    code = re.search(r"(\d+)\s*$", line).group(1)
    status, body = post_json(
        url + "/api/auth/verify_code/", json.dumps({"phone": phone, "code": code}).encode()
    )
    if status != 200:
        raise RuntimeError(f"could not log in: {status} {body!r}")
    return json.loads(body)["access"]


if __name__ == "__main__":
    main()
