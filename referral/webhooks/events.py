"""The events, written in the transaction of the change they report (an outbox): a change
that commits always has its event, a rollback never does. Nothing is written (or even
built) for a type that no enabled endpoint takes.

An event costs its change one INSERT: the endpoints it goes to are written in its row,
and the worker makes the deliveries (delivery.fan_out).
"""

import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from referral.core import sql

from . import delivery, endpoints
from .models import TEST_EVENT, Event

VERSION = 1


def emit(
    event_type: str,
    data: Callable[[], dict[str, Any]],
    *,
    now: datetime,
    to: list[int] | None = None,
) -> str | None:
    """Queue `event_type` with `data()` for every endpoint that takes it (or for `to`);
    return its id (None: no endpoint takes it).

    Call it inside the transaction of the change; delivery starts after the commit.
    """
    row = prepare(event_type, data, now=now, to=to)
    if row is None:
        return None
    write(row)
    return row.id


def write(row: Event) -> None:
    """Insert a prepared event; delivery starts after the commit."""
    row.save(force_insert=True)
    transaction.on_commit(delivery.event_queued)


def send_test(*, endpoint_id: int, now: datetime) -> str:
    """Queue a webhook.test event for that endpoint alone; return its id."""
    with transaction.atomic():
        event_id = emit(TEST_EVENT, lambda: {"endpoint": endpoint_id}, now=now, to=[endpoint_id])
    assert event_id is not None  # noqa: S101 - sent `to` an endpoint: always written
    return event_id


def prepare(
    event_type: str,
    data: Callable[[], dict[str, Any]],
    *,
    now: datetime,
    to: list[int] | None = None,
) -> Event | None:
    """The event's row, not yet written (None: no endpoint takes the type)."""
    targets = endpoints.subscribed(event_type) if to is None else to
    if not targets:
        return None
    event_id = f"evt_{secrets.token_hex(12)}"
    head = {"id": event_id, "type": event_type, "timestamp": iso(now), "version": VERSION}
    body = json.dumps({**head, "data": data()}, ensure_ascii=False)
    row = Event(id=event_id, type=event_type, body=body, created_at=now)
    row.targets = ",".join(map(str, targets))
    return row


def update_then_emit(row: Event, *, update: str, params: list[Any]) -> int:
    """PostgreSQL, one statement: `update` (an UPDATE … RETURNING 1) and, if it changed a
    row, the event `row`. Returns how many rows were updated. Called inside an activation's
    serialized section, where every round trip lengthens the wait of every other activation.
    """
    (events,) = sql.tables(Event)
    statement = (
        f"WITH changed AS ({update}) "  # noqa: S608 - built by our code from model table names
        f"INSERT INTO {events} (id, type, body, targets, fanned_out, created_at) "
        "SELECT %s, %s, %s, %s, %s, %s WHERE EXISTS (SELECT 1 FROM changed)"
    )
    values: list[Any] = [row.id, row.type, row.body, row.targets, False, row.created_at]
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *values])
        written: int = cursor.rowcount
    if written:
        transaction.on_commit(delivery.event_queued)
    return written


def iso(moment: datetime) -> str:
    """2026-11-27T10:00:00.123456Z"""
    return moment.isoformat().replace("+00:00", "Z")
