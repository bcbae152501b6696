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

from . import delivery, endpoints
from .models import Event

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
    targets = endpoints.subscribed(event_type) if to is None else to
    if not targets:
        return None
    event_id = f"evt_{secrets.token_hex(12)}"
    head = {"id": event_id, "type": event_type, "timestamp": iso(now), "version": VERSION}
    body = json.dumps({**head, "data": data()}, ensure_ascii=False)
    row = Event(id=event_id, type=event_type, body=body, created_at=now)
    row.targets = ",".join(map(str, targets))
    if count_invitees_of is None:
        row.save(force_insert=True)
    else:
        _insert_counting_invitees(row, count_invitees_of)
    transaction.on_commit(delivery.event_queued)
    return event_id


def _insert_counting_invitees(row: Event, user_id: int) -> None:
    """Raw SQL, one statement: the event, with INVITEES in its body replaced by the number
    of `user_id`'s invitees as the INSERT reads it (in the change's transaction, so the
    invitee just added counts). An ORM count first would be a second round trip."""
    events, users = (connection.ops.quote_name(m._meta.db_table) for m in (Event, get_user_model()))
    created_at = connection.ops.adapt_datetimefield_value(row.created_at)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {events} (id, type, body, targets, fanned_out, created_at) "  # noqa: S608 - table names from the models; values are parameters
            "SELECT %s, %s, REPLACE(%s, %s, CAST(COUNT(*) AS TEXT)), %s, %s, %s "
            f"FROM {users} WHERE invited_by_id = %s",
            [
                row.id,
                row.type,
                row.body,
                json.dumps(INVITEES),
                row.targets,
                False,
                created_at,
                user_id,
            ],
        )


def iso(moment: datetime) -> str:
    """2026-11-27T10:00:00.123456Z"""
    return moment.isoformat().replace("+00:00", "Z")
