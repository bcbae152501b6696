import json

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from referral.webhooks import signing


def test_a_signature_matches_the_specifications_test_vector():
    """The example of the Standard Webhooks specification (spec/standard-webhooks.md)."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = '{"test": 2432232314}'

    signed = signing.signature(
        secret, msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330, body=body
    )

    assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_standard_webhooks_library_verifies_our_headers():
    secret = signing.new_secret()
    body = json.dumps({"type": "user.signed_up"})
    import time

    headers = signing.headers([secret], msg_id="evt_1", timestamp=int(time.time()), body=body)

    assert Webhook(secret).verify(body, headers) == {"type": "user.signed_up"}
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)


def test_a_secret_is_whsec_and_24_random_bytes():
    import base64

    secret = signing.new_secret()

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    assert secret != signing.new_secret()
