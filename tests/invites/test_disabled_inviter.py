"""Issue 21, finding 10: a disabled account's invite code works no more, on every path.

To the person who types it, it is a code nobody has (`invite_not_found`): whether an
account was disabled is the operator's business, not the activator's.
"""

import pytest
from django.utils import timezone

from referral.accounts.models import User
from referral.core import errors
from referral.invites.services import activate_invite
from referral.webhooks.models import Endpoint, Event

from ..factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def disabled_inviter():
    inviter = make_user("+79260000001")
    User.objects.filter(pk=inviter.pk).update(is_active=False)  # "Active" unticked
    return inviter


@pytest.fixture
def webhook_endpoint():
    """An endpoint that takes invite.activated, so that an activation would write its event."""
    return Endpoint.objects.create(
        url="https://hooks.example.com/in",
        events=["invite.activated"],
        secret="whsec_test",
        created_at=timezone.now(),
    )


@pytest.mark.usefixtures("webhook_endpoint")
def test_finding_10_a_disabled_inviters_code_is_not_found_and_emits_nothing(disabled_inviter):
    """Issue 21, finding 10: the service refuses it like an unknown code, and writes no event."""
    user = make_user()

    with pytest.raises(errors.InviteNotFound):
        activate_invite(user_id=user.pk, code=disabled_inviter.invite_code, now=timezone.now())

    user.refresh_from_db()
    assert user.invited_by_id is None and user.invited_at is None
    assert not Event.objects.filter(type="invite.activated").exists()


def test_finding_10_the_api_answers_invite_not_found_for_a_disabled_inviter(
    client_of, disabled_inviter
):
    """Issue 21, finding 10: 404 invite_not_found, the same answer as a code nobody has."""
    client = client_of(make_user())

    refused = client.post(
        "/api/profile_back/activate_invite/", {"code": disabled_inviter.invite_code}
    )
    unknown = client.post("/api/profile_back/activate_invite/", {"code": "ZZZZZZ"})

    assert refused.status_code == unknown.status_code == 404
    assert refused.json() == unknown.json()
    assert refused.json()["code"] == "invite_not_found"


def test_finding_10_a_sign_up_with_a_disabled_inviters_code_reports_invite_not_found(
    api, send_code, disabled_inviter
):
    """Issue 21, finding 10: the login goes through, its invite_error says not found."""
    phone = "+79990004455"
    code = send_code(phone)

    response = api.post(
        "/api/auth/verify_code/",
        {"phone": phone, "code": code, "invite_code": disabled_inviter.invite_code},
    )

    assert response.status_code == 200
    assert response.json()["invite_error"]["code"] == "invite_not_found"
    assert User.objects.get(phone=phone).invited_by_id is None


def test_finding_10_the_share_page_treats_a_disabled_inviters_code_as_unknown(
    client, disabled_inviter
):
    """Issue 21, finding 10: no "+7 926 ***-**-01 invites you", the unknown-code note."""
    landing = client.get(f"/r/{disabled_inviter.invite_code}/", follow=True)
    page = landing.content.decode()

    assert landing.status_code == 200
    assert "***" not in page and "-01" not in page
    assert f"«{disabled_inviter.invite_code}»" in page  # "There is no invite code «…»"


def test_an_active_inviters_share_page_still_names_them(client):
    inviter = make_user("+79260000001")

    page = client.get(f"/r/{inviter.invite_code}/", follow=True).content.decode()

    assert "-01" in page and f"«{inviter.invite_code}»" not in page
