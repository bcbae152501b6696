from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from referral.accounts.serializers import ActivateInviteSerializer

from . import selectors, services
from .serializers import InvitedUserSerializer


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


class NewestFirst(CursorPagination):
    ordering = ("-invited_at", "-id")
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200


class InvitedUsersView(ListAPIView):
    """The people who activated the user's code, newest first, a page at a time."""

    serializer_class = InvitedUserSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.invitees_newest_first(user=self.request.user)
