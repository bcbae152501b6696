"""What any client can send to the production stack: a clean 4xx, one log line, no traceback."""

import json

import pytest

from harness.servers import post_json

pytestmark = pytest.mark.live


def test_bad_input_is_a_4xx_with_one_warning_and_no_traceback(stack):
    """Issue 9, finding 10: each of these printed an ERROR traceback in production."""
    server = stack.a
    before = len(server.lines)
    url = server.url + "/api/auth/request_code/"

    def about_request_code(line):
        return "/api/auth/request_code" in line

    too_large = post_json(url, json.dumps({"phone": "1" * 100_000}).encode())
    bad_host = post_json(url, b'{"phone": "+79991234567"}', {"Host": "evil.test"})
    nested = post_json(url, b"[" * 3000 + b"]" * 3000)
    slashless = post_json(url.rstrip("/"), b'{"phone": "+79991234567"}')

    assert [too_large[0], bad_host[0], nested[0], slashless[0]] == [413, 400, 400, 404]
    assert json.loads(bad_host[1])["code"] == "bad_host"
    assert json.loads(slashless[1])["code"] == "not_found"
    earlier = sum(map(about_request_code, server.lines[:before]))
    logged = server.wait_for_lines(about_request_code, earlier + 4)[earlier:]
    output = "".join(server.lines[before:])
    assert len(logged) == 4
    assert "Traceback" not in output
    assert '"level": "ERROR"' not in output
    assert output.count('"level": "WARNING"') == 1  # the unknown host
