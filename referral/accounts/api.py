from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from referral.core import errors
from referral.core.http import client_ip, validated
from referral.core.openapi import (
    BODY_ERRORS,
    detail_example,
    error_responses,
    field_error,
)
from referral.core.serializers import DetailSerializer, StrictCharField

from . import services, tokens
from .serializers import (
    MobilePhoneField,
    RefreshSerializer,
    RequestCodeSerializer,
    TokenPairSerializer,
)

ACCESS = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwi...access"
REFRESH = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIs...refresh"


CODE_SENT = _("Code sent")
LOGGED_OUT = _("Logged out")


class PublicAPIView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


class RequestCodeView(PublicAPIView):
    @extend_schema(
        summary="Send a login code by SMS",
        description="Any common phone format works; the number must be a mobile number of an "
        "allowed country. While the current code has at least half its life left, the same "
        "code is sent again, so another request never replaces the code its owner is typing; "
        "after that, or once it is used, a new code is sent. The code is never returned.\n\n"
        "When a request looks automated (SMS-pumping signals), the answer is 428 "
        "`challenge_required` with a proof-of-work `challenge` (ALTCHA): solve it and send the "
        "same request again with the solution in `altcha`. A solution works once, for this "
        "number, for SMS_CHALLENGE_TTL_SECONDS. Numbers that logged in before are not "
        "challenged by prefix or budget signals. 429 `prefix_blocked` / `source_blocked` refuse "
        "one prefix or one address for a while (Retry-After).",
        request=RequestCodeSerializer,
        examples=[OpenApiExample("phone", value={"phone": "+79991234567"}, request_only=True)],
        responses={
            200: OpenApiResponse(
                DetailSerializer,
                examples=[detail_example("sent", CODE_SENT)],
            ),
            **error_responses(
                *BODY_ERRORS,
                field_error(MobilePhoneField),
                field_error(MobilePhoneField, "not_mobile"),
                field_error(MobilePhoneField, "region"),
                errors.PhoneLocked,
                errors.AccountDisabled,
                errors.Throttled,
                errors.SmsBudgetExhausted,
                errors.ChallengeRequired,
                errors.PrefixBlocked,
                errors.SourceBlocked,
            ),
        },
    )
    def post(self, request):
        data = validated(RequestCodeSerializer, request)
        services.request_code(
            phone=data["phone"],
            ip=client_ip(request),
            now=timezone.now(),
            altcha=data.get("altcha"),
            language=get_language(),
        )
        return Response({"detail": CODE_SENT})


class RefreshView(PublicAPIView):
    @extend_schema(
        summary="Trade a refresh token for a new pair",
        description="The presented refresh token is revoked (rotation): each works once.",
        request=RefreshSerializer,
        examples=[OpenApiExample("refresh", value={"refresh": REFRESH}, request_only=True)],
        responses={
            200: OpenApiResponse(
                TokenPairSerializer,
                examples=[OpenApiExample("pair", value={"access": ACCESS, "refresh": REFRESH})],
            ),
            **error_responses(
                *BODY_ERRORS,
                field_error(StrictCharField, "not_text"),
                errors.TokenInvalid,
                errors.AccountDisabled,
            ),
        },
    )
    def post(self, request):
        data = validated(RefreshSerializer, request)
        return Response(tokens.rotate_refresh_token(raw=data["refresh"]))


class LogoutView(PublicAPIView):
    @extend_schema(
        summary="Revoke a refresh token",
        description=format_lazy(
            "Access tokens are not stored: one stays valid until it expires ({}).",
            tokens.lifetime("access"),
        ),
        request=RefreshSerializer,
        examples=[OpenApiExample("refresh", value={"refresh": REFRESH}, request_only=True)],
        responses={
            200: OpenApiResponse(
                DetailSerializer,
                examples=[detail_example("logged out", LOGGED_OUT)],
            ),
            **error_responses(
                *BODY_ERRORS, field_error(StrictCharField, "not_text"), errors.TokenInvalid
            ),
        },
    )
    def post(self, request):
        data = validated(RefreshSerializer, request)
        tokens.revoke_refresh_token(raw=data["refresh"])
        return Response({"detail": LOGGED_OUT})
