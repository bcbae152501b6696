from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DrfJSONRenderer

from referral.core.renderers import JSONRenderer

SAMPLES = [
    {"detail": gettext_lazy("Invite code activated")},
    {"phone_number": "+79991234567", "invited_users": ["+79990001122"], "invited_count": 1},
    {"detail": "Слишком много запросов", "code": "throttled"},
    {"invited_at": datetime(2026, 11, 27, 12, 0, 0, 123456, tzinfo=UTC), "n": Decimal("1.5")},
    {"text": "line\u2028separator\u2029", "nested": [{"a": None, "b": True}]},
    [],
]


@pytest.mark.parametrize("data", SAMPLES)
def test_the_same_bytes_as_drfs_renderer(data):
    assert JSONRenderer().render(data) == DrfJSONRenderer().render(data)


def test_a_fragment_goes_out_as_it_is():
    body = JSONRenderer().render({"invited_users": orjson.Fragment('["+79990001122"]')})

    assert body == b'{"invited_users":["+79990001122"]}'


def test_no_data_is_no_body():
    assert JSONRenderer().render(None) == b""
