"""Test data made through the real code paths."""

from itertools import count

from django.utils import timezone

from referral.accounts.models import User

PHONE = "+79991234567"
_numbers = count(1000000)


def new_phone() -> str:
    """A number of its own prefix and block of 100 (the digits of a counter, reversed),
    so that the SMS-pumping signals of one test's numbers never add up."""
    return f"+7999{str(next(_numbers))[::-1]}"


def wrong_code(code: str) -> str:
    """A code of the same length that is surely not `code`."""
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def make_user(phone: str | None = None, *, invited_by: User | None = None) -> User:
    user = User.objects.create_user(phone=phone or new_phone())
    if invited_by is not None:
        user.invited_by, user.invited_at = invited_by, timezone.now()
        user.save(update_fields=["invited_by", "invited_at"])
    return user
