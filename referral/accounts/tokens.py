"""JWT pairs: issue, rotate (the old refresh token is revoked) and revoke."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils.functional import lazy
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from referral.core.errors import AccountDisabled, TokenInvalid

from .models import User


def _lifetime(kind: str) -> str:
    """A token's lifetime as the settings have it, in words: "15 minutes", "30 days"."""
    lifetimes = {
        "access": jwt_settings.ACCESS_TOKEN_LIFETIME,
        "refresh": jwt_settings.REFRESH_TOKEN_LIFETIME,
    }
    lifetime: timedelta = lifetimes[kind]
    if lifetime % timedelta(days=1):
        return f"{lifetime // timedelta(minutes=1)} minutes"
    return f"{lifetime.days} days"


# For the schema's texts, read when the schema is drawn (not when the code is imported).
lifetime = lazy(_lifetime, str)


def issue_tokens(*, user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def rotate_refresh_token(*, raw: str) -> dict[str, str]:
    """Trade a refresh token for a new pair; of two parallel calls with one token, one wins."""
    with transaction.atomic():
        user = _revoke(raw)
        if user is None:
            raise TokenInvalid()
        if not user.is_active:
            raise AccountDisabled()
    return issue_tokens(user=user)


def revoke_refresh_token(*, raw: str) -> None:
    with transaction.atomic():
        _revoke(raw)


def _revoke(raw: str) -> User | None:
    """Blacklist refresh token `raw`, return its user; the unique blacklist row decides races."""
    try:
        # Checks signature, expiry, type and the blacklist (simplejwt annotates the argument
        # as a Token, but it takes the encoded string, as its own views pass it).
        refresh = RefreshToken(raw)  # type: ignore[arg-type]
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
