"""Logging helpers: log lines that a client cannot forge or flood."""

import logging
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """`text` with control characters escaped (a newline becomes the two characters \\n)."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


class ClientErrorsAsWarnings(logging.Filter):
    """Django logs a bad Host header or an oversized body as an ERROR with a traceback.

    They are a client's doing, and anyone could flood the logs with them: one WARNING line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security.") and record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True
