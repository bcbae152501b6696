"""`make serve`: the production stack on this machine.

nginx (config/nginx.conf) on http://localhost:8000 in front of gunicorn (several
workers, on loopback port 8001 only) and the SMS worker, run by honcho from the
Procfile, with the production settings and TRUSTED_PROXY_COUNT=1. nginx keeps its
pid, log and temp files in .run/nginx/. PostgreSQL and Redis come from DATABASE_URL and
REDIS_URL when set; otherwise local ones are started with their data in .run/.
Plain HTTP on localhost, so TLS redirects and secure-only cookies are off here.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.secret_key import local_secret_key  # noqa: E402
from harness.servers import NginxServer  # noqa: E402
from harness.stack import Stack  # noqa: E402

RUN = ROOT / ".run"
FRONT_PORT, APP_PORT = 8000, 8001
SETTABLE = [
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "TRUSTED_PROXY_COUNT",
]


def main() -> int:
    RUN.mkdir(exist_ok=True)
    # A loopback deployment like the tests', but the caller's settings win.
    overrides = {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or local_secret_key(),
        "SECURE_HSTS_SECONDS": "0",
        "TRUSTED_PROXY_COUNT": "1",  # nginx; one more for each proxy put in front of it
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        **{name: os.environ[name] for name in SETTABLE if name in os.environ},
    }
    with (
        Stack(
            database_url=os.environ.get("DATABASE_URL"),
            redis_url=os.environ.get("REDIS_URL"),
            postgres_dir=RUN / "postgres",
            durable=True,
            **overrides,
        ) as stack,
        NginxServer(APP_PORT, port=FRONT_PORT, directory=RUN / "nginx"),
    ):
        print(f"Serving http://localhost:{FRONT_PORT} (Ctrl+C stops everything)", flush=True)
        honcho = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).parent / "honcho"), "start", "-f", str(ROOT / "Procfile")],
            env={**os.environ, **stack.env, "BIND": f"127.0.0.1:{APP_PORT}"},
            cwd=ROOT,
        )
        # SIGTERM (from a supervisor) stops honcho's processes first, then ours unwind.
        signal.signal(signal.SIGTERM, lambda *_: honcho.terminate())
        try:
            return honcho.wait()
        except KeyboardInterrupt:  # Ctrl+C reached honcho too; let it finish stopping
            return honcho.wait()


if __name__ == "__main__":
    sys.exit(main())
