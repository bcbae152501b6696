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

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from referral.core import sql

from . import delivery, endpoints
from .models import TEST_EVENT, Event

VERSION = 1
# Stands in `data` for the number of invitees of `count_invitees_of`, read by the INSERT.
INVITEES = "__invitees__"


def emit(
    event_type: str,
    data: Callable[[], dict],
    *,
    now: datetime,
    to: list[int] | None = None,
    count_invitees_of: int | None = None,
) -> str | None:
    """Queue `event_type` with `data()` for every endpoint that takes it (or for `to`);
    return its id (None: no endpoint takes it).

    Call it inside the transaction of the change; delivery starts after the commit.
    """
    row = prepare(event_type, data, now=now, to=to)
    if row is None:
        return None
    write(row, count_invitees_of=count_invitees_of)
    return row.id


def write(row: Event, *, count_invitees_of: int | None = None) -> None:
    """Insert a prepared event; delivery starts after the commit."""
    if count_invitees_of is None:
        row.save(force_insert=True)
    else:
        statement, params = _insert_counting_invitees(row, count_invitees_of)
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
    transaction.on_commit(delivery.event_queued)


def send_test(*, endpoint_id: int, now: datetime) -> str:
    """Queue a webhook.test event for that endpoint alone; return its id."""
    with transaction.atomic():
        event_id = emit(TEST_EVENT, lambda: {"endpoint": endpoint_id}, now=now, to=[endpoint_id])
    assert event_id is not None  # noqa: S101 - sent `to` an endpoint: always written
    return event_id


def prepare(
    event_type: str, data: Callable[[], dict], *, now: datetime, to: list[int] | None = None
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


def update_then_emit(row: Event, *, update: str, params: list, count_invitees_of: int) -> int:
    """PostgreSQL, one statement: `update` (an UPDATE … RETURNING 1) and, if it changed a
    row, the event `row`, counting `count_invitees_of`'s invitees with the updated one.
    Returns how many rows were updated. Called inside an activation's serialized section,
    where every round trip lengthens the wait of every other activation."""
    insert, insert_params = _insert_counting_invitees(row, count_invitees_of, plus=1)
    # COUNT(*) makes one row even of none: HAVING keeps it only if `update` changed one.
    statement = f"WITH changed AS ({update}) {insert} HAVING EXISTS (SELECT 1 FROM changed)"  # noqa: S608 - both parts built by our code from model table names
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *insert_params])
        written = cursor.rowcount
    if written:
        transaction.on_commit(delivery.event_queued)
    return written


def _insert_counting_invitees(row: Event, user_id: int, plus: int = 0) -> tuple[str, list]:
    """Raw SQL, one statement: the event, with INVITEES in its body replaced by the number
    of `user_id`'s invitees as the INSERT reads it (in the change's transaction, so an
    invitee added earlier in it counts; `plus` adds one the same statement adds). An ORM
    count first would be a second round trip."""
    events, users = sql.tables(Event, get_user_model())
    statement = (
        f"INSERT INTO {events} (id, type, body, targets, fanned_out, created_at) "  # noqa: S608 - table names from the models; values are parameters
        "SELECT %s, %s, REPLACE(%s, %s, CAST(COUNT(*) + %s AS TEXT)), %s, %s, %s "
        f"FROM {users} WHERE invited_by_id = %s"
    )
    created_at = row.created_at
    params = [row.id, row.type, row.body, json.dumps(INVITEES), plus, row.targets, False]
    return statement, [*params, created_at, user_id]


def iso(moment: datetime) -> str:
    """2026-11-27T10:00:00.123456Z"""
    return moment.isoformat().replace("+00:00", "Z")
