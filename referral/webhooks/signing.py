"""Standard Webhooks signatures (https://www.standardwebhooks.com): `v1,<base64 HMAC-SHA256>`
of "<webhook-id>.<webhook-timestamp>.<body>", keyed with the secret's bytes."""

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    """24 random bytes, base64, as the spec writes them: "whsec_…"."""
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signature(secret: str, *, msg_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    content = f"{msg_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def headers(secrets_: list[str], *, msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The three headers; during a rotation one signature per secret, space-separated."""
    signed = [signature(s, msg_id=msg_id, timestamp=timestamp, body=body) for s in secrets_]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signed),
    }
