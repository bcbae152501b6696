"""Fixed-window counters in the shared cache (Redis in production)."""

from datetime import datetime

from . import counters
from .errors import DomainError, Throttled


def hit(
    key: str, *, limit: int, window: int, now: datetime, error: type[DomainError] = Throttled
) -> None:
    """Count one event for `key`; raise `error` once more than `limit` fall in one window."""
    epoch = int(now.timestamp())
    start = epoch - epoch % window
    (count,) = counters.bump({f"ratelimit:{key}:{window}:{start}": window})
    if count > limit:
        raise error(retry_after=max(1, start + window - epoch))
