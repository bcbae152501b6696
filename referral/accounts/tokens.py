"""JWT pairs: issue, rotate (the old refresh token is revoked) and revoke."""

from django.db import transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from referral.core.errors import TokenInvalid

from .models import User


def issue_tokens(user: User) -> dict:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def rotate_refresh_token(*, raw: str) -> dict:
    """Trade a refresh token for a new pair; of two parallel calls with one token, one wins."""
    with transaction.atomic():
        user_id = _revoke(raw)
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise TokenInvalid()
    return issue_tokens(user)


def revoke_refresh_token(*, raw: str) -> None:
    with transaction.atomic():
        _revoke(raw)


def _revoke(raw: str):
    try:
        refresh = RefreshToken(raw)  # checks signature, expiry, type and the blacklist
    except TokenError as error:
        raise TokenInvalid() from error
    outstanding = OutstandingToken.objects.filter(jti=refresh["jti"]).first()
    if outstanding is None:
        raise TokenInvalid()
    _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    if not created:  # revoked meanwhile by a parallel request
        raise TokenInvalid()
    return refresh["user_id"]
