"""`make serve`: the production stack on this machine.

gunicorn (several workers) and the SMS worker, run by honcho from the Procfile,
with the production settings. PostgreSQL and Redis come from DATABASE_URL and
REDIS_URL when set; otherwise local ones are started with their data in .run/.
Plain HTTP on localhost, so TLS redirects and secure-only cookies are off here.
"""

import os
import signal
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.secret_key import local_secret_key  # noqa: E402
from tests.servers import PostgresServer, RedisServer, manage, production_env  # noqa: E402

RUN = ROOT / ".run"
SETTABLE = ["ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SECURE_COOKIES", "SECURE_HSTS_SECONDS"]


def main() -> int:
    RUN.mkdir(exist_ok=True)
    with ExitStack() as stack:
        database_url = os.environ.get("DATABASE_URL")
        if not database_url:
            postgres = PostgresServer(RUN / "postgres", durable=True).start()
            stack.callback(postgres.stop)
            database_url = postgres.url
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            redis = stack.enter_context(RedisServer())
            redis_url = redis.url
        # A loopback deployment like the tests', but the caller's settings win.
        env = production_env(
            database_url,
            redis_url,
            SECRET_KEY=os.environ.get("SECRET_KEY") or local_secret_key(),
            SECURE_HSTS_SECONDS="0",
            PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        )
        env.update((k, os.environ[k]) for k in SETTABLE if k in os.environ)
        manage("migrate", "--noinput", "-v0", env=env)
        manage("collectstatic", "--noinput", "-v0", env=env)
        print("Serving http://localhost:8000 (Ctrl+C stops everything)", flush=True)
        honcho = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).parent / "honcho"), "start", "-f", str(ROOT / "Procfile")],
            env={**os.environ, **env},
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
