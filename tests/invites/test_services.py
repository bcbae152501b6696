import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referral.accounts.models import User
from referral.core import errors
from referral.invites.services import activate_invite

from ..factories import make_user

pytestmark = pytest.mark.django_db


def activate(user, inviter):
    return activate_invite(user_id=user.pk, code=inviter.invite_code, now=timezone.now())


def test_activation_records_who_invited_whom():
    inviter, user = make_user(), make_user()

    assert activate(user, inviter) == inviter.pk

    stored = User.objects.get(pk=user.pk)
    assert stored.invited_by == inviter
    assert stored.invited_at is not None


def test_an_activation_is_one_read_and_one_write():
    """Issue 15: the user, the inviter and the cycle check are one statement, read after the
    lock (PostgreSQL's advisory lock, its own statement: a statement's snapshot is taken
    before it waits, so the tree must be read by the next one)."""
    inviter, user = make_user(), make_user()
    activate(make_user(), inviter)  # the webhook subscriptions are cached from here on

    with CaptureQueriesContext(connection) as queries:
        activate(user, inviter)

    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]  # the test's own
    assert len(statements) == 3  # the lock, the parties and the cycle, the activation


def test_an_unknown_code_is_not_found():
    user = make_user()

    with pytest.raises(errors.InviteNotFound):
        activate_invite(user_id=user.pk, code="ZZZZZZ", now=timezone.now())


def test_ones_own_code_is_refused():
    user = make_user()

    with pytest.raises(errors.InviteOwn):
        activate(user, user)


def test_a_user_activates_only_once():
    first, second, user = make_user(), make_user(), make_user()
    activate(user, first)

    with pytest.raises(errors.InviteAlreadyActivated):
        activate(user, second)
    assert User.objects.get(pk=user.pk).invited_by == first


def test_only_once_holds_even_for_a_stale_user_object():
    first, second, user = make_user(), make_user(), make_user()
    stale = User.objects.get(pk=user.pk)
    activate(user, first)

    with pytest.raises(errors.InviteAlreadyActivated):
        activate(stale, second)


def test_a_direct_invitee_code_is_refused():
    a = make_user()
    b = make_user(invited_by=a)

    with pytest.raises(errors.InviteCycle):
        activate(a, b)


def test_a_code_from_deeper_in_the_downline_is_refused():
    a = make_user()
    b = make_user(invited_by=a)
    c = make_user(invited_by=b)

    with pytest.raises(errors.InviteCycle):
        activate(a, c)
    assert User.objects.get(pk=a.pk).invited_by is None


def test_a_code_from_a_sibling_branch_is_accepted():
    root = make_user()
    a = make_user(invited_by=root)
    b = make_user(invited_by=root)
    c = make_user()

    activate(c, a)
    assert User.objects.get(pk=c.pk).invited_by == a
    with pytest.raises(errors.InviteAlreadyActivated):
        activate(c, b)


def test_activation_attempts_are_limited_per_user(settings):
    settings.INVITE_ACTIVATIONS_PER_USER_PER_HOUR = 3
    user = make_user()
    for _ in range(3):
        with pytest.raises(errors.InviteNotFound):
            activate_invite(user_id=user.pk, code="ZZZZZZ", now=timezone.now())

    with pytest.raises(errors.Throttled):
        activate_invite(user_id=user.pk, code="ZZZZZZ", now=timezone.now())
