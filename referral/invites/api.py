from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from referral.accounts import tokens
from referral.accounts.api import ACCESS, REFRESH, PublicAPIView
from referral.accounts.authentication import ensure_user_may_act, token_user_id
from referral.accounts.serializers import LoginCodeField, LoginSerializer, VerifyCodeSerializer
from referral.core import errors
from referral.core.http import client_ip, error_body, validated
from referral.core.openapi import (
    AUTH_ERRORS,
    BODY_ERRORS,
    detail_example,
    documented_body,
    error_responses,
    field_error,
)
from referral.core.serializers import DetailSerializer

from . import selectors, services, signup
from .serializers import (
    ActivateInviteSerializer,
    InviteCodeField,
    InvitedUserSerializer,
    ProfileSerializer,
)

ACTIVATED = gettext_lazy("Invite code activated")


class VerifyCodeView(PublicAPIView):
    """/api/auth/verify_code/: here, not in accounts, since it activates an invite code at
    sign-up (referral.invites.signup)."""

    @extend_schema(
        summary="Log in with the SMS code",
        description="Returns JWT tokens. The user is created at the first successful login. "
        "An optional invite_code is activated right after sign-up; if it cannot be, the login "
        "still succeeds and the response carries invite_error.",
        request=VerifyCodeSerializer,
        examples=[
            OpenApiExample(
                "code", value={"phone": "+79991234567", "code": "1234"}, request_only=True
            ),
            OpenApiExample(
                "code and referral",
                value={"phone": "+79991234567", "code": "1234", "invite_code": "Z9Y8X7"},
                request_only=True,
            ),
        ],
        responses={
            200: OpenApiResponse(
                LoginSerializer,
                examples=[
                    OpenApiExample(
                        "logged in",
                        value={
                            "phone_number": "+79991234567",
                            "invite_code": "C0A13D",
                            "access": ACCESS,
                            "refresh": REFRESH,
                        },
                    ),
                    *(
                        OpenApiExample(
                            f"logged in, invite code refused: {refusal.code}",
                            value={
                                "phone_number": "+79991234567",
                                "invite_code": "C0A13D",
                                "access": ACCESS,
                                "refresh": REFRESH,
                                "invite_error": documented_body(refusal),
                            },
                        )
                        for refusal in (
                            errors.InviteNotFound,
                            errors.InviteInvalid,
                            errors.InviteNotNewUser,
                            errors.InviteCycle,
                        )
                    ),
                ],
            ),
            **error_responses(
                *BODY_ERRORS,
                (400, "invalid", LoginCodeField.message_for_schema),
                errors.CodeInvalid,
                errors.CodeExpired,
                errors.TooManyAttempts,
                errors.PhoneLocked,
                errors.AccountDisabled,
                errors.PhonePaused,
                errors.Throttled,
            ),
        },
    )
    def post(self, request):
        data = validated(VerifyCodeSerializer, request)
        login = signup.log_in(
            phone=data["phone"],
            code=data["code"],
            invite_code=data.get("invite_code") or None,
            ip=client_ip(request),
            now=timezone.now(),
        )
        body: dict[str, object] = {
            "phone_number": str(login.user.phone),
            "invite_code": login.user.invite_code,
            **tokens.issue_tokens(user=login.user),
        }
        if login.invite_error is not None:
            body["invite_error"] = error_body(login.invite_error)
        return Response(body)


class ProfileView(APIView):
    @extend_schema(
        summary="The user's profile",
        description="invited_users: everyone who activated this user's code, oldest first. "
        "For long lists, page through /api/profile_back/invited_users/ instead.",
        responses={
            200: OpenApiResponse(
                ProfileSerializer,
                examples=[
                    OpenApiExample(
                        "profile",
                        value={
                            "phone_number": "+79991234567",
                            "invite_code": "A1B2C3",
                            "invited_by_code": "Z9Y8X7",
                            "invited_count": 2,
                            "invited_users": ["+79990001122", "+79990002233"],
                        },
                    )
                ],
            ),
            **error_responses(*AUTH_ERRORS),
        },
    )
    def get(self, request):
        return Response(selectors.get_profile(user_id=token_user_id(request)))


class ActivateInviteView(APIView):
    @extend_schema(
        summary="Activate someone else's invite code",
        description="Once per user. Case, spaces and hyphens do not matter; O reads as 0, "
        "I and L as 1. Not one's own code, nor the code of anyone one invited.",
        request=ActivateInviteSerializer,
        examples=[OpenApiExample("code", value={"code": "Z9Y8X7"}, request_only=True)],
        responses={
            200: OpenApiResponse(
                DetailSerializer,
                examples=[detail_example("activated", ACTIVATED)],
            ),
            **error_responses(
                *BODY_ERRORS,
                field_error(InviteCodeField),
                *AUTH_ERRORS,
                errors.InviteOwn,
                errors.InviteCycle,
                errors.InviteNotFound,
                errors.InviteAlreadyActivated,
                errors.Throttled,
            ),
        },
    )
    def post(self, request):
        data = validated(ActivateInviteSerializer, request)
        user_id = token_user_id(request)
        services.activate_invite(user_id=user_id, code=data["code"], now=timezone.now())
        return Response({"detail": ACTIVATED})


class NewestFirst(CursorPagination):
    ordering = ("-invited_at", "-id")
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200
    invalid_limit_message = gettext_lazy("A positive whole number.")

    def get_page_size(self, request):
        """A `limit` that is not a positive whole number is a 400, not silently the default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and int(raw) > 0):
            raise ValidationError({"limit": [self.invalid_limit_message]}, code="invalid")
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = "Page size: 50 by default, at most 200."
        return parameters


@extend_schema(
    summary="The people who activated the user's code, newest first",
    description="Cursor pagination: follow `next`. `limit` is 50 by default, 200 at most.",
    responses={
        200: InvitedUserSerializer(many=True),
        **error_responses(
            (400, "invalid", NewestFirst.invalid_limit_message),
            *AUTH_ERRORS,
            (404, "not_found", NewestFirst.invalid_cursor_message),  # a tampered cursor
        ),
    },
)
class InvitedUsersView(ListAPIView):
    serializer_class = InvitedUserSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.invitees_newest_first(user_id=token_user_id(self.request))

    def list(self, request, *args, **kwargs):
        """As ListAPIView's, without the serializer (the schema's shape): the rows are already
        that shape, less the id the cursor needs, and the renderer writes the datetimes as
        DRF's DateTimeField would (UTC, ISO 8601 with "Z")."""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            [{"phone_number": row["phone_number"], "invited_at": row["invited_at"]} for row in page]
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if not page:  # perhaps no invitees, perhaps no longer an active user
            ensure_user_may_act(user_id=token_user_id(self.request))
        return page
