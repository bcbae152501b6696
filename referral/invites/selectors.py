from datetime import datetime
from typing import TypedDict

import orjson
from django.db import connection
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

from referral.accounts.authentication import ensure_may_act
from referral.accounts.models import User
from referral.core import sql

# Phones are stored in E.164 already: read them as text instead of parsing each one
# back into a PhoneNumber (which costs more than the query for a long list).
PHONE_AS_TEXT = Cast("phone", output_field=CharField())
(_USERS,) = sql.tables(User)


class Profile(TypedDict):
    phone_number: str
    invite_code: str
    invited_by_code: str | None
    invited_count: int
    invited_users: orjson.Fragment  # JSON text the database wrote


def get_profile(*, user_id: int) -> Profile:
    """The profile as the API shows it, in one statement, of an account that may act
    (`ensure_may_act` refuses the others with the same statement's `is_active`).

    The token names the user, so nothing is loaded before this. Raw SQL, because the
    ORM cannot join the user, its inviter and an aggregate of its invitees in one
    statement, and its per-row work was most of a long list's time.
    """
    with connection.cursor() as cursor:
        cursor.execute(_PROFILE, [user_id])
        row = cursor.fetchone()
    ensure_may_act(row[0] if row else None)
    _, phone, invite_code, invited_by_code, count, phones = row
    return {
        "phone_number": phone,
        "invite_code": invite_code,
        "invited_by_code": invited_by_code,
        "invited_count": count,
        "invited_users": orjson.Fragment(phones),
    }


# PostgreSQL writes the invitee list as JSON text, and it goes out as it is: Python never
# holds 100,000 phones one by one (time and memory stay flat in the list's length). The list
# is aggregated from a subquery already in order, not with json_agg(… ORDER BY …): that sorts
# again, on disk past work_mem (84 ms instead of 53 for 100,000 invitees), where the index
# (user_invitees_in_order, covering the phone) yields the rows in order. PostgreSQL keeps
# a subquery's order into an aggregate when nothing (no join, no grouping) stands between.
_PROFILE = f"""
    SELECT u.is_active, u.phone, u.invite_code, inviter.invite_code, invitees.count, invitees.phones
    FROM {_USERS} u
    LEFT JOIN {_USERS} inviter ON inviter.id = u.invited_by_id
    CROSS JOIN LATERAL (
        SELECT count(*) AS count, COALESCE(json_agg(v.phone), '[]')::text AS phones
        FROM (
            SELECT phone FROM {_USERS} WHERE invited_by_id = u.id ORDER BY invited_at, id
        ) v
    ) invitees
    WHERE u.id = %s
"""  # noqa: S608 - the table name comes from the model, values are parameters


class Invitee(TypedDict):
    id: int
    invited_at: datetime | None  # never None here: they were invited
    phone_number: str


def inviter_phone(*, code: str) -> str | None:
    """The phone of the user whose invite code is `code` (None: no such code, or its owner's
    account is disabled: such a code is refused as unknown, services.activate_invite)."""
    owner = User.objects.filter(invite_code=code, is_active=True)
    return owner.values_list(PHONE_AS_TEXT, flat=True).first()


def invitees_newest_first(*, user_id: int) -> QuerySet[User, Invitee]:
    """Empty also when `user_id` is not an active user (the caller then asks
    `ensure_user_may_act`)."""
    return (
        User.objects.filter(invited_by_id=user_id, invited_by__is_active=True)
        .order_by("-invited_at", "-id")
        .values("id", "invited_at", phone_number=PHONE_AS_TEXT)
    )


def invited_by_code(*, user: User) -> str | None:
    if user.invited_by_id is None:
        return None
    return User.objects.filter(pk=user.invited_by_id).values_list("invite_code", flat=True).first()
