"""Outbox queues (login SMS, webhook deliveries): rows that are their own queue entries.

A worker leases due rows; rows another worker holds are skipped, not waited for (SKIP
LOCKED on PostgreSQL). A lease that runs out frees its row for any worker.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet


def lease_due(
    rows: QuerySet,
    *,
    worker: str,
    limit: int,
    now: datetime,
    lease_seconds: float,
    tries_field: str,
    ids: list[int] | None = None,
) -> list[int]:
    """Lease up to `limit` of `rows` that are due and free, oldest first; count a try on each.

    `rows` have next_try_at, lease_until and claimed_by; `ids` narrows them further.
    """
    with transaction.atomic():
        due = rows.filter(next_try_at__lte=now).filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now)
        )
        if ids is not None:
            due = due.filter(id__in=ids)
        taken = list(
            due.order_by("next_try_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if taken:
            rows.model.objects.filter(id__in=taken).update(
                lease_until=now + timedelta(seconds=lease_seconds),
                claimed_by=worker[:64],
                **{tries_field: F(tries_field) + 1},
            )
    return taken
