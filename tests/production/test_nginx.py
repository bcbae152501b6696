"""nginx in front of gunicorn (config/nginx.conf, as `make serve` runs it), and slow clients
(slowloris) against the production stack with and without it.

gunicorn's sync workers serve one connection each until its request is whole, so a
few clients that send a header line every 2 s hold them all. nginx reads whole requests
first and drops a client whose headers take longer than its client_header_timeout.
"""

import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from harness.servers import AppServer, NginxServer, eventually, get

pytestmark = pytest.mark.live

SLOW_CLIENTS = 12
LINE_EVERY = 2.0  # seconds between two header lines of one slow client
HEADER_TIMEOUT = 10  # config/nginx.conf's client_header_timeout, in seconds
ATTACK_SECONDS = HEADER_TIMEOUT + 4  # long enough to see nginx drop them
ANSWER_WITHIN = 2.0  # seconds a /healthz may take under attack


class SlowClient(threading.Thread):
    """Sends a request's first line, then one more header line every LINE_EVERY seconds,
    never the blank line that ends the headers; stops when the server closes or after
    `seconds`. The wait between lines is a wait for the server's answer, so a close is
    seen at once."""

    def __init__(self, port: int, seconds: float):
        super().__init__(daemon=True)
        self.port, self.seconds = port, seconds
        self.connected = threading.Event()
        self.closed_by_server_after: float | None = None

    def run(self):
        started = time.monotonic()
        deadline = started + self.seconds
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            self.connected.set()
            line = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            for n in range(1000):
                try:
                    sock.sendall(line)
                    sock.settimeout(max(0.01, min(LINE_EVERY, deadline - time.monotonic())))
                    answer = sock.recv(4096)
                except TimeoutError:  # the server waits for more: so does the attack
                    if time.monotonic() >= deadline:
                        return
                    line = f"X-Slow-{n}: 1\r\n".encode()
                    continue
                except (ConnectionResetError, BrokenPipeError):
                    answer = b""
                if not answer:
                    self.closed_by_server_after = time.monotonic() - started
                return


def attack(port: int, seconds: float) -> list[SlowClient]:
    """SLOW_CLIENTS slow clients, all connected when this returns."""
    clients = [SlowClient(port, seconds) for _ in range(SLOW_CLIENTS)]
    for client in clients:
        client.start()
        assert client.connected.wait(5)
    return clients


def healthz_seconds(url: str, timeout: float) -> float:
    """How long GET /healthz took to answer 200; TimeoutError when it took `timeout`."""
    started = time.monotonic()
    with urllib.request.urlopen(url + "/healthz", timeout=timeout) as response:  # noqa: S310
        assert response.status == 200
    return time.monotonic() - started


@pytest.fixture
def front(stack):
    """nginx from config/nginx.conf in front of one of the stack's gunicorns."""
    with NginxServer(stack.a.port) as running:
        yield running


def test_finding_8_slow_clients_do_not_starve_gunicorn_behind_nginx(front):
    """Finding 8 (issue 21): 12 clients each sending a header line every 2 s to the front
    port leave /healthz answering within 2 s all along, and nginx drops each of them
    once its headers took client_header_timeout (10 s)."""
    clients = attack(front.port, ATTACK_SECONDS)
    answered = []
    while any(client.is_alive() for client in clients):
        answered.append(healthz_seconds(front.url, timeout=ANSWER_WITHIN))
        clients[0].join(timeout=0.5)  # the next probe in half a second, or when it ends
    assert len(answered) >= HEADER_TIMEOUT  # probed all along the attack
    assert max(answered) < ANSWER_WITHIN
    dropped_after = [client.closed_by_server_after for client in clients]
    assert all(after is not None for after in dropped_after), dropped_after
    assert min(dropped_after) > HEADER_TIMEOUT - 1, dropped_after


def test_finding_8_without_nginx_slow_clients_starve_gunicorn(stack):
    """Finding 8 (issue 21), the failure nginx prevents: the same clients sent straight to
    a gunicorn with 2 sync workers hold both, so /healthz gets no answer in 3 s; it
    answers again once they stop. (Deterministic: the connections are accepted in the
    order they came, 12 slow ones before the probe, and each holds its worker until
    gunicorn's 30 s timeout.)"""
    with AppServer(stack.env, workers=2) as direct:
        clients = attack(direct.port, seconds=5)
        with pytest.raises((TimeoutError, urllib.error.URLError)) as unanswered:
            healthz_seconds(direct.url, timeout=3)
        assert isinstance(getattr(unanswered.value, "reason", unanswered.value), TimeoutError)
        for client in clients:
            client.join()
        assert all(client.closed_by_server_after is None for client in clients)
        eventually(lambda: get(direct.url + "/healthz")[0] == 200, timeout=10)


def test_nginx_passes_whole_requests_and_says_who_the_client_is():
    """What the app behind it relies on (TRUSTED_PROXY_COUNT=1): nginx appends the address it
    saw to X-Forwarded-For (the client's own entries stay left of it), writes
    X-Forwarded-Proto itself, and hands a chunked body on whole, with its length."""
    upstream = socket.create_server(("127.0.0.1", 0))
    received = []

    def answer_once():
        connection, _ = upstream.accept()
        with connection:
            request = b""
            while not request.endswith(b"hello world"):
                request += connection.recv(4096)
            received.append(request.decode())
            connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")

    with upstream, NginxServer(upstream.getsockname()[1]) as front:
        threading.Thread(target=answer_once, daemon=True).start()
        with socket.create_connection(("127.0.0.1", front.port), timeout=10) as client:
            client.sendall(
                b"POST /api/auth/request_code/ HTTP/1.1\r\nHost: localhost\r\n"
                b"X-Forwarded-For: 203.0.113.66\r\nX-Forwarded-Proto: https\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                b"6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"
            )
            assert client.recv(4096).startswith(b"HTTP/1.1 200")

    headers = received[0].lower()
    assert "\r\nx-forwarded-for: 203.0.113.66, 127.0.0.1\r\n" in headers
    assert "\r\nx-forwarded-proto: http\r\n" in headers
    assert "\r\ncontent-length: 11\r\n" in headers and "transfer-encoding" not in headers
    assert "\r\nhost: localhost\r\n" in headers
