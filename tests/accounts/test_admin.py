import pytest
from django.core.management import call_command

from referral.accounts.models import Phone, PhoneCode, User

from ..factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = User.objects.create_superuser(phone="+79990000000", password="s3cret-pass")
    client.force_login(admin)
    return client


def test_createsuperuser_makes_a_staff_user_who_logs_in_by_password(client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "s3cret-pass")

    call_command("createsuperuser", "--noinput", "--phone", "+79990000001")

    user = User.objects.get(phone="+79990000001")
    assert user.is_staff and user.is_superuser and len(user.invite_code) == 6
    assert client.login(phone="+79990000001", password="s3cret-pass")


def test_people_who_log_in_by_sms_have_no_usable_password():
    assert not make_user().has_usable_password()


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


def test_admin_unlocks_a_locked_phone(staff_client):
    phone = Phone.objects.create(number="+79991234567", failed_attempts=100)
    Phone.objects.filter(pk=phone.pk).update(locked_at="2026-01-01T00:00:00Z")

    staff_client.post(
        "/admin/accounts/phone/", {"action": "unlock", "_selected_action": [phone.pk]}
    )

    phone.refresh_from_db()
    assert phone.locked_at is None and phone.failed_attempts == 0


def test_admin_shows_failed_deliveries_without_the_hash(staff_client):
    phone = Phone.objects.create(number="+79991234567")
    PhoneCode.objects.create(
        phone=phone,
        code_hash="secret-hash-value",
        created_at="2026-01-01T00:00:00Z",
        expires_at="2026-01-01T00:05:00Z",
        delivery_tries=3,
        delivery_error="SMS.ru answered HTTP 503",
    )

    listing = staff_client.get("/admin/accounts/phonecode/", {"sent_at__isempty": "1"})
    detail = staff_client.get(f"/admin/accounts/phone/{phone.pk}/change/")

    assert "SMS.ru answered HTTP 503" in listing.content.decode()
    assert "SMS.ru answered HTTP 503" in detail.content.decode()
    assert "secret-hash-value" not in listing.content.decode() + detail.content.decode()
