"""JWT pairs: issue, rotate (the old refresh token is revoked) and revoke."""

from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from referral.core.errors import AccountDisabled, TokenInvalid

from .models import User


def issue_tokens(user: User) -> dict:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def rotate_refresh_token(*, raw: str) -> dict:
    """Trade a refresh token for a new pair; of two parallel calls with one token, one wins."""
    with transaction.atomic():
        user = _revoke(raw)
        if user is None:
            raise TokenInvalid()
        if not user.is_active:
            raise AccountDisabled()
    return issue_tokens(user)


def revoke_refresh_token(*, raw: str) -> None:
    with transaction.atomic():
        _revoke(raw)


def _revoke(raw: str) -> User | None:
    """Blacklist refresh token `raw`, return its user; the unique blacklist row decides races."""
    try:
        refresh = RefreshToken(raw)  # checks signature, expiry, type and the blacklist
    except TokenError as error:
        raise TokenInvalid() from error
    outstanding = OutstandingToken.objects.select_related("user").filter(jti=refresh["jti"]).first()
    if outstanding is None:
        raise TokenInvalid()
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError as error:  # revoked meanwhile by a parallel request
        raise TokenInvalid() from error
    return outstanding.user
