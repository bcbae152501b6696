from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from referral.core.errors import AccountDisabled, BadAuthorizationHeader, TokenInvalid


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's, with a case-insensitive scheme (RFC 9110) and our documented errors.

    simplejwt answers a malformed header, a deleted user and a disabled one with
    English messages under codes of its own.
    """

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            raise BadAuthorizationHeader()
        validated_token = self.get_validated_token(parts[1])
        return self.get_user(validated_token), validated_token

    def get_user(self, validated_token):
        try:
            return super().get_user(validated_token)
        except AuthenticationFailed as failed:
            if isinstance(failed.detail, dict) and failed.detail.get("code") == "user_inactive":
                raise AccountDisabled() from None
            raise TokenInvalid() from None
