"""The development secret key: random, made once per checkout, kept in an ignored file.

Used by the development settings when SECRET_KEY is unset, and by `make serve`.
A committed key would sign valid tokens for anyone who read the repository.
"""

import os
import secrets
from pathlib import Path

KEY_FILE = Path(__file__).resolve().parent.parent / ".run" / "secret_key"


def local_secret_key() -> str:
    """The key in .run/secret_key, made on first use (safe when processes race to make it)."""
    if not KEY_FILE.exists():
        KEY_FILE.parent.mkdir(exist_ok=True)
        draft = KEY_FILE.with_name(f".secret_key.{os.getpid()}")
        draft.write_text(secrets.token_urlsafe(64))
        draft.chmod(0o600)
        try:
            os.link(draft, KEY_FILE)  # atomic: the first process to get here wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return KEY_FILE.read_text().strip()
