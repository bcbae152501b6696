from django.db.models import QuerySet

from referral.accounts.models import User


def get_profile(*, user: User) -> dict:
    """The profile as the API shows it; three queries whatever the number of invitees."""
    invited_users = [
        str(phone)
        for phone in User.objects.filter(invited_by=user)
        .order_by("invited_at", "id")
        .values_list("phone", flat=True)
    ]
    return {
        "phone_number": str(user.phone),
        "invite_code": user.invite_code,
        "invited_by_code": invited_by_code(user),
        "invited_count": len(invited_users),
        "invited_users": invited_users,
    }


def invitees_newest_first(*, user: User) -> QuerySet:
    return (
        User.objects.filter(invited_by=user)
        .order_by("-invited_at", "-id")
        .values("id", "phone", "invited_at")
    )


def invited_by_code(user: User) -> str | None:
    if user.invited_by_id is None:
        return None
    return User.objects.filter(pk=user.invited_by_id).values_list("invite_code", flat=True).first()
