"""An HTTP server on loopback standing in for a third party (an SMS provider, a webhook
receiver): `with` starts it on a thread and stops it."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # a worker's whole pool may connect at once

    def handle_error(self, request, client_address):
        """A client that went away mid-answer (a killed worker, a timeout) is no error of ours."""


class LoopbackServer:
    def __init__(self, handler: type[BaseHTTPRequestHandler], *, port: int = 0):
        self.server = _Server(("127.0.0.1", port), handler)
        self.port = self.server.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
