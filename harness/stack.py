"""The production stack on loopback: PostgreSQL, Redis, migrations and static files, then
as many app servers and SMS workers as the caller starts. One starter for the tests, the
benchmark and `make serve`; everything started is stopped when the block ends, also when
starting it failed half-way."""

from contextlib import ExitStack
from pathlib import Path

from .servers import AppServer, PostgresServer, RedisServer, Worker, manage, production_env


class Stack:
    """`with Stack(**env) as stack:` then `stack.app_server()` and `stack.sms_worker()`.

    PostgreSQL and Redis are started unless `database_url` / `redis_url` name running
    ones. `postgres_dir` keeps the cluster's data (and `durable` turns fsync on) for a
    stack that should survive its process, as `make serve` does.
    """

    def __init__(
        self,
        *,
        database_url: str | None = None,
        redis_url: str | None = None,
        postgres_dir: Path | None = None,
        durable: bool = False,
        **env: str,
    ):
        self.database_url, self.redis_url = database_url, redis_url
        self.postgres = None if database_url else PostgresServer(postgres_dir, durable=durable)
        self.throwaway = self.postgres is not None and postgres_dir is None
        self.redis = None if redis_url else RedisServer()
        self.extra_env = env
        self._running = ExitStack()

    def __enter__(self):
        with self._running as starting:
            if self.throwaway:  # stopped and deleted with the stack, static files with it
                starting.enter_context(self.postgres)
                self.extra_env.setdefault("STATIC_ROOT", str(self.postgres.directory / "static"))
            elif self.postgres is not None:  # stopped, its data kept
                self.postgres.start()
                starting.callback(self.postgres.stop)
            if self.postgres is not None:
                self.database_url = self.postgres.url
            if self.redis is not None:
                starting.enter_context(self.redis)
                self.redis_url = self.redis.url
            self.env = production_env(self.database_url, self.redis_url, **self.extra_env)
            manage("migrate", "-v0", env=self.env)
            manage("collectstatic", "--noinput", "-v0", env=self.env)
            self._running = starting.pop_all()
        return self

    def __exit__(self, *exc):
        self._running.close()

    def app_server(self, *, workers: int = 2, **env: str) -> AppServer:
        """A started gunicorn (production settings) that stops with the stack."""
        return self._running.enter_context(AppServer({**self.env, **env}, workers=workers))

    def sms_worker(self, **env: str) -> Worker:
        """A started task worker that delivers SMS and stops with the stack."""
        return self._running.enter_context(Worker({**self.env, **env}))
