from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from referral.accounts.invite_codes import normalize_invite_code
from referral.core.serializers import StrictCharField


class InviteCodeField(StrictCharField):
    """Forgiving input: case, spaces, hyphens and look-alike letters do not matter."""

    default_error_messages = {"invalid": _("An invite code is 6 letters and digits.")}

    def __init__(self, **kwargs):
        super().__init__(max_length=32, **kwargs)

    def to_internal_value(self, data):
        code = normalize_invite_code(super().to_internal_value(data))
        if code is None:
            self.fail("invalid")
        return code


class ActivateInviteSerializer(serializers.Serializer):
    code = InviteCodeField()


class InvitedUserSerializer(serializers.Serializer):
    phone_number = serializers.CharField()
    invited_at = serializers.DateTimeField()


class ProfileSerializer(serializers.Serializer):
    """The profile's shape, for the OpenAPI schema."""

    phone_number = serializers.CharField()
    invite_code = serializers.CharField()
    invited_by_code = serializers.CharField(allow_null=True)
    invited_count = serializers.IntegerField()
    invited_users = serializers.ListField(child=serializers.CharField())
