"""Events are written with the change they report and reach a receiver on loopback."""

import json

import pytest
from django.db import transaction
from django.utils import timezone
from jsonschema import Draft202012Validator

from referral.invites import services as invite_services
from referral.invites.services import activate_invite
from referral.webhooks import delivery, events
from referral.webhooks.models import Delivery, Event

from ..factories import make_user
from .conftest import bodies

pytestmark = pytest.mark.django_db

SECRETS = ("code", "access", "refresh", "token", "otp", "password")


def sign_up(api, phone, invite_code=None, *, capture):
    from harness.servers import code_from_sms
    from referral.accounts import sms

    with capture(execute=True):
        assert api.post("/api/auth/request_code/", {"phone": phone}).status_code == 200
    body = {"phone": phone, "code": code_from_sms(sms.outbox[-1].text)}
    if invite_code:
        body["invite_code"] = invite_code
    with capture(execute=True):
        response = api.post("/api/auth/verify_code/", body)
    assert response.status_code == 200
    return response.json()


def test_a_sign_up_through_the_api_sends_user_signed_up(
    api, subscribe, django_capture_on_commit_callbacks
):
    running, _ = subscribe()

    login = sign_up(api, "+79990001001", capture=django_capture_on_commit_callbacks)

    [event] = bodies(running)
    assert event["type"] == "user.signed_up" and event["version"] == 1
    assert event["id"].startswith("evt_") and event["timestamp"].endswith("Z")
    assert event["data"] == {
        "phone": "+79990001001",
        "invite_code": login["invite_code"],
        "signed_up_at": event["data"]["signed_up_at"],
        "with_invite_code": False,
    }
    assert running.received[0].headers["webhook-id"] == event["id"]


def test_a_sign_up_with_a_code_sends_both_events(
    api, subscribe, django_capture_on_commit_callbacks
):
    running, _ = subscribe()
    inviter = make_user()

    sign_up(api, "+79990001002", inviter.invite_code, capture=django_capture_on_commit_callbacks)

    by_type = {event["type"]: event["data"] for event in bodies(running)}
    assert by_type["user.signed_up"]["with_invite_code"] is True
    activated = by_type["invite.activated"]
    assert activated["channel"] == "api"
    assert activated["inviter"] == {
        "phone": str(inviter.phone),
        "invite_code": inviter.invite_code,
        "invited_count": 1,
    }
    assert activated["invitee"]["phone"] == "+79990001002"


def test_payloads_carry_no_code_token_or_secret(api, subscribe, django_capture_on_commit_callbacks):
    running, endpoint = subscribe()

    login = sign_up(api, "+79990001003", capture=django_capture_on_commit_callbacks)

    raw = running.received[0].body.decode()
    for value in (login["access"], login["refresh"], endpoint.secret):
        assert value not in raw
    keys = json.dumps(bodies(running)).lower()
    assert not any(f'"{word}"' in keys for word in SECRETS)


def test_an_activation_on_the_profile_page_says_its_channel(
    client, subscribe, django_capture_on_commit_callbacks
):
    running, _ = subscribe(events=["invite.activated"])
    user, inviter = make_user(), make_user()
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/ui/profile/activate/", {"code": inviter.invite_code})

    [event] = bodies(running)
    assert event["data"]["channel"] == "page"


def test_a_sign_up_from_a_share_link_says_its_channel(
    client, subscribe, django_capture_on_commit_callbacks
):
    from harness.servers import code_from_sms
    from referral.accounts import sms

    running, _ = subscribe(events=["invite.activated"])
    inviter = make_user()
    landing = client.get(f"/r/{inviter.invite_code}/", follow=True).redirect_chain[-1][0]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(landing, {"phone": "+79990001004"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/ui/code/", {"code": code_from_sms(sms.outbox[-1].text)})

    [event] = bodies(running)
    assert event["data"]["channel"] == "share_link"
    assert event["data"]["inviter"]["invite_code"] == inviter.invite_code


def test_an_activation_that_rolls_back_leaves_no_event(subscribe, monkeypatch):
    """The event is written in the activation's transaction: a failure after it takes both."""
    subscribe()
    user, inviter = make_user(), make_user()
    record, written = invite_services._record, []

    def fail_after_writing(*args, **kwargs):
        written.append(record(*args, **kwargs))
        written.append(Event.objects.count())
        raise RuntimeError("the database went away")

    monkeypatch.setattr(invite_services, "_record", fail_after_writing)

    with pytest.raises(RuntimeError):
        activate_invite(user_id=user.pk, code=inviter.invite_code, now=timezone.now())

    assert written == [1, 1]  # the activation and its event were written, then rolled back
    assert not Event.objects.exists() and not Delivery.objects.exists()
    user.refresh_from_db()
    assert user.invited_by is None


def test_without_a_subscribed_endpoint_nothing_is_written(subscribe):
    subscribe(events=["user.signed_up"])
    user, inviter = make_user(), make_user()

    activate_invite(user_id=user.pk, code=inviter.invite_code, now=timezone.now())

    assert not Event.objects.exists()


def test_a_disabled_endpoint_gets_nothing(api, subscribe, django_capture_on_commit_callbacks):
    from referral.webhooks import endpoints

    running, endpoint = subscribe()
    endpoints.set_enabled(endpoint=endpoint, enabled=False, reason="test")

    sign_up(api, "+79990001005", capture=django_capture_on_commit_callbacks)

    assert running.received == [] and not Event.objects.exists()


def test_the_published_json_schema_is_valid_and_strict(
    api, subscribe, django_capture_on_commit_callbacks
):
    """bodies() checks every received event against it; here, that it can fail."""
    from .conftest import _SCHEMA

    Draft202012Validator.check_schema(_SCHEMA.schema)
    running, _ = subscribe()
    sign_up(api, "+79990001006", capture=django_capture_on_commit_callbacks)
    [event] = bodies(running)

    event["data"]["otp"] = "1234"
    assert list(_SCHEMA.iter_errors(event))  # no field beyond those published


def test_deactivating_a_user_in_the_admin_sends_user_deactivated(
    staff_client, subscribe, django_capture_on_commit_callbacks
):
    running, _ = subscribe(events=["user.deactivated"])
    user = make_user()
    form = {
        "phone": str(user.phone),
        "invited_at_0": "",
        "invited_at_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "groups": [],
    }

    with django_capture_on_commit_callbacks(execute=True):  # "is_active" left out: unticked
        response = staff_client.post(f"/admin/accounts/user/{user.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    [event] = bodies(running)
    assert event["type"] == "user.deactivated"
    assert event["data"]["phone"] == str(user.phone)
    assert event["data"]["invite_code"] == user.invite_code
    with django_capture_on_commit_callbacks(execute=True):  # saved again: no news
        staff_client.post(f"/admin/accounts/user/{user.pk}/change/", form)
    assert len(running.received) == 1


def test_invited_count_is_the_inviters_count_with_this_invitee(subscribe):
    running, _ = subscribe(events=["invite.activated"])
    inviter = make_user()

    for _ in range(2):
        with transaction.atomic():
            activate_invite(user_id=make_user().pk, code=inviter.invite_code, now=timezone.now())
        delivery.deliver_due(worker="test", limit=10, now=timezone.now())

    assert [e["data"]["inviter"]["invited_count"] for e in bodies(running)] == [1, 2]


def test_an_endpoint_removed_before_the_fan_out_gets_nothing_and_breaks_nothing(subscribe):
    running, endpoint = subscribe()
    kept_running, kept = subscribe()
    with transaction.atomic():
        event_id = events.emit(
            "webhook.test", lambda: {"endpoint": 0}, now=timezone.now(), to=[endpoint.pk, kept.pk]
        )
    endpoint.delete()

    delivery.deliver_due(worker="test", limit=10, now=timezone.now())

    assert Event.objects.get(id=event_id).fanned_out
    assert list(Delivery.objects.values_list("endpoint_id", flat=True)) == [kept.pk]
    assert running.received == [] and len(kept_running.received) == 1


def test_an_activation_that_changes_nothing_writes_no_event(subscribe):
    """The race the UPDATE's condition guards ("once"): on PostgreSQL the event's INSERT is in
    that very statement, and must not happen when the UPDATE changed no row."""
    subscribe(events=["invite.activated"])
    inviter, first = make_user(), make_user()
    user = make_user(invited_by=first)
    event = events.prepare("invite.activated", lambda: {"n": 1}, now=timezone.now())

    with transaction.atomic():
        changed = invite_services._record(user.pk, inviter.pk, timezone.now(), event)

    assert changed == 0 and not Event.objects.exists()
    user.refresh_from_db()
    assert user.invited_by == first
