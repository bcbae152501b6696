"""A fake SMS.ru on loopback: answers from a script, records what it was sent."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

OK = (200, {"status": "OK", "status_code": 100, "sms": {}})
BAD_CREDENTIALS = (
    200,
    {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"},
)
SERVER_ERROR = (503, {"status": "ERROR"})
SLOW = "slow"


class FakeSmsRu:
    def __init__(self, script):
        self.script = list(script)
        self.received: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                fake.received.append(form)
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
