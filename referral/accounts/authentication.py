from functools import lru_cache
from typing import cast

from django.utils.functional import cached_property
from rest_framework_simplejwt import authentication, models
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

from referral.core.errors import AccountDisabled, BadAuthorizationHeader, TokenInvalid

from .models import User


class TokenUser(models.TokenUser):
    """The user a validated access token names; its id as the database has it (simplejwt
    writes the claim as a string)."""

    @cached_property
    def id(self) -> int:  # type: ignore[override]
        return int(self.token[api_settings.USER_ID_CLAIM])


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's, with a case-insensitive scheme (RFC 9110), and no query.

    The user is the token's: `request.user` is a TokenUser holding the id. Whether that
    account may act is decided by the statement that serves the request, which reads the
    user's `is_active` anyway and hands it to `ensure_may_act` (loading the user here first
    cost a query per request: README, Development). A test walks every route with the token
    of a disabled and of a deleted account (tests/test_routes_need_an_active_account.py).
    """

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            raise BadAuthorizationHeader()
        validated_token = self.get_validated_token(parts[1])
        return TokenUser(validated_token), validated_token

    def get_validated_token(self, raw_token):
        """simplejwt's check, done once per token and process: a client sends the same access
        token for its whole life, and PyJWT's signature and claims checks were a tenth of the
        profile's time. Its expiry is checked on every request; an expired or bad token goes
        through simplejwt's own check again, for its error. Only valid tokens are kept (they
        carry our signature), at most VERIFIED_TOKENS of them."""
        token = _verified(raw_token)
        try:
            token.check_exp(current_time=aware_utcnow())
        except TokenError:
            return super().get_validated_token(raw_token)  # raises simplejwt's error
        return token


VERIFIED_TOKENS = 4096


@lru_cache(maxsize=VERIFIED_TOKENS)  # does not keep exceptions: a bad token is checked anew
def _verified(raw_token: bytes) -> Token:
    return authentication.JWTAuthentication().get_validated_token(raw_token)


def token_user_id(request) -> int:
    """The id of the user the request's access token names (IsAuthenticated let it in)."""
    return cast(TokenUser, request.user).id


def ensure_may_act(is_active: bool | None) -> None:
    """The rule "this account may act", for every token (access or refresh): `is_active` of
    the token's user as the statement serving the request read it, None if it found no such
    user. A deleted account's token is not valid (401 token_not_valid); a disabled account
    is refused (403 account_disabled). The pages have Django's ModelBackend, which ends the
    session of an account that is no longer active."""
    if is_active is None:
        raise TokenInvalid()
    if not is_active:
        raise AccountDisabled()


def ensure_user_may_act(*, user_id: int) -> None:
    """`ensure_may_act` for user `user_id`, with a query: for a statement that found nothing,
    which might be because the account may not act (an empty page of invitees)."""
    ensure_may_act(User.objects.filter(pk=user_id).values_list("is_active", flat=True).first())
