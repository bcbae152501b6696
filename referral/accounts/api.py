from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from referral.core.http import client_ip

from . import services, tokens
from .serializers import RefreshSerializer, RequestCodeSerializer, VerifyCodeSerializer


class PublicAPIView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


class RequestCodeView(PublicAPIView):
    def post(self, request):
        data = _valid(RequestCodeSerializer, request)
        services.request_code(phone=data["phone"], ip=client_ip(request), now=timezone.now())
        return Response({"detail": _("Code sent")})


class VerifyCodeView(PublicAPIView):
    def post(self, request):
        data = _valid(VerifyCodeSerializer, request)
        login = services.log_in(
            phone=data["phone"],
            code=data["code"],
            invite_code=data.get("invite_code") or None,
            ip=client_ip(request),
            now=timezone.now(),
        )
        body = {
            "phone_number": str(login.user.phone),
            "invite_code": login.user.invite_code,
            **tokens.issue_tokens(login.user),
        }
        if login.invite_error is not None:
            body["invite_error"] = {
                "detail": str(login.invite_error.message),
                "code": login.invite_error.code,
            }
        return Response(body)


class RefreshView(PublicAPIView):
    def post(self, request):
        data = _valid(RefreshSerializer, request)
        return Response(tokens.rotate_refresh_token(raw=data["refresh"]))


class LogoutView(PublicAPIView):
    def post(self, request):
        data = _valid(RefreshSerializer, request)
        tokens.revoke_refresh_token(raw=data["refresh"])
        return Response({"detail": _("Logged out")})


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
