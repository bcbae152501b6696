"""Short-lived secrets sealed for a queue: encrypted and authenticated with SECRET_KEY.

A login code waits in the task queue (a database table or Redis) until the worker
sends it. Sealed, it is useless to whoever reads the queue.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def seal(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def unseal(token: str, *, max_age: int) -> str | None:
    """The sealed value, or None when it was tampered with or is older than max_age seconds."""
    try:
        return _fernet().decrypt(token.encode(), ttl=max_age).decode()
    except InvalidToken:
        return None


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"referral.sealing:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))
