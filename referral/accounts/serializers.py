import re

import phonenumbers
from django.conf import settings
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from referral.core.serializers import StrictCharField

from . import tokens

_SMS_CAPABLE = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


class MobilePhoneField(PhoneNumberField):
    """A mobile number from an allowed country, returned in E.164."""

    default_error_messages = {
        "invalid": _("Enter a valid mobile phone number, for example +79991234567."),
        "region": _("Phone numbers from this country are not supported."),
        "not_mobile": _(
            "This number cannot get SMS: it is a landline or a service number. "
            "Enter a mobile number."
        ),
    }

    def __init__(self, **kwargs):
        super().__init__(max_length=32, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        number = super().to_internal_value(data)
        if phonenumbers.number_type(number) not in _SMS_CAPABLE:
            self.fail("not_mobile")
        if phonenumbers.region_code_for_number(number) not in settings.PHONE_ALLOWED_REGIONS:
            self.fail("region")
        return number.as_e164


class LoginCodeField(StrictCharField):
    default_error_messages = {"invalid": _("Enter the code from the SMS: {length} digits.")}
    # The message with OTP_LENGTH filled in, read when the schema is drawn.
    message_for_schema = lazy(
        lambda: str(LoginCodeField.default_error_messages["invalid"]).format(
            length=settings.OTP_LENGTH
        ),
        str,
    )()

    def __init__(self, **kwargs):
        super().__init__(max_length=16, **kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        if not re.fullmatch(rf"[0-9]{{{settings.OTP_LENGTH}}}", code):
            self.fail("invalid", length=settings.OTP_LENGTH)
        return code


class RequestCodeSerializer(serializers.Serializer):
    phone = MobilePhoneField()
    altcha = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Only after a 428 challenge_required: the solved challenge (base64 JSON).",
    )


class VerifyCodeSerializer(serializers.Serializer):
    phone = MobilePhoneField()
    code = LoginCodeField()
    # Checked by the login itself: a bad invite code is reported in invite_error, never a 400.
    invite_code = StrictCharField(required=False, allow_blank=True, max_length=64)


class RefreshSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=4096)


# Response shapes, for the OpenAPI schema (the views build plain dicts).


class InviteErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class LoginSerializer(serializers.Serializer):
    phone_number = serializers.CharField()
    invite_code = serializers.CharField()
    access = serializers.CharField(
        help_text=format_lazy("JWT access token, valid {}.", tokens.lifetime("access"))
    )
    refresh = serializers.CharField(
        help_text=format_lazy(
            "JWT refresh token, valid {}, single use.", tokens.lifetime("refresh")
        )
    )
    invite_error = InviteErrorSerializer(
        required=False, help_text="Only when an invite_code was given and could not be activated."
    )


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
