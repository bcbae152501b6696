"""A webhook receiver on loopback: answers from a script (then 200), and records every
request (headers and body) in the order it arrived."""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from .loopback import LoopbackServer

SLOW = "slow"  # answer only after `slow_seconds`: a timeout for the sender


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver(LoopbackServer):
    def __init__(self, script=(), *, slow_seconds: float = 2.0, body: bytes = b"ok"):
        self.script = list(script)  # statuses (int), SLOW, or ("redirect", url)
        self.slow_seconds = slow_seconds
        self.answer = body
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    step = receiver.script.pop(0) if receiver.script else 200
                if step == SLOW:
                    time.sleep(receiver.slow_seconds)
                    step = 200
                location = None
                if isinstance(step, tuple):
                    (_, location), step = step, 302
                self.send_response(step)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                self.wfile.write(receiver.answer)

            def log_message(self, *args):
                pass

        super().__init__(Handler)
        self.url = f"http://127.0.0.1:{self.port}/hooks"
