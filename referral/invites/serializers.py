from rest_framework import serializers


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
