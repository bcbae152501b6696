"""Activating someone else's invite code."""

from datetime import datetime

from django.conf import settings
from django.db import connection, transaction

from referral.accounts.models import User
from referral.core import ratelimit
from referral.core.errors import (
    AccountDisabled,
    InviteAlreadyActivated,
    InviteCycle,
    InviteNotFound,
    InviteOwn,
    TokenInvalid,
)
from referral.webhooks import events
from referral.webhooks.models import Event

from .selectors import PHONE_AS_TEXT


def activate_invite(*, user_id: int, code: str, now: datetime, channel: str = "api") -> User:
    """Record that user `user_id` was invited by the owner of `code` (canonical form); return
    the owner.

    Once per user, never one's own code, never a code from one's own downline, never by a
    disabled account. `channel` (api, page or share_link) is told to the webhooks'
    invite.activated.
    """
    ratelimit.hit(
        f"activate:user:{user_id}",
        limit=settings.INVITE_ACTIVATIONS_PER_USER_PER_HOUR,
        window=3600,
        now=now,
    )
    with transaction.atomic():
        _serialize_activations()
        user = (
            User.objects.filter(pk=user_id)
            .values("is_active", "invited_by_id", "invite_code", phone_text=PHONE_AS_TEXT)
            .first()
        )
        if user is None:
            raise TokenInvalid()
        if not user["is_active"]:
            raise AccountDisabled()
        if user["invited_by_id"] is not None:
            raise InviteAlreadyActivated()
        inviter = User.objects.filter(invite_code=code).first()
        if inviter is None:
            raise InviteNotFound()
        if inviter.pk == user_id:
            raise InviteOwn()
        if _is_in_upline(user_id, of=inviter.pk):
            raise InviteCycle()
        event = events.prepare(
            "invite.activated",
            lambda: {
                "invitee": {"phone": user["phone_text"], "invite_code": user["invite_code"]},
                "inviter": {
                    "phone": str(inviter.phone),
                    "invite_code": inviter.invite_code,
                    "invited_count": events.INVITEES,  # counted by the event's INSERT
                },
                "activated_at": events.iso(now),
                "channel": channel,
            },
            now=now,
        )
        if not _record(user_id, inviter, now, event):
            raise InviteAlreadyActivated()
    return inviter


def _record(user_id: int, inviter: User, now: datetime, event: Event | None) -> int:
    """Write the activation (its condition makes "once" hold even if the checks raced), and
    its webhook event if an endpoint takes it. On PostgreSQL both are one statement, since
    activations run one at a time (see below) and each round trip makes the others wait."""
    if event is not None and connection.vendor == "postgresql":
        table = connection.ops.quote_name(User._meta.db_table)
        return events.update_then_emit(
            event,
            update=f"UPDATE {table} SET invited_by_id = %s, invited_at = %s "  # noqa: S608 - the table name comes from the model
            "WHERE id = %s AND invited_by_id IS NULL RETURNING 1",
            params=[inviter.pk, now, user_id],
            count_invitees_of=inviter.pk,
        )
    updated = User.objects.filter(pk=user_id, invited_by__isnull=True).update(
        invited_by=inviter, invited_at=now
    )
    if updated and event is not None:
        events.write(event, count_invitees_of=inviter.pk)
    return updated


def _serialize_activations() -> None:
    """Cycles are a property of the whole tree, so activations run one at a time.

    On PostgreSQL a transaction-scoped advisory lock does it; SQLite transactions
    here are IMMEDIATE and already serialized. Activations are rare (once per user).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x1A7E])


def _is_in_upline(user_id: int, *, of: int) -> bool:
    """Whether `user_id` invited `of`, directly or through others."""
    table = connection.ops.quote_name(User._meta.db_table)
    sql = f"""
        WITH RECURSIVE upline(id) AS (
            SELECT invited_by_id FROM {table} WHERE id = %s
            UNION
            SELECT u.invited_by_id FROM {table} u JOIN upline ON u.id = upline.id
        )
        SELECT 1 FROM upline WHERE id = %s
    """  # noqa: S608 - the table name comes from the model, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [of, user_id])
        return cursor.fetchone() is not None
