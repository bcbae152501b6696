import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referral.accounts.models import User

from ..factories import make_user

pytestmark = pytest.mark.django_db


def test_profile_shows_the_brief_fields(authed):
    client = authed()

    response = client.get("/api/profile_back/")

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "phone_number": "+79991234567",
        "invite_code": client.user_body["invite_code"],
        "invited_by_code": None,
        "invited_users": [],
    }


def test_activation_shows_up_in_both_profiles(authed):
    inviter = authed("+79990001122")
    user = authed("+79990002233")

    response = user.post(
        "/api/profile_back/activate_invite/",
        {"code": inviter.user_body["invite_code"].lower()},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"detail": "Инвайт-код успешно активирован"}
    assert (
        user.get("/api/profile_back/").json()["invited_by_code"]
        == (inviter.user_body["invite_code"])
    )
    assert inviter.get("/api/profile_back/").json()["invited_users"] == ["+79990002233"]


def test_invited_users_are_listed_oldest_activation_first(authed):
    client = authed()
    owner = User.objects.get(phone="+79991234567")
    first = make_user("+79990000001", invited_by=owner)
    second = make_user("+79990000002", invited_by=owner)
    User.objects.filter(pk=second.pk).update(invited_at=first.invited_at.replace(year=2000))

    assert client.get("/api/profile_back/").json()["invited_users"] == [
        "+79990000002",
        "+79990000001",
    ]


def count_profile_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/profile_back/").status_code == 200
    return len(queries)


def test_profile_costs_the_same_queries_for_one_or_many_invitees(authed):
    client = authed()
    owner = User.objects.get(phone="+79991234567")
    owner.invited_by = make_user()
    owner.invited_at = owner.invited_by.date_joined
    owner.save()
    make_user(invited_by=owner)
    with_one = count_profile_queries(client)

    for _ in range(50):
        make_user(invited_by=owner)

    assert count_profile_queries(client) == with_one == 3


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("ZZZZZZ", 404, "invite_not_found"),
        ("own", 400, "invite_own"),
        ("bad!", 400, "invalid"),
    ],
)
def test_activation_errors(authed, code, status, error):
    client = authed()
    if code == "own":
        code = client.user_body["invite_code"]

    response = client.post("/api/profile_back/activate_invite/", {"code": code}, format="json")

    assert response.status_code == status
    assert response.json()["code"] == error


def test_second_activation_is_a_conflict(authed):
    client = authed()
    client.post("/api/profile_back/activate_invite/", {"code": make_user().invite_code})

    response = client.post(
        "/api/profile_back/activate_invite/", {"code": make_user().invite_code}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Вы уже активировали инвайт-код.",
        "code": "invite_already_activated",
    }


def test_cycle_is_refused_through_the_api(authed):
    a = authed("+79990001122")
    b = authed("+79990002233")
    b.post("/api/profile_back/activate_invite/", {"code": a.user_body["invite_code"]})

    response = a.post(
        "/api/profile_back/activate_invite/", {"code": b.user_body["invite_code"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invite_cycle"


@pytest.mark.parametrize("path", ["/api/profile_back/", "/api/profile_back/activate_invite/"])
def test_profile_endpoints_need_a_token(api, path):
    response = api.generic("GET" if path.endswith("back/") else "POST", path)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
