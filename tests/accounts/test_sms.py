import threading

import pytest

from referral.accounts import sms

from ..factories import PHONE

release = threading.Event()


class BlockedGateway:
    """A provider that does not answer until the test says so."""

    def send(self, message):
        assert release.wait(timeout=10)
        sms.outbox.append(message)


def test_the_console_gateway_prints_the_phone_and_the_code(settings, capsys):
    settings.SMS_CONSOLE_DELAY_SECONDS = (0.0, 0.0)

    sms.ConsoleGateway().send(sms.Sms(phone=PHONE, text=sms.login_code_text("0042")))

    assert capsys.readouterr().out == "[SMS] to +79991234567: Код для входа: 0042\n"


@pytest.mark.django_db(transaction=True)
def test_request_code_answers_before_the_sms_is_delivered(api, settings):
    settings.SMS_GATEWAY = "tests.accounts.test_sms.BlockedGateway"
    settings.TASKS = {"default": {"BACKEND": "referral.core.task_backends.ThreadPoolBackend"}}
    release.clear()

    response = api.post("/api/auth/request_code/", {"phone": PHONE})

    assert response.status_code == 200
    assert sms.outbox == []
    release.set()
    for _ in range(100):
        if sms.outbox:
            break
        threading.Event().wait(0.05)
    assert sms.outbox[0].phone == PHONE
