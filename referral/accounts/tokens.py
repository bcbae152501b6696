"""JWT pairs: issue, rotate (the old refresh token is revoked) and revoke."""

from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils.functional import lazy
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import BlacklistMixin, RefreshToken, Token
from rest_framework_simplejwt.utils import datetime_from_epoch

from referral.core import sql
from referral.core.errors import TokenInvalid

from .authentication import ensure_may_act
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
    """Trade a refresh token for a new pair; of two parallel calls with one token, one wins.

    The old token is blacklisted and the new one registered in one statement, since
    simplejwt's 8 round trips were most of a refresh's time. Nothing is written for a
    disabled user; the blacklist's unique key still decides races (ON CONFLICT)."""
    old = _decoded(raw)
    # simplejwt's own for_user without its INSERT of the outstanding token: that is below.
    new = super(BlacklistMixin, RefreshToken).for_user(User(pk=old[jwt_settings.USER_ID_CLAIM]))
    encoded = str(new)  # signed once: stored, and the answer
    outstanding, users, blacklisted = sql.tables(OutstandingToken, User, BlacklistedToken)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH old AS (
                SELECT o.id, o.user_id, u.is_active
                FROM {outstanding} o JOIN {users} u ON u.id = o.user_id
                WHERE o.jti = %(old)s
            ), revoked AS (
                INSERT INTO {blacklisted} (token_id, blacklisted_at)
                SELECT id, %(now)s FROM old WHERE is_active
                ON CONFLICT (token_id) DO NOTHING
                RETURNING token_id
            ), issued AS (
                INSERT INTO {outstanding} (user_id, jti, token, created_at, expires_at)
                SELECT old.user_id, %(jti)s, %(token)s, %(now)s, %(expires)s
                FROM revoked JOIN old ON old.id = revoked.token_id
                RETURNING 1
            )
            SELECT (SELECT is_active FROM old), EXISTS (SELECT FROM issued)
            """,  # noqa: S608 - table names come from the models, values are parameters
            {
                "old": old[jwt_settings.JTI_CLAIM],
                "jti": new[jwt_settings.JTI_CLAIM],
                "token": encoded,
                "now": new.current_time,
                "expires": datetime_from_epoch(new["exp"]),
            },
        )
        is_active, issued = cursor.fetchone()
    ensure_may_act(is_active)  # None: no such token, or its user is gone
    if not issued:  # revoked already (perhaps a moment ago by a parallel call)
        raise TokenInvalid()
    return {"access": str(new.access_token), "refresh": encoded}


def revoke_refresh_token(*, raw: str) -> None:
    with transaction.atomic():
        _revoke(raw)


def _decoded(raw: str) -> RefreshToken:
    """Checks signature, expiry and type (simplejwt annotates the argument as a Token, but it
    takes the encoded string, as its own views pass it); not the blacklist."""
    try:
        refresh = RefreshToken(raw, verify=False)  # type: ignore[arg-type]
        Token.verify(refresh)  # the blacklist check of RefreshToken.verify is left out
    except TokenError as error:
        raise TokenInvalid() from error
    return refresh


def _revoke(raw: str) -> User | None:
    """Blacklist refresh token `raw`, return its user; the unique blacklist row decides races."""
    refresh = _decoded(raw)
    try:
        refresh.check_blacklist()
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
