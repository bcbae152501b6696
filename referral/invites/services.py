"""Activating someone else's invite code."""

from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction

from referral.accounts.authentication import ensure_may_act
from referral.accounts.models import ReferralChange, User
from referral.core import ratelimit, sql
from referral.core.errors import (
    InviteAlreadyActivated,
    InviteCycle,
    InviteNotFound,
    InviteOwn,
)
from referral.webhooks import events
from referral.webhooks.models import Event


def activate_invite(*, user_id: int, code: str, now: datetime, channel: str = "api") -> int:
    """Record that user `user_id` was invited by the owner of `code` (canonical form); return
    the owner's id.

    Once per user, never one's own code, never a code from one's own downline, never by a
    disabled account, and never the code of a disabled account: that one is refused as a
    code nobody has (InviteNotFound), since an account's state is no business of the
    activator. `channel` (api, page, share_link or admin) is told to the webhooks'
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
        user, inviter, in_upline = _parties(user_id, code)
        ensure_may_act(None if user is None else user.is_active)
        assert user is not None  # noqa: S101 - ensure_may_act refuses a missing user
        if user.invited_by_id is not None:
            raise InviteAlreadyActivated()
        if inviter is None or not inviter.is_active:
            raise InviteNotFound()
        if inviter.id == user_id:
            raise InviteOwn()
        if in_upline:
            raise InviteCycle()
        event = events.prepare(
            "invite.activated",
            lambda: {
                "invitee": {"phone": user.phone, "invite_code": user.invite_code},
                "inviter": {
                    "phone": inviter.phone,
                    "invite_code": inviter.invite_code,
                    "invited_count": inviter.invitees + 1,  # with this one
                },
                "activated_at": events.iso(now),
                "channel": channel,
            },
            now=now,
        )
        if not _record(user_id, inviter.id, now, event):
            raise InviteAlreadyActivated()
    return inviter.id


def set_inviter_by_operator(
    *, user_id: int, code: str, operator_id: int, reason: str, now: datetime
) -> int:
    """An operator sets user `user_id`'s inviter to the owner of `code` (canonical form), in
    the admin, for `reason`; return the inviter's id.

    It is an activation, with the same rules and errors (once per user, not one's own code,
    no cycle, no disabled account on either side), and it appends a ReferralChange saying
    who did it and why, in the same transaction: no change without its record.
    """
    with transaction.atomic():
        inviter_id = activate_invite(user_id=user_id, code=code, now=now, channel="admin")
        ReferralChange.objects.create(
            user_id=user_id, inviter_id=inviter_id, changed_by_id=operator_id, reason=reason, at=now
        )
    return inviter_id


class _Party(NamedTuple):
    id: int
    is_active: bool
    invited_by_id: int | None
    invite_code: str
    phone: str  # E.164, as stored
    invitees: int  # read under the activations' lock: exact until the commit


def _parties(user_id: int, code: str) -> tuple[_Party | None, _Party | None, bool]:
    """The user (None: no user `user_id`), the owner of `code` (None: no such code; it may be
    disabled), each with its number of invitees, and whether the user is in the owner's
    upline (a cycle), in one statement: activations run one at a time, and each round trip
    inside the lock makes the others wait."""
    (table,) = sql.tables(User)
    invitees = f"(SELECT count(*) FROM {table} v WHERE v.invited_by_id = p.id)"  # noqa: S608 - the table name comes from the model
    columns = f"p.id, p.is_active, p.invited_by_id, p.invite_code, p.phone, {invitees}"
    statement = f"""
        WITH RECURSIVE upline(id) AS (
            SELECT invited_by_id FROM {table} WHERE invite_code = %s
            UNION
            SELECT u.invited_by_id FROM {table} u JOIN upline ON u.id = upline.id
        )
        SELECT {columns}, EXISTS (SELECT 1 FROM upline WHERE id = %s)
        FROM {table} p WHERE p.id = %s OR p.invite_code = %s
    """  # noqa: S608 - the table name comes from the model, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(statement, [code, user_id, user_id, code])
        rows = cursor.fetchall()
    user = next((_Party(*row[:6]) for row in rows if row[0] == user_id), None)
    inviter = next((_Party(*row[:6]) for row in rows if row[3] == code), None)
    return user, inviter, bool(rows and rows[0][6])


def _record(user_id: int, inviter_id: int, now: datetime, event: Event | None) -> int:
    """Write the activation (its condition makes "once" hold even if the checks raced), and
    its webhook event if an endpoint takes it, in one statement, since activations run one
    at a time (see below) and each round trip makes the others wait."""
    if event is not None:
        (table,) = sql.tables(User)
        return events.update_then_emit(
            event,
            update=f"UPDATE {table} SET invited_by_id = %s, invited_at = %s "  # noqa: S608 - the table name comes from the model
            "WHERE id = %s AND invited_by_id IS NULL RETURNING 1",
            params=[inviter_id, now, user_id],
        )
    return User.objects.filter(pk=user_id, invited_by__isnull=True).update(
        invited_by_id=inviter_id, invited_at=now
    )


def _serialize_activations() -> None:
    """Cycles are a property of the whole tree, so activations run one at a time.

    A transaction-scoped advisory lock does it. Activations are rare (once per user).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x1A7E])
