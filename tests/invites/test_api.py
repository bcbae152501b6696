from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referral.accounts.models import User

from ..factories import make_user, new_phone

pytestmark = pytest.mark.django_db


def test_profile_shows_the_brief_fields(client_of):
    user = make_user()

    response = client_of(user).get("/api/profile_back/")

    assert response.status_code == 200
    assert response.json() == {
        "phone_number": str(user.phone),
        "invite_code": user.invite_code,
        "invited_by_code": None,
        "invited_count": 0,
        "invited_users": [],
    }


def test_activation_shows_up_in_both_profiles(client_of):
    inviter, user = make_user(), make_user()

    response = client_of(user).post(
        "/api/profile_back/activate_invite/", {"code": inviter.invite_code.lower()}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"detail": "Инвайт-код успешно активирован"}
    assert client_of(user).get("/api/profile_back/").json()["invited_by_code"] == (
        inviter.invite_code
    )
    invited = client_of(inviter).get("/api/profile_back/").json()["invited_users"]
    assert invited == [str(user.phone)]


def test_invited_users_are_listed_oldest_activation_first(client_of):
    owner = make_user()
    first = make_user(invited_by=owner)
    second = make_user(invited_by=owner)
    User.objects.filter(pk=second.pk).update(invited_at=first.invited_at.replace(year=2000))

    invited = client_of(owner).get("/api/profile_back/").json()["invited_users"]

    assert invited == [str(second.phone), str(first.phone)]


def test_many_invitees_are_listed_by_activation_then_id(client_of):
    """The order holds for a list in any order of ids, with ties in the moment (PostgreSQL
    aggregates it from an ordered subquery: issue 15)."""
    owner = make_user()
    invitees = [make_user(invited_by=owner) for _ in range(30)]
    base = timezone.now()
    for n, invitee in enumerate(invitees):  # later ids get earlier moments, in pairs
        User.objects.filter(pk=invitee.pk).update(invited_at=base - timedelta(hours=n // 2))
    expected = [
        str(u.phone)
        for u in sorted(
            invitees, key=lambda u: (base - timedelta(hours=invitees.index(u) // 2), u.pk)
        )
    ]

    assert client_of(owner).get("/api/profile_back/").json()["invited_users"] == expected


def count_profile_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/profile_back/").status_code == 200
    return len(queries)


def test_profile_is_one_query_for_one_or_many_invitees(client_of):
    """Issue 15: the token names the user, so no query loads it before the profile's own."""
    owner = make_user(invited_by=make_user())
    make_user(invited_by=owner)
    with_one = count_profile_queries(client_of(owner))

    for _ in range(50):
        make_user(invited_by=owner)

    assert count_profile_queries(client_of(owner)) == with_one == 1


AUTHENTICATED = [
    ("get", "/api/profile_back/"),
    ("get", "/api/profile_back/invited_users/"),
    ("post", "/api/profile_back/activate_invite/"),
]


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED)
def test_a_disabled_users_token_is_refused_everywhere(client_of, method, path):
    """Issue 15: the user is no longer loaded by the authentication, so each endpoint's own
    statement must refuse a disabled account, with or without invitees."""
    user = make_user()
    make_user(invited_by=user)
    client = client_of(user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = getattr(client, method)(path, {"code": make_user().invite_code}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "account_disabled"
    assert User.objects.get(pk=user.pk).invited_by is None


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED)
def test_a_deleted_users_token_is_refused_everywhere(client_of, method, path):
    user = make_user()
    client = client_of(user)
    User.objects.filter(pk=user.pk).delete()

    response = getattr(client, method)(path, {"code": make_user().invite_code}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("ZZZZZZ", 404, "invite_not_found"),
        ("own", 400, "invite_own"),
        ("bad!", 400, "invalid"),
    ],
)
def test_activation_errors(client_of, code, status, error):
    user = make_user()
    if code == "own":
        code = user.invite_code

    response = client_of(user).post(
        "/api/profile_back/activate_invite/", {"code": code}, format="json"
    )

    assert response.status_code == status
    assert response.json()["code"] == error


def test_second_activation_is_a_conflict(client_of):
    client = client_of(make_user())
    client.post("/api/profile_back/activate_invite/", {"code": make_user().invite_code})

    response = client.post(
        "/api/profile_back/activate_invite/", {"code": make_user().invite_code}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Вы уже активировали инвайт-код.",
        "code": "invite_already_activated",
    }


def test_cycle_is_refused_through_the_api(client_of):
    a, b = make_user(), make_user()
    client_of(b).post("/api/profile_back/activate_invite/", {"code": a.invite_code})

    response = client_of(a).post(
        "/api/profile_back/activate_invite/", {"code": b.invite_code}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invite_cycle"


@pytest.mark.parametrize("path", ["/api/profile_back/", "/api/profile_back/activate_invite/"])
def test_profile_endpoints_need_a_token(api, path):
    response = api.generic("GET" if path.endswith("back/") else "POST", path)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def invite_many(owner, n) -> list[str]:
    """`n` invitees of `owner`, one second apart; their phones, oldest activation first."""
    now = timezone.now()
    users = [
        User(
            phone=new_phone(),
            invite_code=f"Z{i:05d}",
            invited_by=owner,
            invited_at=now + timedelta(seconds=i),
        )
        for i in range(n)
    ]
    User.objects.bulk_create(users)
    return [str(user.phone) for user in users]


def test_profile_counts_the_invitees(client_of):
    owner = make_user()
    invite_many(owner, 3)

    body = client_of(owner).get("/api/profile_back/").json()

    assert body["invited_count"] == 3 == len(body["invited_users"])


def test_invited_users_are_paged_newest_first(client_of):
    owner = make_user()
    phones = invite_many(owner, 120)
    client = client_of(owner)

    first = client.get("/api/profile_back/invited_users/").json()
    second = client.get(first["next"]).json()
    last = client.get(second["next"]).json()

    assert [u["phone_number"] for u in first["results"][:2]] == [phones[119], phones[118]]
    assert len(first["results"]) == 50 and len(second["results"]) == 50
    assert len(last["results"]) == 20 and last["next"] is None
    assert last["results"][-1]["phone_number"] == phones[0]
    paged = [u["phone_number"] for page in (first, second, last) for u in page["results"]]
    assert paged == phones[::-1]


@pytest.mark.parametrize(("limit", "size"), [(None, 50), ("10", 10), ("500", 200)])
def test_invited_users_limit_defaults_to_50_and_caps_at_200(client_of, limit, size):
    owner = make_user()
    invite_many(owner, 250)
    query = {"limit": limit} if limit else {}

    body = client_of(owner).get("/api/profile_back/invited_users/", query).json()

    assert len(body["results"]) == size


@pytest.mark.parametrize("limit", ["0", "-1", "x", "null", "１０", "1.5", ""])
def test_a_bad_limit_is_a_400(client_of, limit):
    response = client_of(make_user()).get("/api/profile_back/invited_users/", {"limit": limit})

    assert response.status_code == 400
    assert response.json()["field"] == "limit"


def test_invited_users_page_costs_the_same_queries_however_long_the_list(client_of):
    owner = make_user()
    client = client_of(owner)
    invite_many(owner, 5)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/profile_back/invited_users/")
    User.objects.filter(invited_by=owner).delete()
    invite_many(owner, 300)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/profile_back/invited_users/")

    assert len(few) == len(many) == 1  # issue 15: no query for the user first


def test_an_empty_page_of_invitees_costs_one_query_more(client_of):
    """Nothing found might mean a disabled account: only then is the user read."""
    client = client_of(make_user())

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/profile_back/invited_users/")

    assert response.json()["results"] == []
    assert len(queries) == 2


def test_a_tampered_cursor_is_a_404_json(client_of):
    response = client_of(make_user()).get(
        "/api/profile_back/invited_users/", {"cursor": "garbage\x00"}
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "Не корректный курсор", "code": "not_found"}


def test_an_invitee_is_listed_with_the_moment_in_utc(client_of):
    owner = make_user()
    invitee = make_user(invited_by=owner)
    moment = timezone.now().replace(year=2026, month=1, day=2, microsecond=123456)
    User.objects.filter(pk=invitee.pk).update(invited_at=moment)

    page = client_of(owner).get("/api/profile_back/invited_users/").json()

    assert page["results"] == [
        {"phone_number": str(invitee.phone), "invited_at": moment.isoformat()[:-6] + "Z"}
    ]
