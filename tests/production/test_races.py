"""Races on PostgreSQL: real threads against live app servers."""

import pytest

from harness.servers import AppServer

from .conftest import in_parallel

pytestmark = pytest.mark.live


def test_twenty_parallel_activations_by_one_user_activate_exactly_one(stack):
    user = stack.sign_up()
    inviters = [stack.sign_up() for _ in range(20)]
    ip = stack.new_ip()

    def activate(inviter, server):
        return lambda: stack.call(
            server,
            "/api/profile_back/activate_invite/",
            {"code": inviter["invite_code"]},
            ip=ip,
            token=user["access"],
        )

    results = in_parallel(
        [activate(inv, [stack.a, stack.b][i % 2]) for i, inv in enumerate(inviters)]
    )

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 19
    _, profile = stack.call(stack.a, "/api/profile_back/", ip=ip, token=user["access"])
    winner = next(inv for inv, (s, _) in zip(inviters, results, strict=True) if s == 200)
    assert profile["invited_by_code"] == winner["invite_code"]


def test_ten_parallel_verifications_of_one_code_succeed_once(stack):
    phone, ip = stack.new_phone(), stack.new_ip()
    stack.call(stack.a, "/api/auth/request_code/", {"phone": phone}, ip=ip)
    code = stack.code_for(phone)

    def verify(server):
        return lambda: stack.call(
            server, "/api/auth/verify_code/", {"phone": phone, "code": code}, ip=ip
        )

    results = in_parallel([verify([stack.a, stack.b][i % 2]) for i in range(10)])

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [400] * 9
    assert {body["code"] for status, body in results if status == 400} == {"code_invalid"}


def refresh_on(stack, server, token, ip):
    return lambda: stack.call(server, "/api/auth/token/refresh/", {"refresh": token}, ip=ip)


def test_two_parallel_refreshes_of_one_token_succeed_at_most_once(stack):
    refresh = stack.sign_up()["refresh"]
    ip = stack.new_ip()

    for _ in range(5):  # several rounds make a lost race likely to show
        results = in_parallel(
            [refresh_on(stack, server, refresh, ip) for server in (stack.a, stack.b)]
        )
        assert sorted(status for status, _ in results) == [200, 401]
        refresh = next(body["refresh"] for status, body in results if status == 200)


def activate_on(stack, server, user, code, ip):
    return lambda: stack.call(
        server, "/api/profile_back/activate_invite/", {"code": code}, ip=ip, token=user["access"]
    )


def test_two_users_activating_each_others_codes_at_once_make_no_cycle(stack):
    for _ in range(5):
        x, y = stack.sign_up(), stack.sign_up()
        ip = stack.new_ip()
        results = in_parallel(
            [
                activate_on(stack, stack.a, x, y["invite_code"], ip),
                activate_on(stack, stack.b, y, x["invite_code"], ip),
            ]
        )
        assert sorted(status for status, _ in results) == [200, 400]
        assert {body["code"] for status, body in results if status == 400} == {"invite_cycle"}


def test_forced_invite_code_collisions_still_give_unique_codes(stack):
    # A test-only hook that production refuses: the development settings, on the same
    # PostgreSQL and Redis; the stack's worker delivers the SMS from the shared queue.
    env = {
        **stack.env,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "INVITE_CODE_ALPHABET": "01",  # 64 possible codes
    }
    with AppServer(env) as tiny:
        ip = stack.new_ip()  # verification allows 300 per IP and hour; sending only 20
        phones = [stack.new_phone() for _ in range(30)]
        for phone in phones:
            status, _ = stack.call(
                tiny, "/api/auth/request_code/", {"phone": phone}, ip=stack.new_ip()
            )
            assert status == 200
        codes = {phone: stack.code_for(phone) for phone in phones}

        results = in_parallel(
            [
                lambda phone=phone: stack.call(
                    tiny, "/api/auth/verify_code/", {"phone": phone, "code": codes[phone]}, ip=ip
                )
                for phone in phones
            ]
        )

    assert [status for status, _ in results] == [200] * 30
    invite_codes = [body["invite_code"] for _, body in results]
    assert len(set(invite_codes)) == 30
    assert set("".join(invite_codes)) <= {"0", "1"}
