"""A body sent with Transfer-Encoding: chunked (no Content-Length) is read, under the same
64 KiB limit, by the real servers: runserver and gunicorn."""

import http.client
import json
from urllib.parse import urlsplit

import pytest

from harness import stack
from harness.servers import DevServer

pytestmark = pytest.mark.live


def post_chunked(url: str, chunks: list[bytes]) -> tuple[int, dict]:
    """POST `chunks` as a chunked body (http.client frames an iterable body so)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "POST",
            parts.path,
            body=iter(chunks),
            headers={"Content-Type": "application/json", "Accept-Language": "en"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def check_chunked_bodies(base_url: str) -> None:
    url = f"{base_url}/api/auth/request_code/"

    status, body = post_chunked(url, [b'{"pho', b'ne": "not a ', b'phone"}'])
    assert (status, body["code"], body["field"]) == (400, "invalid", "phone"), body

    status, body = post_chunked(url, [b'{"phone": "', b"1" * 40_000, b"1" * 40_000, b'"}'])
    assert (status, body["code"]) == (413, "body_too_large"), body


def test_finding_16_runserver_reads_a_chunked_body(tmp_path):
    """Finding 16: runserver read a chunked body as empty ("phone: required")."""
    with DevServer(tmp_path) as server:
        check_chunked_bodies(server.url)


def test_finding_16_gunicorn_reads_a_chunked_body():
    """Finding 16: gunicorn decodes the chunks, but Django read no Content-Length as 0."""
    with stack.Stack() as running:
        check_chunked_bodies(running.app_server(workers=1).url)
