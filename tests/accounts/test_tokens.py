import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from referral.accounts import tokens
from referral.core.errors import AccountDisabled, TokenInvalid

from ..factories import make_user

pytestmark = pytest.mark.django_db


def test_a_rotation_is_one_statement():
    """Issue 15: revoke the old token and register the new one in one round trip."""
    raw = tokens.issue_tokens(user=make_user())["refresh"]

    with CaptureQueriesContext(connection) as queries:
        pair = tokens.rotate_refresh_token(raw=raw)

    assert len(queries) == 1
    assert AccessToken(pair["access"])["user_id"] == RefreshToken(pair["refresh"])["user_id"]
    assert OutstandingToken.objects.filter(jti=RefreshToken(pair["refresh"])["jti"]).exists()
    old_jti = RefreshToken(raw, verify=False)["jti"]  # type: ignore[arg-type]
    assert BlacklistedToken.objects.filter(token__jti=old_jti).exists()


def test_a_rotated_token_cannot_be_used_again():
    raw = tokens.issue_tokens(user=make_user())["refresh"]
    tokens.rotate_refresh_token(raw=raw)

    with pytest.raises(TokenInvalid):
        tokens.rotate_refresh_token(raw=raw)


def test_a_disabled_users_rotation_writes_nothing():
    user = make_user()
    raw = tokens.issue_tokens(user=user)["refresh"]
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    with pytest.raises(AccountDisabled):
        tokens.rotate_refresh_token(raw=raw)

    assert OutstandingToken.objects.count() == 1
    assert not BlacklistedToken.objects.exists()


def test_an_unregistered_token_is_refused():
    """Signed with our key but never handed out (say, the table was emptied)."""
    raw = tokens.issue_tokens(user=make_user())["refresh"]
    OutstandingToken.objects.all().delete()

    with pytest.raises(TokenInvalid):
        tokens.rotate_refresh_token(raw=raw)

    assert not OutstandingToken.objects.exists()
