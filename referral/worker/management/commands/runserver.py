"""`runserver` that survives a burst of connections, reads chunked bodies, and does the
worker's job too.

Django's development server listens with a backlog of 10, so a burst of 100
clients gets connections reset. A longer queue lets them wait their turn.
"""

import io
import re

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as BaseCommand
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

from referral.core.middleware import is_chunked
from referral.worker.start import start_workers

_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,8})[ \t]*(;[^\r\n]*)?\r?\n")


class ChunkedRequestHandler(WSGIRequestHandler):
    """Django's, but a body sent with Transfer-Encoding: chunked is decoded (Django's
    server passes it on undecoded, and Django reads it as no body at all)."""

    def parse_request(self):
        if not super().parse_request():
            return False
        if is_chunked(
            self.headers.get("Transfer-Encoding", ""), self.headers.get("Content-Length")
        ):
            body = read_chunks(self.rfile, limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
            self.rfile, self.close_connection = io.BytesIO(body), True  # the rest is unread
            del self.headers["Transfer-Encoding"]
            self.headers["Content-Length"] = str(len(body))
        return True


def read_chunks(stream, *, limit: int) -> bytes:
    """The decoded body, at most `limit` bytes; framing that breaks the rules ends it
    (Django then answers the body as it is: parse_error, or body_too_large)."""
    body = b""
    while len(body) < limit:
        size = _CHUNK_SIZE.fullmatch(stream.readline(1024))
        if size is None or int(size.group(1), 16) == 0:
            break
        body += stream.read(min(int(size.group(1), 16), limit - len(body)))
        stream.readline(3)  # the chunk's CRLF
    return body


class QueueingWSGIServer(WSGIServer):
    request_queue_size = 256

    def __init__(self, server_address, _handler, *args, **kwargs):
        super().__init__(server_address, ChunkedRequestHandler, *args, **kwargs)


class Command(BaseCommand):
    server_cls = QueueingWSGIServer

    def inner_run(self, *args, **options):
        # In the serving process (the autoreloader's child): SMS delivery and housekeeping
        # with no second command to start in development.
        start_workers()
        super().inner_run(*args, **options)
