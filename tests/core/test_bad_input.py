"""No input, however malformed, gets anything but a 4xx JSON error."""

import json
import re

import pytest
from rest_framework.test import APIClient

from harness.servers import ROOT

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("/api/auth/request_code/", "phone"),
    ("/api/auth/verify_code/", "phone"),
    ("/api/auth/token/refresh/", "refresh"),
    ("/api/auth/logout/", "refresh"),
    ("/api/profile_back/activate_invite/", "code"),
]

PATHS = [path for path, _ in ENDPOINTS]

BAD_VALUES = [
    None,
    "",
    " ",
    0,
    79991234567,
    1.5,
    True,
    [],
    ["+79991234567"],
    {},
    {"$gt": ""},
    "x" * 100_000,
    "+7999123\x004567",
    "\x00",
    "١٢٣٤",  # Arabic-Indic digits
    "１２３４",  # full-width digits
    "\ud800",
    "'; DROP TABLE accounts_user; --",
    "eyJhbGciOiJub25lIn0.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.",
]

RAW_BODIES = [
    b"not json",
    b"{",
    b"null",
    b"[]",
    b'"string"',
    b"42",
    b'{"phone": null, "code": null, "refresh": null}',
    b'{"phone": {"phone": "+79991234567"}, "code": [1, 2, 3, 4], "refresh": {}}',
    b"\xff\xfe\x00",
]


def assert_clean_client_error(response):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:200])
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]


@pytest.fixture
def client_for(authed):
    """Profile endpoints get a logged-in client so that validation itself is reached."""
    logged_in = authed("+79990009999")

    def pick(path, api):
        return logged_in if path.startswith("/api/profile_back/") else api

    return pick


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
@pytest.mark.parametrize("value", BAD_VALUES, ids=range(len(BAD_VALUES)))
def test_bad_field_values_get_a_4xx_json_error(api, client_for, path, field, value):
    body = {"phone": "+79991234567", "code": "1234", field: value}

    response = client_for(path, api).post(path, json.dumps(body), content_type="application/json")

    assert_clean_client_error(response)


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
def test_a_missing_field_is_named(api, client_for, path, field):
    response = client_for(path, api).post(path, {}, format="json")

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["code"] == "required"


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("raw", RAW_BODIES, ids=range(len(RAW_BODIES)))
def test_malformed_bodies_get_a_4xx_json_error(api, client_for, path, raw):
    response = client_for(path, api).post(path, raw, content_type="application/json")

    assert_clean_client_error(response)


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
def test_form_encoded_bodies_are_unsupported_media(api, client_for, path, field):
    response = client_for(path, api).post(path, {field: "x"}, format="multipart")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_huge_body_is_refused_as_json(api):
    body = json.dumps({"phone": "1" * 200_000})

    response = api.post("/api/auth/request_code/", body, content_type="application/json")

    assert_clean_client_error(response)


@pytest.mark.parametrize("code", ["１２３４", "١٢٣٤", "12 34", "123", "12345", "abcd", "123\x00"])
def test_verify_accepts_only_ascii_digits_of_the_right_length(api, send_code, code):
    send_code()

    response = api.post("/api/auth/verify_code/", {"phone": "+79991234567", "code": code})

    assert response.status_code == 400
    assert response.json()["field"] == "code"


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer a.b.c", "Bearer \x00", "Basic abc", "Bearer " + "x" * 10_000],
)
def test_malformed_authorization_headers_get_401_json(api, header):
    response = api.get("/api/profile_back/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert_clean_client_error(response)


def test_an_unknown_api_path_is_404_json(api):
    response = api.get("/api/nope/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("path", PATHS)
def test_deeply_nested_json_is_a_400_parse_error(api, client_for, path):
    """Issue 9, finding 3: 3,000 nested arrays made DRF's parser raise RecursionError (500)."""
    body = "[" * 3000 + "]" * 3000

    response = client_for(path, api).post(path, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_5000_digit_number_is_a_parse_error_that_names_no_internals(api):
    """Issue 9, finding 8: Python's own message (sys.set_int_max_str_digits) reached the client."""
    body = '{"phone": ' + "1" * 5000 + "}"

    ru = api.post("/api/auth/request_code/", body, content_type="application/json")
    en = api.post(
        "/api/auth/request_code/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert ru.status_code == en.status_code == 400
    assert ru.json() == {"detail": "Тело запроса — некорректный JSON.", "code": "parse_error"}
    assert en.json() == {"detail": "The request body is not valid JSON.", "code": "parse_error"}


@pytest.mark.parametrize("raw", [b"null", b"[]", b'"phone"', b"42", b"true"])
def test_a_body_that_is_not_a_json_object_gets_a_documented_code(api, raw):
    """Issue 9, finding 8: `null` answered an English "No data provided" with code `null`."""
    ru = api.post("/api/auth/request_code/", raw, content_type="application/json")
    en = api.post(
        "/api/auth/request_code/", raw, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert ru.status_code == en.status_code == 400
    assert ru.json() == {
        "detail": "Тело запроса должно быть JSON-объектом.",
        "code": "not_an_object",
    }
    assert en.json() == {
        "detail": "The request body must be a JSON object.",
        "code": "not_an_object",
    }


def test_a_body_over_the_size_limit_is_413_json(api, settings):
    """Issue 9, finding 8: an oversized body answered an undocumented 400 (HTML under DEBUG)."""
    body = json.dumps({"phone": "1" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    response = api.post("/api/auth/request_code/", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert response.json()["detail"] == "Тело запроса слишком большое."


@pytest.mark.parametrize("debug", [False, True])
def test_a_bad_host_header_is_400_json(api, settings, debug):
    """Issue 9, finding 8: a Host outside ALLOWED_HOSTS answered an HTML page (or 500)."""
    settings.DEBUG = debug

    response = api.post("/api/auth/request_code/", {"phone": "+79991234567"}, HTTP_HOST="evil.test")

    assert response.status_code == 400
    assert response.json() == {"detail": "Неизвестное имя сайта.", "code": "bad_host"}


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Bearer a b", "Token abc", "Basic abc", "Bearer\x00abc"]
)
def test_a_malformed_authorization_header_has_its_own_documented_code(api, header):
    """Issue 9, finding 8: these answered an English `authentication_failed`, or
    `not_authenticated` as if no header had been sent."""
    ru = api.get("/api/profile_back/", HTTP_AUTHORIZATION=header)
    en = api.get("/api/profile_back/", HTTP_AUTHORIZATION=header, HTTP_ACCEPT_LANGUAGE="en")

    assert ru.status_code == en.status_code == 401
    assert ru.json() == {
        "detail": "Заголовок Authorization должен иметь вид «Bearer <токен>».",
        "code": "bad_authorization_header",
    }
    assert en.json()["detail"] == "The Authorization header must be 'Bearer <token>'."


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer"])
def test_the_bearer_scheme_is_case_insensitive(authed, api, scheme):
    """Issue 9, finding 8: RFC 9110 auth schemes are case-insensitive; `bearer x` was a 401."""
    token = authed().user_body["access"]

    response = api.get("/api/profile_back/", HTTP_AUTHORIZATION=f"{scheme} {token}")

    assert response.status_code == 200


def test_a_deleted_users_token_is_not_valid(authed, api):
    """Issue 9, finding 8: a deleted user's token answered an English `user_not_found`."""
    from referral.accounts.models import User

    token = authed().user_body["access"]
    User.objects.all().delete()

    response = api.get("/api/profile_back/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Токен недействителен, истёк или отозван.",
        "code": "token_not_valid",
    }


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("method", ["post", "get"])
def test_an_api_path_without_its_slash_is_a_json_404_naming_the_right_path(settings, debug, method):
    """Issue 9, finding 5: POST without the slash was a 500 (DEBUG) or a 301 to HTML."""
    settings.DEBUG = debug
    api = APIClient(enforce_csrf_checks=True)  # as a real client: no CSRF 403 either

    response = getattr(api, method)("/api/auth/request_code", {"phone": "+79991234567"})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Не найдено. Правильный адрес: /api/auth/request_code/",
        "code": "not_found",
    }


def test_pages_without_the_slash_still_redirect(client):
    assert client.get("/ui/phone")["Location"] == "/ui/phone/"


def readme_error_codes() -> set[str]:
    """The codes of the README's Errors table (and the line under it)."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Errors") : readme.index("## Rules")]
    return set(re.findall(r"`([a-z_]+)`", section))


def test_finding_16_every_code_bad_input_gets_is_in_the_readme_errors_table(api, client_for):
    """Finding 16: `surrogate_characters_not_allowed` (a lone surrogate, "\\ud800", in a
    text field) was answered but missing from the README's table; so is any other."""
    answered = {}
    for path, field in ENDPOINTS:
        for value in BAD_VALUES:
            body = {"phone": "+79991234567", "code": "1234", field: value}
            response = client_for(path, api).post(
                path, json.dumps(body), content_type="application/json"
            )
            answered.setdefault(response.json()["code"], (path, value))
        for raw in RAW_BODIES:
            response = client_for(path, api).post(path, raw, content_type="application/json")
            answered.setdefault(response.json()["code"], (path, raw))

    assert "surrogate_characters_not_allowed" in answered
    missing = {
        code: example for code, example in answered.items() if code not in readme_error_codes()
    }
    assert missing == {}
