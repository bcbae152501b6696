"""Two app-server processes share one PostgreSQL and one Redis."""

import json

import pytest

from harness.servers import get
from referral.accounts.sms import login_code_text

pytestmark = pytest.mark.live


def test_a_code_requested_through_one_process_is_verified_through_the_other(stack):
    phone, ip = stack.new_phone(), stack.new_ip()

    status, _ = stack.call(stack.a, "/api/auth/request_code/", {"phone": phone}, ip=ip)
    assert status == 200
    status, body = stack.call(
        stack.b, "/api/auth/verify_code/", {"phone": phone, "code": stack.code_for(phone)}, ip=ip
    )

    assert status == 200
    assert body["phone_number"] == phone


def test_a_cooldown_set_through_one_process_holds_in_the_other(stack):
    phone, ip = stack.new_phone(), stack.new_ip()
    stack.call(stack.a, "/api/auth/request_code/", {"phone": phone}, ip=ip)

    status, body = stack.call(stack.b, "/api/auth/request_code/", {"phone": phone}, ip=ip)

    assert status == 429
    assert body["code"] == "throttled"


def test_the_per_ip_limit_counts_requests_to_both_processes(stack):
    ip = stack.new_ip()
    statuses = [
        stack.call(server, "/api/auth/request_code/", {"phone": stack.new_phone()}, ip=ip)[0]
        for server in [stack.a, stack.b] * 10
    ]
    assert statuses == [200] * 20

    assert (
        stack.call(stack.a, "/api/auth/request_code/", {"phone": stack.new_phone()}, ip=ip)[0]
        == 429
    )
    assert (
        stack.call(stack.b, "/api/auth/request_code/", {"phone": stack.new_phone()}, ip=ip)[0]
        == 429
    )
    other = stack.call(
        stack.b, "/api/auth/request_code/", {"phone": stack.new_phone()}, ip=stack.new_ip()
    )
    assert other[0] == 200


def test_a_token_from_one_process_works_on_the_other(stack):
    body = stack.sign_up(stack.a)

    status, profile = stack.call(
        stack.b, "/api/profile_back/", ip=stack.new_ip(), token=body["access"]
    )

    assert status == 200
    assert profile["invite_code"] == body["invite_code"]


def test_health_and_readiness(stack):
    assert get(stack.a.url + "/healthz")[0] == 200
    status, raw = get(stack.b.url + "/readyz")
    assert status == 200
    body = json.loads(raw)
    assert {key: body[key] for key in ("status", "database", "cache")} == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
    }
    assert set(body["sms_queue"]) == {"pending", "oldest_seconds", "expired_leases"}


def test_static_files_are_served_by_the_app_server(stack):
    status, raw = get(stack.a.url + "/ui/phone/")
    assert status == 200
    css = next(part for part in raw.decode().split('"') if part.endswith(".css"))

    assert get(stack.a.url + css)[0] == 200


def test_logs_are_json_lines_with_request_ids_and_no_codes(stack):
    stack.sign_up(stack.a)

    records = [json.loads(line) for line in stack.a.lines if line.startswith("{")]
    requests = [r for r in records if r.get("logger") == "referral.request"]
    assert requests and all(
        {"request_id", "status", "duration_ms", "path"} <= set(r) for r in requests
    )
    app_output = "".join(stack.a.lines + stack.b.lines)
    sms_text = login_code_text("")
    assert "[SMS]" not in app_output and sms_text not in app_output
    worker_logs = "".join(line for line in stack.worker.lines if not line.startswith("[SMS]"))
    assert sms_text not in worker_logs
