"""One send, against real servers on loopback: it goes to the address that was checked
(never resolved twice), with TLS checked against the URL's name, ends by a total
deadline, and refuses every IPv6 spelling of a private IPv4 address."""

import datetime
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import transaction
from django.utils import timezone

from harness.receiver import Receiver
from referral.webhooks import delivery, endpoints, events, safety, signing
from referral.webhooks.models import Endpoint

pytestmark = pytest.mark.django_db


def queued_to(url: str, now):
    """A delivery of one event to a new endpoint at `url` (made without the add-time check:
    its host name resolves only through the test's resolver), claimed as a worker would."""
    endpoint = Endpoint.objects.create(
        url=url, events=["user.signed_up"], secret=signing.new_secret(), created_at=now
    )
    with transaction.atomic():
        events.emit("user.signed_up", lambda: {"n": 1}, now=now, to=[endpoint.pk])
    delivery.fan_out()
    [claimed] = delivery.claim(worker="test", limit=1, now=now)
    return claimed


class Resolver:
    """DNS as a rebinding attacker runs it: each lookup gets the next answer (the last one
    repeats). The test's stand-in for the network's resolver, passed in like a clock."""

    def __init__(self, *answers: str):
        self.answers, self.lookups = list(answers), []

    def __call__(self, host, port, *args, **kwargs):
        self.lookups.append(host)
        address = self.answers[min(len(self.lookups), len(self.answers)) - 1]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]


@pytest.fixture
def private_urls(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # the receivers are on loopback
    settings.WEBHOOKS_TIMEOUT_SECONDS = 2


def listening_at(host: str, port: int, handler) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_finding_6_the_send_connects_to_the_address_that_was_checked(private_urls):
    """Finding 6 (DNS rebinding): the name is resolved once, by the check, and the send
    connects to that address; a second lookup would have answered another address."""
    with Receiver() as checked, Receiver() as rebound:
        elsewhere = listening_at("127.0.0.2", checked.port, rebound.server.RequestHandlerClass)
        try:
            resolver = Resolver("127.0.0.1", "127.0.0.2")
            claimed = queued_to(f"http://hooks.test:{checked.port}/hooks", timezone.now())

            result = delivery.attempt(claimed, now=timezone.now(), resolve=resolver)
        finally:
            elsewhere.shutdown()
            elsewhere.server_close()

    assert result.status == 200, result
    assert resolver.lookups == ["hooks.test"]
    assert rebound.received == []
    [request] = checked.received
    assert request.headers["host"] == f"hooks.test:{checked.port}"


@pytest.fixture
def authority(tmp_path, monkeypatch):
    """A certificate authority the process trusts (SSL_CERT_FILE, read by OpenSSL when a
    send makes its TLS context); `issue(name)` -> (cert file, key file) for `name`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    now = datetime.datetime.now(datetime.UTC)
    ca = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))

    def issue(host: str):
        server_key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(name)
            .public_key(server_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(key, hashes.SHA256())
        )
        cert_file, key_file = tmp_path / f"{host}.pem", tmp_path / f"{host}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            server_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cert_file, key_file

    return issue


class TlsReceiver(Receiver):
    """The receiver behind TLS with a certificate for `host`; records each SNI name."""

    def __init__(self, cert_file, key_file):
        super().__init__()
        self.sni: list[str | None] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        context.sni_callback = lambda _socket, name, _context: self.sni.append(name)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)


def test_finding_6_tls_names_the_url_host_while_connecting_to_the_checked_address(
    private_urls, authority
):
    """Finding 6: pinned to the checked address, TLS still sends the URL's name (SNI) and
    checks the certificate against it."""
    with TlsReceiver(*authority("hooks.test")) as receiver:
        claimed = queued_to(f"https://hooks.test:{receiver.port}/hooks", timezone.now())

        result = delivery.attempt(claimed, now=timezone.now(), resolve=Resolver("127.0.0.1"))

    assert result.status == 200, result
    assert receiver.sni == ["hooks.test"]
    assert receiver.received[0].headers["host"] == f"hooks.test:{receiver.port}"


def test_finding_6_a_certificate_for_another_name_is_refused(private_urls, authority):
    """Finding 6: connecting to an address does not make its certificate good for the name."""
    with TlsReceiver(*authority("other.test")) as receiver:
        claimed = queued_to(f"https://hooks.test:{receiver.port}/hooks", timezone.now())

        result = delivery.attempt(claimed, now=timezone.now(), resolve=Resolver("127.0.0.1"))

    assert result.status is None and "certificate" in result.error.lower(), result
    assert receiver.received == []


class Trickle:
    """A receiver that answers one byte every `interval` seconds (each read on its own is
    quick) until the client hangs up, `stop` is set, or `limit` bytes are out."""

    def __init__(self, *, interval: float = 0.1, limit: int = 400, stop=None):
        self.connected, self.finished = threading.Event(), threading.Event()
        self.stop = stop or threading.Event()
        trickle = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                trickle.connected.set()
                answer = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * limit
                try:
                    for byte in answer:
                        if trickle.stop.wait(interval):
                            break
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                except OSError:  # the sender hung up: what the deadline should do
                    pass
                finally:
                    trickle.finished.set()
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = listening_at("127.0.0.1", 0, Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def close(self):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def test_finding_7_a_trickling_receiver_is_cut_at_the_total_deadline(settings):
    """Finding 7: the timeout is a deadline for the whole send, not for each read. The
    receiver sends a byte every 0.1 s (it would take 40 s); the send ends after 0.5 s,
    well inside its lease, so no second worker can take it meanwhile."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.5
    trickle = Trickle()
    try:
        now = timezone.now()
        endpoint = endpoints.add(url=trickle.url, events=None, now=now)
        with transaction.atomic():
            events.emit("user.signed_up", lambda: {"n": 1}, now=now, to=[endpoint.pk])
        delivery.fan_out()
        [claimed] = delivery.claim(worker="first", limit=1, now=now)

        started = time.monotonic()
        result = delivery.attempt(claimed, now=now)
        took = time.monotonic() - started
        later = now + datetime.timedelta(seconds=took)
        taken_again = delivery.claim(worker="second", limit=1, now=later)
    finally:
        trickle.close()

    print(f"\ntrickling receiver: the send ended after {took:.2f} s (deadline 0.5 s)")
    assert trickle.connected.is_set()
    assert result.status is None and "deadline" in result.error, result
    assert 0.5 <= took < 3  # the receiver alone would hold it for 40 s
    assert (claimed.lease_until - now).total_seconds() > settings.WEBHOOKS_TIMEOUT_SECONDS
    assert taken_again == []


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254 (metadata)
        "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
        "http://[64:ff9b:1::a00:1]/hook",  # local-use NAT64 (RFC 8215)
        "http://[2002:a9fe:a9fe::]/hook",  # 6to4 of 169.254.169.254
        "http://[2002:a00:1::1]/hook",  # 6to4 of 10.0.0.1
        "http://[::ffff:0:7f00:1]/hook",  # IPv4-translated 127.0.0.1
        "http://[::ffff:7f00:1]/hook",  # IPv4-mapped 127.0.0.1
        "http://[::127.0.0.1]/hook",  # IPv4-compatible 127.0.0.1
        "http://[::10.0.0.1]/hook",  # IPv4-compatible 10.0.0.1
    ],
)
def test_finding_16_ipv6_spellings_of_private_ipv4_addresses_are_refused(url, settings):
    """Finding 16: an IPv4 address embedded in IPv6 (NAT64, 6to4, translated, compatible,
    mapped) is judged as that IPv4 address."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    with pytest.raises(safety.UnsafeURL):
        endpoints.add(url=url, events=None, now=timezone.now())


@pytest.mark.parametrize("url", ["http://[64:ff9b::808:808]/hook", "http://[2002:808:808::1]/hook"])
def test_finding_16_ipv6_spellings_of_public_ipv4_addresses_are_allowed(url, settings):
    """Finding 16: the same forms of a public address (8.8.8.8) stay allowed."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    assert endpoints.add(url=url, events=None, now=timezone.now()).url == url
