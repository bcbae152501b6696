"""Django's PostgreSQL backend with a health check that costs no round trip.

Django's CONN_HEALTH_CHECKS runs `SELECT 1` before the first query of every request:
on the profile that was a fifth of the request's time (docs/benchmarks.md). An idle
connection has nothing to read, so a readable socket means the server has said goodbye
(a restart or pg_terminate_backend sends an error, then closes) or the connection is
gone: a `select()` with no wait tells that without asking the server.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed or self.connection.broken:
            return False
        try:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket itself is gone
            return False
        return not readable
