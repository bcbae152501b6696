import pytest
from django.utils import timezone

from harness.servers import code_from_sms
from referral.accounts import services, sms

from ..factories import PHONE

IP = "203.0.113.7"


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def request_code(django_capture_on_commit_callbacks):
    def request(phone=PHONE, *, now, ip=IP, altcha=None, device=None):
        with django_capture_on_commit_callbacks(execute=True):
            services.request_code(phone=phone, ip=ip, now=now, altcha=altcha, device=device)
        return code_from_sms(sms.outbox[-1].text)

    return request
