"""The production stack on loopback: PostgreSQL, Redis, migrations and static files, then
as many app servers and SMS workers as the caller starts. One starter for the tests, the
benchmark and `make serve`; everything started is stopped when the block ends, also when
starting it failed half-way."""

import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path

from .servers import (
    AppServer,
    PostgresServer,
    RedisServer,
    Worker,
    manage,
    production_env,
    shared_postgres,
)

_static = {"root": None, "lock": threading.Lock()}


def shared_static_root(env: dict) -> str:
    """One collectstatic per process, for every stack of it that shares its cluster."""
    with _static["lock"]:
        if _static["root"] is None:
            root = tempfile.mkdtemp(prefix="referral-static-")
            manage("collectstatic", "--noinput", "-v0", env={**env, "STATIC_ROOT": root})
            _static["root"] = root
        return _static["root"]


class Stack:
    """`with Stack(**env) as stack:` then `stack.app_server()` and `stack.sms_worker()`.

    Redis is started unless `redis_url` names a running one. PostgreSQL: `database_url`
    names a running one; else, by default, the stack gets a database of its own on the
    process's shared cluster (a copy of the migrated template, with static files
    collected once per process), and with `own_postgres` a cluster of its own, which the
    caller may stop and start (fault tests). `postgres_dir` keeps that cluster's data
    (and `durable` turns fsync on) for a stack that should survive its process, as
    `make serve` does.
    """

    def __init__(
        self,
        *,
        database_url: str | None = None,
        redis_url: str | None = None,
        postgres_dir: Path | None = None,
        durable: bool = False,
        own_postgres: bool = False,
        **env: str,
    ):
        self.shared = not (database_url or postgres_dir or durable or own_postgres)
        if self.shared:
            database_url = shared_postgres.new_database()
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
            if self.shared:  # the template is migrated; its static files are collected
                self.env.setdefault("STATIC_ROOT", shared_static_root(self.env))
            else:
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
