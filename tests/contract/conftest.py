import json

import pytest

from harness.servers import DevServer, post_json

TEST_PHONE_NUMBERS = "+79991234567:1234,+79990001122:1234,+79990002233:1234,+79990000000:1234"


@pytest.fixture(scope="package")
def api_server(tmp_path_factory):
    """runserver with the README's test phone numbers and limits raised for machine clients."""
    env = {
        "TEST_PHONE_NUMBERS": TEST_PHONE_NUMBERS,
        "OTP_PER_IP_PER_HOUR": "100000",
        "VERIFY_PER_IP_PER_HOUR": "100000",
        "INVITE_ACTIVATIONS_PER_USER_PER_HOUR": "100000",
        # 0: every new (non-test, never logged in) number is challenged, so that the
        # collection can show the proof-of-work flow (428, solve, send again).
        "SMS_BUDGET_CHALLENGE_SHARE": "0",
    }
    with DevServer(tmp_path_factory.mktemp("contract"), **env) as server:
        yield server


def log_in(server, phone: str) -> dict:
    body = json.dumps({"phone": phone}).encode()
    assert post_json(server.url + "/api/auth/request_code/", body)[0] == 200
    status, raw = post_json(
        server.url + "/api/auth/verify_code/", json.dumps({"phone": phone, "code": "1234"}).encode()
    )
    assert status == 200, raw
    return json.loads(raw)
