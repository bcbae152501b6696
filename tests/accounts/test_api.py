from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from harness.servers import code_from_sms
from referral.accounts.models import User

from ..factories import PHONE, make_user, wrong_code

pytestmark = pytest.mark.django_db


def test_request_code_answers_with_the_brief_message(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/auth/request_code/", {"phone": PHONE})

    assert response.status_code == 200
    assert response.json() == {"detail": "Код отправлен"}


def test_request_code_never_returns_the_code(api, django_capture_on_commit_callbacks):
    from referral.accounts import sms

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/auth/request_code/", {"phone": PHONE})

    code = code_from_sms(sms.outbox[-1].text)
    assert code not in response.content.decode()


def test_request_code_speaks_english_when_asked(api):
    response = api.post("/api/auth/request_code/", {"phone": PHONE}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.json() == {"detail": "Code sent"}


def test_phone_formats_are_one_user(log_in):
    spellings = ["8 (999) 123-45-67", "+7 999 123 45 67", "+79991234567", "+７９９９１２３４５６７"]

    bodies = [log_in(phone) for phone in spellings]

    assert {body["phone_number"] for body in bodies} == {PHONE}
    assert len({body["invite_code"] for body in bodies}) == 1
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("phone", "code"),
    [
        ("+74951234567", "not_mobile"),  # fixed line: cannot receive SMS
        ("+78001234567", "not_mobile"),  # toll-free
        ("+78091234567", "not_mobile"),  # premium rate
        ("+7999123", "invalid"),
        ("not a phone", "invalid"),
        ("+14155552671", "region"),  # valid, but outside the allow-list
    ],
)
def test_unusable_phones_are_refused(api, phone, code):
    response = api.post("/api/auth/request_code/", {"phone": phone})

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["field"] == "phone"


def test_the_country_allow_list_is_a_setting(api, settings):
    settings.PHONE_ALLOWED_REGIONS = ["RU", "US"]

    response = api.post("/api/auth/request_code/", {"phone": "+14155552671"})

    assert response.status_code == 200


def test_cooldown_answers_429_with_retry_after(api, send_code):
    send_code()

    response = api.post("/api/auth/request_code/", {"phone": PHONE})

    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 55 <= wait <= 60
    assert response.json() == {
        "detail": f"Слишком много запросов. Попробуйте снова через {wait} с.",
        "code": "throttled",
    }


def test_logging_in_twice_in_a_row_works(log_in):
    first = log_in()
    second = log_in()

    assert first["invite_code"] == second["invite_code"]


def test_verify_code_answers_with_the_brief_fields(api, send_code):
    code = send_code()

    response = api.post("/api/auth/verify_code/", {"phone": PHONE, "code": code})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"phone_number", "invite_code", "access", "refresh"}
    assert body["phone_number"] == PHONE
    assert body["invite_code"] == User.objects.get().invite_code


def test_wrong_code_is_refused_with_a_clear_error(api, send_code):
    code = send_code()

    response = api.post("/api/auth/verify_code/", {"phone": PHONE, "code": wrong_code(code)})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Неверный код. Проверьте его или запросите новый.",
        "code": "code_invalid",
    }


def test_sign_up_with_an_invite_code_activates_it(log_in):
    inviter = make_user()

    body = log_in(invite_code=inviter.invite_code.lower())

    assert "invite_error" not in body
    assert User.objects.get(phone=PHONE).invited_by == inviter


def test_sign_up_with_a_bad_invite_code_still_logs_in(log_in):
    body = log_in(invite_code="ZZZZZZ")

    assert body["access"]
    assert body["invite_error"] == {
        "detail": "Такого инвайт-кода не существует.",
        "code": "invite_not_found",
    }


@pytest.mark.parametrize("invite_code", ["!!", "ZZ", "Z" * 40])
def test_sign_up_with_a_malformed_invite_code_still_logs_in(log_in, invite_code):
    """Issue 9, finding 12: a malformed invite_code failed the whole login with a 400."""
    body = log_in(invite_code=invite_code)

    assert body["access"]
    assert body["invite_error"] == {
        "detail": "Инвайт-код состоит из 6 букв и цифр.",
        "code": "invite_invalid",
    }


def test_an_invite_code_at_a_later_login_is_reported_not_ignored(log_in):
    """Issue 9, finding 12: an existing user's invite_code was dropped without a word."""
    log_in()
    inviter = make_user()

    body = log_in(invite_code=inviter.invite_code)

    assert body["access"]
    assert body["invite_error"]["code"] == "invite_not_new_user"
    assert User.objects.get(phone=PHONE).invited_by is None


def test_refresh_rotates_the_pair_and_revokes_the_old_refresh_token(api, log_in):
    body = log_in()

    response = api.post("/api/auth/token/refresh/", {"refresh": body["refresh"]})

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    assert response.json()["refresh"] != body["refresh"]
    again = api.post("/api/auth/token/refresh/", {"refresh": body["refresh"]})
    assert again.status_code == 401
    assert again.json()["code"] == "token_not_valid"


def test_logout_revokes_the_refresh_token(api, log_in):
    body = log_in()

    response = api.post("/api/auth/logout/", {"refresh": body["refresh"]})

    assert response.status_code == 200
    assert response.json() == {"detail": "Вы вышли из системы"}
    refused = api.post("/api/auth/token/refresh/", {"refresh": body["refresh"]})
    assert refused.status_code == 401


def test_a_refresh_token_is_not_an_access_token(api, log_in):
    body = log_in()

    response = api.get("/api/profile_back/", HTTP_AUTHORIZATION=f"Bearer {body['refresh']}")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_an_access_token_is_not_a_refresh_token(api, log_in):
    body = log_in()

    response = api.post("/api/auth/token/refresh/", {"refresh": body["access"]})

    assert response.status_code == 401


def test_a_tampered_token_is_refused(api, log_in):
    access = log_in()["access"]
    head, payload, signature = access.split(".")
    tampered = f"{head}.{payload}.{signature[::-1]}"

    response = api.get("/api/profile_back/", HTTP_AUTHORIZATION=f"Bearer {tampered}")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Токен недействителен, истёк или отозван.",
        "code": "token_not_valid",
    }


def test_access_tokens_expire_after_15_minutes(api, log_in):
    access = log_in()["access"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {access}"}

    with time_machine.travel(timedelta(minutes=14)):
        assert api.get("/api/profile_back/", **auth).status_code == 200
    with time_machine.travel(timedelta(minutes=16)):
        assert api.get("/api/profile_back/", **auth).status_code == 401


def test_refresh_tokens_expire_after_30_days(api, log_in):
    refresh = log_in()["refresh"]

    with time_machine.travel(timedelta(days=30, minutes=1)):
        response = api.post("/api/auth/token/refresh/", {"refresh": refresh})

    assert response.status_code == 401


def test_a_disabled_user_cannot_refresh(api, log_in):
    refresh = log_in()["refresh"]
    User.objects.update(is_active=False)

    response = api.post("/api/auth/token/refresh/", {"refresh": refresh})

    assert response.status_code == 403
    assert response.json()["code"] == "account_disabled"


def test_a_disabled_user_gets_no_sms_and_no_tokens(api, log_in, django_capture_on_commit_callbacks):
    """Issue 9, finding 7: a deactivated user was sent codes and given tokens that then failed."""
    from referral.accounts import sms

    log_in()
    User.objects.update(is_active=False)
    sent_before = len(sms.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        requested = api.post("/api/auth/request_code/", {"phone": PHONE}, HTTP_ACCEPT_LANGUAGE="en")
    verified = api.post("/api/auth/verify_code/", {"phone": PHONE, "code": "0000"})

    assert len(sms.outbox) == sent_before
    assert requested.status_code == verified.status_code == 403
    assert requested.json() == {
        "detail": "This account is disabled. Contact support.",
        "code": "account_disabled",
    }
    assert verified.json() == {
        "detail": "Эта учётная запись отключена. Обратитесь в поддержку.",
        "code": "account_disabled",
    }


def test_a_disabled_users_access_token_is_refused_in_their_language(api, log_in):
    """Issue 9, finding 8: the token then failed with an English "User is inactive"."""
    access = log_in()["access"]
    User.objects.update(is_active=False)

    response = api.get("/api/profile_back/", HTTP_AUTHORIZATION=f"Bearer {access}")

    assert response.status_code == 403
    assert response.json()["code"] == "account_disabled"
    assert response.json()["detail"] == "Эта учётная запись отключена. Обратитесь в поддержку."


def test_a_wrong_method_is_405_json(api):
    response = api.get("/api/auth/request_code/")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_answers_with_tokens_or_personal_data_are_never_stored(api, authed):
    """Issue 9, finding 6: tokens, the profile and the invitee list were cacheable."""
    client = authed()
    refresh = client.user_body["refresh"]
    responses = [
        client.get("/api/profile_back/"),
        client.get("/api/profile_back/invited_users/"),
        api.post("/api/auth/token/refresh/", {"refresh": refresh}),
        api.post("/api/auth/logout/", {"refresh": refresh}),
        api.post("/api/auth/verify_code/", {"phone": PHONE, "code": "0000"}),
    ]

    for response in responses:
        assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]


def test_finding_20_api_logins_set_last_login(log_in):
    """Finding 20 (issue 21): a login through the API (sign-up, then a returning one) records
    "Last login" at the moment of the login, as a login on the pages does."""
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        log_in()
    assert User.objects.get(phone=PHONE).last_login == start

    later = start + timedelta(days=2)
    with time_machine.travel(later, tick=False):
        log_in()
    assert User.objects.get(phone=PHONE).last_login == later


def test_finding_20_the_schema_says_a_fresh_code_is_sent_again(api):
    """Finding 20 (issue 21): the request_code schema text states the rule (README, Rules):
    while the current code is fresh the same code is sent again, not replaced."""
    schema = api.get("/api/schema/", {"format": "json"}).json()
    description = schema["paths"]["/api/auth/request_code/"]["post"]["description"]

    assert "the same code is sent again" in description
    assert "replaces the previous one" not in description
