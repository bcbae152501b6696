"""Sign-up with an invite code: accounts' login, then the activation (referral.invites.signup)."""

import pytest

from referral.accounts.models import User
from referral.core import errors
from referral.invites import signup

from ..factories import PHONE, make_user

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"


def test_log_in_activates_an_invite_code_at_sign_up(request_code, now):
    inviter = make_user()

    login = signup.log_in(
        phone=PHONE, code=request_code(now=now), ip=IP, now=now, invite_code=inviter.invite_code
    )

    assert login.created and login.invite_error is None
    assert User.objects.get(pk=login.user.pk).invited_by == inviter


def test_log_in_keeps_the_login_when_the_invite_code_fails(request_code, now):
    login = signup.log_in(
        phone=PHONE, code=request_code(now=now), ip=IP, now=now, invite_code="ZZZZZZ"
    )

    assert login.created
    assert isinstance(login.invite_error, errors.InviteNotFound)


def test_log_in_reports_an_invite_code_given_by_an_existing_user(request_code, now):
    user = make_user(PHONE)
    inviter = make_user()

    login = signup.log_in(
        phone=PHONE, code=request_code(now=now), ip=IP, now=now, invite_code=inviter.invite_code
    )

    assert not login.created
    assert isinstance(login.invite_error, errors.InviteNotNewUser)
    assert User.objects.get(pk=user.pk).invited_by is None


def test_log_in_reports_a_malformed_invite_code_at_sign_up(request_code, now):
    login = signup.log_in(phone=PHONE, code=request_code(now=now), ip=IP, now=now, invite_code="?")

    assert login.created
    assert isinstance(login.invite_error, errors.InviteInvalid)
