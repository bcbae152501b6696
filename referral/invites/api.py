from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.views import APIView

from referral.accounts.serializers import ActivateInviteSerializer

from . import selectors, services


class ProfileView(APIView):
    def get(self, request):
        return Response(selectors.get_profile(user=request.user))


class ActivateInviteView(APIView):
    def post(self, request):
        serializer = ActivateInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.activate_invite(
            user=request.user, code=serializer.validated_data["code"], now=timezone.now()
        )
        return Response({"detail": _("Invite code activated")})
