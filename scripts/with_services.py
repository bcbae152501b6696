"""Run a command with a throwaway PostgreSQL and Redis: `with_services.py -- pytest ...`.

DATABASE_URL and REDIS_URL point the command at them; both are removed afterwards.
"""

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.servers import PostgresServer, RedisServer


def main() -> int:
    command = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else sys.argv[1:]
    with PostgresServer() as postgres, RedisServer() as redis:
        env = {**os.environ, "DATABASE_URL": postgres.url, "REDIS_URL": redis.url}
        print(f"PostgreSQL at {postgres.url}, Redis at {redis.url}", flush=True)
        return subprocess.run(command, env=env, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    sys.exit(main())
