import pytest
from django.db import IntegrityError
from django.utils import timezone

from referral.accounts.models import User

from ..factories import make_user

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_self_invitation():
    user = make_user()

    with pytest.raises(IntegrityError):
        User.objects.filter(pk=user.pk).update(invited_by=user, invited_at=timezone.now())


def test_the_database_refuses_a_duplicate_invite_code():
    user = make_user()

    with pytest.raises(IntegrityError):
        make_user().__class__.objects.create_user(
            phone="+79990000123", invite_code=user.invite_code
        )


def test_the_database_refuses_a_duplicate_phone():
    make_user("+79990000123")

    with pytest.raises(IntegrityError):
        make_user("+79990000123")
