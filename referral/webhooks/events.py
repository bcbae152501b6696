"""The events, written in the transaction of the change they report (an outbox): a change
that commits always has its event, a rollback never does. Nothing is written (or even
built) for a type that no enabled endpoint takes."""

import json
import secrets
from collections.abc import Callable
from datetime import datetime

from django.db import transaction

from . import delivery, endpoints
from .models import Delivery, Event

VERSION = 1


def emit(
    event_type: str, data: Callable[[], dict], *, now: datetime, to: list[int] | None = None
) -> Event | None:
    """Queue `event_type` with `data()` for every endpoint that takes it (or for `to`).

    Call it inside the transaction of the change; delivery starts after the commit.
    """
    targets = endpoints.subscribed(event_type) if to is None else to
    if not targets:
        return None
    event_id = f"evt_{secrets.token_hex(12)}"
    body = {"id": event_id, "type": event_type, "timestamp": iso(now), "version": VERSION}
    event = Event.objects.create(
        id=event_id,
        type=event_type,
        body=json.dumps({**body, "data": data()}, ensure_ascii=False),
        created_at=now,
    )
    Delivery.objects.bulk_create(
        Delivery(event=event, endpoint_id=pk, next_try_at=now, created_at=now) for pk in targets
    )
    transaction.on_commit(delivery.event_queued)
    return event


def iso(moment: datetime) -> str:
    """2026-11-27T10:00:00.123456Z"""
    return moment.isoformat().replace("+00:00", "Z")
