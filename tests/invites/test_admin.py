"""The operator's "Set the inviter…" on a user's admin page (referral.invites.admin)."""

import json

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator

from harness.servers import ROOT
from referral.accounts.models import ReferralChange
from referral.webhooks.models import Endpoint, Event

from ..factories import make_user

pytestmark = pytest.mark.django_db


def set_inviter(client, user, code, reason="Support ticket 4700: a friend invited them", **extra):
    return client.post(
        f"/admin/accounts/user/{user.pk}/inviter/", {"code": code, "reason": reason}, **extra
    )


def test_finding_11_the_inviter_form_refuses_a_cycle_with_a_clear_message(staff_client):
    """Issue 21, finding 11: the operator's change goes through activation's own rules."""
    c = make_user()
    invitee = make_user(invited_by=c)

    response = set_inviter(staff_client, c, invitee.invite_code)
    english = set_inviter(staff_client, c, invitee.invite_code, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == english.status_code == 400
    assert "цикл" in response.content.decode()
    assert "cycle" in english.content.decode()
    c.refresh_from_db()
    assert c.invited_by_id is None
    assert not ReferralChange.objects.exists()


def test_finding_11_an_inviter_is_set_only_once_like_an_activation(staff_client):
    """Issue 21, finding 11: once-only, as activation: an inviter already set stays."""
    first, second = make_user(), make_user()
    user = make_user(invited_by=first)

    response = set_inviter(staff_client, user, second.invite_code, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "already has an inviter" in response.content.decode()
    user.refresh_from_db()
    assert user.invited_by_id == first.pk and not ReferralChange.objects.exists()


def test_finding_11_a_valid_inviter_change_is_recorded_with_who_and_why(staff_client, staff):
    """Issue 21, finding 11: the change is an activation, and an audit row says who and why."""
    inviter, user = make_user(), make_user()
    reason = "Ticket 4711: the link did not open in the browser"

    response = set_inviter(staff_client, user, inviter.invite_code.lower(), reason)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.invited_by_id == inviter.pk and user.invited_at is not None
    [change] = ReferralChange.objects.all()
    assert (change.user_id, change.inviter_id, change.changed_by_id, change.reason) == (
        user.pk,
        inviter.pk,
        staff.pk,
        reason,
    )
    assert change.at == user.invited_at
    listing = staff_client.get("/admin/accounts/referralchange/").content.decode()
    assert reason in listing


def test_the_inviter_form_needs_a_reason(staff_client):
    inviter, user = make_user(), make_user()

    response = set_inviter(staff_client, user, inviter.invite_code, reason="  ")

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.invited_by_id is None and not ReferralChange.objects.exists()


def test_referral_changes_are_append_only_in_the_admin(staff_client):
    """The audit rows can be read, never added, changed or deleted through the admin."""
    inviter, user = make_user(), make_user()
    assert set_inviter(staff_client, user, inviter.invite_code).status_code == 302
    change = ReferralChange.objects.get()

    detail = staff_client.get(f"/admin/accounts/referralchange/{change.pk}/change/")
    delete = staff_client.post(
        f"/admin/accounts/referralchange/{change.pk}/delete/", {"post": "yes"}
    )
    add = staff_client.get("/admin/accounts/referralchange/add/")

    assert detail.status_code == 200 and "<textarea" not in detail.content.decode()
    assert delete.status_code == 403 and add.status_code == 403
    assert ReferralChange.objects.count() == 1


def test_an_operators_inviter_is_told_to_webhooks_as_channel_admin(staff_client):
    """Receivers see the activation as any other, with channel "admin" (the schema's)."""
    Endpoint.objects.create(
        url="https://hooks.example.com/in",
        events=["invite.activated"],
        secret="whsec_test",
        created_at=timezone.now(),
    )
    inviter, user = make_user(), make_user()

    assert set_inviter(staff_client, user, inviter.invite_code).status_code == 302

    event = json.loads(Event.objects.get(type="invite.activated").body)
    schema = json.loads((ROOT / "docs" / "webhooks.schema.json").read_text())
    assert list(Draft202012Validator(schema).iter_errors(event)) == []
    assert event["data"]["channel"] == "admin"
    assert event["data"]["inviter"]["invite_code"] == inviter.invite_code
