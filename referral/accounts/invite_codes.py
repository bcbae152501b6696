"""Invite codes: the alphabet, generation and forgiving input."""

import re
import secrets

from django.conf import settings

# What people mistype for Crockford's symbols: O for zero, I and L for one.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")


def new_invite_code() -> str:
    alphabet = settings.INVITE_CODE_ALPHABET
    return "".join(secrets.choice(alphabet) for _ in range(settings.INVITE_CODE_LENGTH))


def normalize_invite_code(raw: str) -> str | None:
    """Return the canonical code for what a person typed, or None if it cannot be one."""
    code = _SEPARATORS.sub("", raw).upper().translate(_LOOKALIKES)
    alphabet = settings.INVITE_CODE_ALPHABET
    if len(code) != settings.INVITE_CODE_LENGTH or any(c not in alphabet for c in code):
        return None
    return code
