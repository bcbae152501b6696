from rest_framework import serializers


class InvitedUserSerializer(serializers.Serializer):
    phone_number = serializers.CharField(source="phone")
    invited_at = serializers.DateTimeField()
