import pytest
from django.db import IntegrityError
from django.utils import timezone

from referral.accounts import models
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
        User(phone="+79990000123", invite_code=user.invite_code).save()


def test_creating_a_user_draws_another_invite_code_after_a_collision(monkeypatch):
    """One path for every new user: sign-up, createsuperuser and the factories alike."""
    taken = make_user().invite_code
    draws = iter([taken, taken, "NEWC0D"])
    monkeypatch.setattr(models, "new_invite_code", lambda: next(draws))

    user = User.objects.create_superuser(phone="+79990000124", password="x")

    assert user.invite_code == "NEWC0D"


def test_the_database_refuses_a_duplicate_phone():
    make_user("+79990000123")

    with pytest.raises(IntegrityError):
        make_user("+79990000123")
