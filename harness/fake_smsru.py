"""A fake SMS.ru on loopback: answers from a script (then OK), after `latency` seconds
as a real provider would, and records what it was sent and when."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from .loopback import LoopbackServer

OK = (200, {"status": "OK", "status_code": 100, "sms": {}})
BAD_CREDENTIALS = (
    200,
    {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"},
)
SERVER_ERROR = (503, {"status": "ERROR"})
SLOW = "slow"


class FakeSmsRu(LoopbackServer):
    def __init__(self, script=(), *, latency: float = 0.0, port: int = 0):
        self.script = list(script)
        self.latency = latency
        self.received: list[dict] = []  # the forms, in the order they arrived
        self.arrived: list[float] = []  # time.time() of each
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                time.sleep(fake.latency)
                with fake._lock:
                    fake.received.append(form)
                    fake.arrived.append(time.time())
                    step = fake.script.pop(0) if fake.script else OK
                if step == SLOW:
                    time.sleep(1.5)
                    step = OK
                status, body = step
                if body.get("status") == "OK":
                    body = {**body, "sms": {form["to"]: {"status": "OK", "status_code": 100}}}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        super().__init__(Handler, port=port)
        self.url = f"http://127.0.0.1:{self.port}/sms/send"
