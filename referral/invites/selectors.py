from datetime import datetime
from typing import TypedDict

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from referral.accounts.models import User

# Phones are stored in E.164 already: read them as text instead of parsing each one
# back into a PhoneNumber (which costs more than the query for a long list).
_PHONE_AS_TEXT = Cast("phone", output_field=CharField())


class Profile(TypedDict):
    phone_number: str
    invite_code: str
    invited_by_code: str | None
    invited_count: int
    invited_users: list[str]


def get_profile(*, user: User) -> Profile:
    """The profile as the API shows it: one query whatever the number of invitees.

    The inviter's row comes with the invitees' (it can never be one of them), so
    the code it carries costs no second round trip.
    """
    rows = (
        User.objects.filter(Q(invited_by=user) | Q(pk=user.invited_by_id))
        .order_by("invited_at", "id")
        .values_list("pk", "invite_code", _PHONE_AS_TEXT)
    )
    invited_by_code: str | None = None
    invited_users: list[str] = []
    for pk, invite_code, phone in rows:
        if pk == user.invited_by_id:
            invited_by_code = invite_code
        else:
            invited_users.append(phone)
    return {
        "phone_number": str(user.phone),
        "invite_code": user.invite_code,
        "invited_by_code": invited_by_code,
        "invited_count": len(invited_users),
        "invited_users": invited_users,
    }


class Invitee(TypedDict):
    id: int
    invited_at: datetime | None  # never None here: they were invited
    phone_number: str


def inviter_phone(*, code: str) -> str | None:
    """The phone of the user whose invite code is `code` (None: no such code)."""
    return User.objects.filter(invite_code=code).values_list(_PHONE_AS_TEXT, flat=True).first()


def invitees_newest_first(*, user: User) -> QuerySet[User, Invitee]:
    return (
        User.objects.filter(invited_by=user)
        .order_by("-invited_at", "-id")
        .values("id", "invited_at", phone_number=_PHONE_AS_TEXT)
    )


def invited_by_code(*, user: User) -> str | None:
    if user.invited_by_id is None:
        return None
    return User.objects.filter(pk=user.invited_by_id).values_list("invite_code", flat=True).first()
