"""No input, however malformed, gets anything but a 4xx JSON error."""

import json

import pytest

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("/api/auth/request_code/", "phone"),
    ("/api/auth/verify_code/", "phone"),
    ("/api/auth/token/refresh/", "refresh"),
    ("/api/auth/logout/", "refresh"),
    ("/api/profile_back/activate_invite/", "code"),
]

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


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
@pytest.mark.parametrize("raw", RAW_BODIES, ids=range(len(RAW_BODIES)))
def test_malformed_bodies_get_a_4xx_json_error(api, client_for, path, field, raw):
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
