import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing
from django.core.management import call_command
from django.test import Client
from django.urls import clear_url_caches
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from harness.servers import code_from_sms
from referral.accounts import sms, tokens
from referral.accounts.models import (
    CodeMessage,
    Phone,
    PhoneCode,
    User,
    WrongGuess,
)
from referral.core import devices

from ..factories import make_user

pytestmark = pytest.mark.django_db

STAFF_PHONE, STAFF_PASSWORD = "+79990000000", "s3cret-pass"


@pytest.fixture
def staff():
    return User.objects.create_superuser(phone=STAFF_PHONE, password=STAFF_PASSWORD)


def admin_login(client, phone=STAFF_PHONE, password=STAFF_PASSWORD, **extra):
    return client.post("/admin/login/", {"username": phone, "password": password}, **extra)


@pytest.fixture
def staff_client(client, staff):
    assert admin_login(client).status_code == 302
    return client


def test_createsuperuser_makes_a_staff_user_who_logs_in_by_password(client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "s3cret-pass")

    call_command("createsuperuser", "--noinput", "--phone", "+79990000001")

    user = User.objects.get(phone="+79990000001")
    assert user.is_staff and user.is_superuser and len(user.invite_code) == 6
    assert client.login(phone="+79990000001", password="s3cret-pass")


def test_people_who_log_in_by_sms_have_no_usable_password():
    assert not make_user().has_usable_password()


@pytest.mark.usefixtures("staff")
def test_an_sms_code_never_opens_the_admin(client, django_capture_on_commit_callbacks):
    """Issue 9, finding 1: a staff member's SMS code alone opened /admin/ with no password."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/ui/phone/", {"phone": STAFF_PHONE})
    code = code_from_sms(sms.outbox[-1].text)
    assert client.post("/ui/code/", {"code": code})["Location"] == "/ui/profile/"

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin/accounts/user/").status_code == 302


@pytest.mark.usefixtures("staff")
def test_the_admin_opens_after_its_own_password_login(client):
    response = admin_login(client)

    assert response.status_code == 302
    assert client.session["admin_password_login"] is True
    assert client.get("/admin/").status_code == 200


def test_a_forced_login_without_the_password_mark_is_refused(client, staff):
    client.force_login(staff)

    assert client.get("/admin/").status_code == 302


@pytest.mark.usefixtures("staff")
def test_admin_logins_slow_down_after_five_failures_from_one_address(client, caplog):
    """Issue 9, finding 1: per client address, across accounts, with a doubling delay."""
    caplog.set_level(logging.WARNING, logger="referral.admin")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for n in range(5):
            assert admin_login(client, phone=f"+7999000000{n}", password="wrong").status_code == 200
        refused = admin_login(client)
        clock.shift(timedelta(seconds=31))
        allowed_but_wrong = admin_login(client, password="wrong")
        clock.shift(timedelta(seconds=31))
        refused_again = admin_login(client)  # the sixth failure doubled the delay to 60 s
        clock.shift(timedelta(seconds=30))
        allowed = admin_login(client)

    assert refused.status_code == 429 and int(refused["Retry-After"]) == 30
    assert allowed_but_wrong.status_code == 200
    assert refused_again.status_code == 429 and int(refused_again["Retry-After"]) == 29
    assert allowed.status_code == 302
    assert caplog.text.count("admin login failed") == 6
    assert "wrong" not in caplog.text  # no password is logged


@pytest.mark.usefixtures("staff")
def test_admin_logins_slow_down_after_five_failures_for_one_account(client):
    """Issue 9, finding 1: per account, however many addresses the guesses come from."""
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(5):
            admin_login(client, password="wrong", REMOTE_ADDR=f"198.51.100.{n}")

        response = admin_login(client, REMOTE_ADDR="203.0.113.200")

    assert response.status_code == 429


SPELLINGS = [
    "+79990000000",
    "89990000000",
    "8 (999) 000-00-00",
    "+7 999 000 00 00",
    "7-999-000-0000",
]


@pytest.mark.usefixtures("staff")
def test_finding_1_every_spelling_of_a_phone_shares_one_budget(client):
    """Issue 21, finding 1: the throttle keyed the raw username, so after 5 failures on
    +79990000000 another spelling of it opened the admin with the right password."""
    with time_machine.travel(timezone.now(), tick=False):
        for n, spelling in enumerate(SPELLINGS):
            failed = admin_login(
                client, phone=spelling, password="wrong", REMOTE_ADDR=f"198.51.100.{n}"
            )
            assert failed.status_code == 200  # compared, and wrong

        response = admin_login(client, phone="8-999-000-00-00", REMOTE_ADDR="203.0.113.200")

    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_finding_1_a_number_with_no_account_has_one_budget_for_its_spellings(client):
    """Issue 21, finding 1: with no such account, the normalised number is the key."""
    with time_machine.travel(timezone.now(), tick=False):
        for n, spelling in enumerate(SPELLINGS):
            admin_login(client, phone=spelling, password="wrong", REMOTE_ADDR=f"198.51.100.{n}")

        response = admin_login(client, phone="8(999)0000000", REMOTE_ADDR="203.0.113.200")

    assert response.status_code == 429


def device_cookie(response):
    return response.cookies[devices.DEVICE_COOKIE_NAME]


@pytest.mark.usefixtures("staff")
def test_finding_3_a_known_device_logs_in_while_strangers_are_throttled(client, settings):
    """Issue 21, finding 3: 5 wrong passwords from a stranger locked the admin out; the
    admin's own browser, known by its device cookie, still logs in (from a new address)."""
    first = admin_login(client, REMOTE_ADDR="192.0.2.10")
    client.post("/admin/logout/")
    stranger, newcomer = Client(), Client()
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(5):
            admin_login(stranger, password="wrong", REMOTE_ADDR=f"198.51.100.{n}")

        stranger_refused = admin_login(stranger, REMOTE_ADDR="198.51.100.99")
        unknown_refused = admin_login(newcomer, REMOTE_ADDR="203.0.113.7")
        known = admin_login(client, REMOTE_ADDR="203.0.113.8")

    assert first.status_code == 302 and device_cookie(first).value
    assert stranger_refused.status_code == unknown_refused.status_code == 429
    assert known.status_code == 302 and client.get("/admin/").status_code == 200


def test_finding_3_the_device_cookie_is_signed_http_only_lax_and_long_lived(
    client, staff, settings
):
    """Issue 21, finding 3: the cookie's attributes, as OWASP's device cookies have them."""
    settings.SESSION_COOKIE_SECURE = True  # production over HTTPS

    cookie = device_cookie(admin_login(client))

    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == settings.DEVICE_COOKIE_DAYS * 24 * 3600
    payload = signing.loads(cookie.value, salt=devices.SALT)
    assert payload["user"] == staff.pk and len(payload["nonce"]) >= 16


@pytest.mark.usefixtures("staff")
def test_a_forged_or_foreign_device_cookie_is_a_stranger(client):
    """Only a cookie this server signed for this account counts (finding 3's cookie)."""
    other = make_user()
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        for n in range(5):
            admin_login(Client(), password="wrong", REMOTE_ADDR=f"198.51.100.{n}")
        for value in [
            "forged",
            signing.dumps(
                {"user": other.pk, "nonce": "x" * 22, "issued": int(now.timestamp())},
                salt=devices.SALT,
            ),
            signing.dumps(
                {"user": 1, "nonce": "x" * 22, "issued": int(now.timestamp())}, salt="other"
            ),
        ]:
            client.cookies[devices.DEVICE_COOKIE_NAME] = value
            assert admin_login(client, REMOTE_ADDR="203.0.113.9").status_code == 429


@pytest.mark.usefixtures("staff")
def test_finding_3_a_device_with_too_many_failures_is_trusted_no_more(client, settings):
    """Issue 21, finding 3: a copy of the cookie gets the device's 5 tries, then it is a
    stranger, held by the account's throttle like any other."""
    assert admin_login(client).status_code == 302
    client.post("/admin/logout/")
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(5):  # the account's own budget, spent by strangers
            admin_login(Client(), password="wrong", REMOTE_ADDR=f"198.51.100.{n}")
        device_failures = [
            admin_login(client, password="wrong", REMOTE_ADDR=f"203.0.113.{n}").status_code
            for n in range(settings.DEVICE_FAILURES_LIMIT)
        ]

        refused = admin_login(client, REMOTE_ADDR="203.0.113.100")

    assert device_failures == [200] * settings.DEVICE_FAILURES_LIMIT
    assert refused.status_code == 429


@pytest.mark.usefixtures("staff")
def test_a_login_on_a_known_device_issues_a_fresh_cookie(client):
    """Each success makes a new nonce: what a copy of the old cookie had counted stays with it."""
    old = device_cookie(admin_login(client)).value
    client.post("/admin/logout/")

    new = device_cookie(admin_login(client)).value

    assert (
        signing.loads(old, salt=devices.SALT)["nonce"]
        != signing.loads(new, salt=devices.SALT)["nonce"]
    )


@pytest.fixture
def admin_url(settings):
    import importlib

    import config.urls

    def serve_admin_at(url):
        settings.ADMIN_URL = url
        importlib.reload(config.urls)
        clear_url_caches()

    yield serve_admin_at
    serve_admin_at("admin/")


@pytest.mark.usefixtures("staff")
def test_the_admin_can_be_moved(client, admin_url):
    """Issue 9, finding 1: ADMIN_URL moves the admin."""
    admin_url("backoffice-7f3a/")

    assert client.get("/admin/").status_code == 404
    assert client.get("/backoffice-7f3a/login/").status_code == 200


@pytest.mark.usefixtures("staff")
def test_the_admin_can_be_switched_off(client, admin_url):
    """Issue 9, finding 1: ADMIN_URL="" switches it off."""
    admin_url("")

    assert client.get("/admin/login/").status_code == 404


def test_admin_finds_users_by_phone_and_invite_code(staff_client):
    inviter = make_user("+79990001122")
    make_user("+79990002233", invited_by=inviter)

    by_code = staff_client.get("/admin/accounts/user/", {"q": inviter.invite_code})
    by_phone = staff_client.get("/admin/accounts/user/", {"q": "+79990002233"})

    assert by_code.status_code == by_phone.status_code == 200
    assert "+79990001122" in by_code.content.decode()
    assert "+79990002233" in by_phone.content.decode()


def test_admin_can_add_a_user_and_open_one(staff_client):
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {"phone": "+79990003344", "password1": "x-Strong-pass-1", "password2": "x-Strong-pass-1"},
    )

    assert response.status_code == 302
    user = User.objects.get(phone="+79990003344")
    assert staff_client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200


def a_code(phone, **message):
    code = PhoneCode.objects.create(
        phone=phone,
        code_hash="secret-hash-value",
        sealed_code="secret-sealed-value",
        created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(minutes=5),
    )
    CodeMessage.objects.create(
        code=code,
        source="198.51.100.9",
        created_at=code.created_at,
        next_try_at=code.created_at,
        **message,
    )
    return code


def test_admin_locks_and_unlocks_a_phone(staff_client):
    phone = Phone.objects.create(number="+79991234567")
    WrongGuess.objects.create(code=a_code(phone), source="198.51.100.9", at=timezone.now())

    staff_client.post("/admin/accounts/phone/", {"action": "lock", "_selected_action": [phone.pk]})
    phone.refresh_from_db()
    assert phone.locked_at is not None
    staff_client.post(
        "/admin/accounts/phone/", {"action": "unlock", "_selected_action": [phone.pk]}
    )
    phone.refresh_from_db()
    assert phone.locked_at is None and not WrongGuess.objects.exists()


def test_admin_shows_a_phones_last_day(staff_client):
    phone = Phone.objects.create(number="+79991234567")
    code = a_code(phone)
    for source in ["198.51.100.1", "198.51.100.1", "198.51.100.2"]:
        WrongGuess.objects.create(code=code, source=source, at=timezone.now())

    url = f"/admin/accounts/phone/{phone.pk}/change/"
    page = staff_client.get(url).content.decode()
    english = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "1 СМС; 3 неверных кода с 2 адресов" in page  # Russian by default
    assert "1 SMS; 3 wrong codes from 2 addresses" in english


def test_admin_shows_failed_deliveries_without_the_code(staff_client):
    phone = Phone.objects.create(number="+79991234567")
    a_code(phone, delivery_tries=3, delivery_error="SMS.ru answered HTTP 503")

    listing = staff_client.get("/admin/accounts/codemessage/", {"sent_at__isempty": "1"})
    detail = staff_client.get(f"/admin/accounts/codemessage/{CodeMessage.objects.get().pk}/change/")
    guesses = staff_client.get("/admin/accounts/wrongguess/")

    html = listing.content.decode() + detail.content.decode()
    assert "SMS.ru answered HTTP 503" in html and "+79991234567" in html
    assert guesses.status_code == 200
    assert "secret-hash-value" not in html and "secret-sealed-value" not in html


def test_the_admin_never_shows_a_refresh_token_itself(staff_client):
    """Staff may see that a token exists and revoke it, never read it (it would log them in)."""
    refresh = tokens.issue_tokens(user=make_user())["refresh"]
    token = OutstandingToken.objects.get(token=refresh)

    response = staff_client.get(f"/admin/token_blacklist/outstandingtoken/{token.pk}/change/")

    assert response.status_code == 200 and token.jti in response.content.decode()
    assert refresh not in response.content.decode()


def change_user(client, user, **fields):
    """Post the user's change form as the admin shows it, with `fields` changed."""
    form = {
        "phone": str(user.phone),
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        **fields,
    }
    return client.post(f"/admin/accounts/user/{user.pk}/change/", form)


def test_finding_11_the_inviter_fields_are_read_only_in_the_user_admin(staff_client):
    """Issue 21, finding 11: "Invited by" and "Invited at" were editable, so the admin could
    set C as invited by C's own invitee; now the change form shows them and takes neither."""
    c = make_user()
    invitee = make_user(invited_by=c)

    page = staff_client.get(f"/admin/accounts/user/{c.pk}/change/").content.decode()
    response = change_user(
        staff_client, c, invited_by=str(invitee.pk), invited_at_0="2026-01-01", invited_at_1="0:0"
    )

    assert 'name="invited_by"' not in page and 'name="invited_at' not in page
    assert response.status_code == 302  # saved, without the fields it does not take
    c.refresh_from_db()
    assert c.invited_by_id is None and c.invited_at is None


@pytest.mark.parametrize(
    "username", ["", "\x00", "+7999\x00", "x" * 5000, "８ ９９９ ０００ ００ ００"]
)
def test_an_admin_login_with_any_username_is_a_form_answer_never_a_server_error(client, username):
    """The throttle looks the account up as the login does; odd input is one more failure."""
    response = admin_login(client, phone=username, password="wrong")

    assert response.status_code in {200, 400}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_finding_20_sms_queue_times_show_seconds(staff_client, language):
    """Finding 20 (issue 21): the SMS queue's times read "3 a.m." in English (the minutes and
    seconds dropped); an operator tracing a delivery needs them to the second."""
    at = datetime(2026, 12, 4, 3, 0, 7, tzinfo=UTC)
    code = a_code(Phone.objects.create(number="+79991234567"))
    CodeMessage.objects.update(created_at=at, sent_at=at + timedelta(seconds=1), next_try_at=at)
    WrongGuess.objects.create(code=code, source="198.51.100.9", at=at + timedelta(seconds=2))
    ask = {"HTTP_ACCEPT_LANGUAGE": language}

    queue = staff_client.get("/admin/accounts/codemessage/", **ask).content.decode()
    guesses = staff_client.get("/admin/accounts/wrongguess/", **ask).content.decode()

    assert "2026-12-04 03:00:07" in queue and "2026-12-04 03:00:08" in queue
    assert "2026-12-04 03:00:09" in guesses
    assert "3 a.m." not in queue + guesses
