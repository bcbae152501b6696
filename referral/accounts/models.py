from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from .invite_codes import new_invite_code

SOURCE_HELP = _("The client: IPv4 address or IPv6 /64.")


class UserManager(BaseUserManager["User"]):
    def create_user(self, phone: str, password: str | None = None, **extra: Any) -> "User":
        """A new user with a fresh invite code, drawn again when it collides with another's.

        Every way in (sign-up, createsuperuser, the admin, test factories) comes here.
        IntegrityError means the phone is taken.
        """
        for _attempt in range(10):
            user = self.model(phone=phone, invite_code=new_invite_code(), **extra)
            user.set_password(password)  # None gives an unusable password: people log in by SMS
            try:
                with transaction.atomic(using=self._db):
                    user.save(using=self._db)
            except IntegrityError:
                if self.filter(phone=phone).exists():
                    raise
                continue  # the invite code was taken: draw another
            return user
        raise RuntimeError("Could not draw a free invite code in 10 tries.")

    def create_superuser(self, phone: str, password: str | None = None, **extra: Any) -> "User":
        return self.create_user(phone, password, is_staff=True, is_superuser=True, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person, created at their first successful phone verification."""

    phone = PhoneNumberField(_("phone"), unique=True)
    invite_code = models.CharField(_("invite code"), max_length=6, unique=True, editable=False)
    invited_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitees",
        verbose_name=_("invited by"),
        help_text=_("The user whose invite code this user activated."),
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Designates whether this user should be treated as active. "
            "Unselect this instead of deleting accounts."
        ),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can log into this admin site."),
    )

    objects = UserManager()

    USERNAME_FIELD = "phone"

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(invited_by=F("id")), name="user_cannot_invite_self"
            ),
            models.CheckConstraint(
                condition=Q(invited_by__isnull=True, invited_at__isnull=True)
                | Q(invited_by__isnull=False, invited_at__isnull=False),
                name="user_invited_at_with_invited_by",
            ),
        ]
        indexes = [
            # Invitees in activation order, with their phones (a covering index on
            # PostgreSQL): the profile's list and the invitee pages read only the index.
            models.Index(
                fields=["invited_by", "invited_at", "id"],
                include=["phone"],
                name="user_invitees_in_order",
            )
        ]

    def __str__(self):
        return str(self.phone)


class Phone(models.Model):
    """A number that asked for login codes. Exists before any user does.

    Its limits are counted from its messages and wrong guesses (see services); the
    only state it holds itself is an operator's block, never set automatically.
    """

    number = PhoneNumberField(_("number"), unique=True)
    locked_at = models.DateTimeField(
        _("locked at"),
        null=True,
        blank=True,
        help_text=_("Set when an operator blocks the number: no codes are sent or accepted."),
    )

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")

    def __str__(self):
        return str(self.number)


class PhoneCode(models.Model):
    """One login code. Re-sent while fresh, so that another request never replaces it."""

    phone = models.ForeignKey(
        Phone, on_delete=models.CASCADE, related_name="codes", verbose_name=_("phone")
    )
    code_hash = models.CharField(_("code hash"), max_length=64)
    # The code sealed (referral.core.sealing), to send it again; emptied once it is used.
    sealed_code = models.TextField(_("sealed code"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("login code")
        verbose_name_plural = _("login codes")
        indexes = [
            models.Index(fields=["phone", "-created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self):
        return f"{self.phone} @ {self.created_at:%Y-%m-%d %H:%M:%S}"


class CodeMessage(models.Model):
    """One SMS carrying a login code: what the sending limits count, and its delivery.

    Written in the transaction that makes the code, so the row is also the queue
    (a transactional outbox): the worker claims pending rows with a lease
    (referral.accounts.delivery), and every row ends sent, failed or expired.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")  # the provider refused it, or every try failed
        # its code was used, or would expire before it could be typed
        EXPIRED = "expired", _("Expired")

    code = models.ForeignKey(
        PhoneCode, on_delete=models.CASCADE, related_name="messages", verbose_name=_("code")
    )
    source = models.CharField(_("source"), max_length=45, help_text=SOURCE_HELP)
    created_at = models.DateTimeField(_("created at"))
    language = models.CharField(
        _("language"), max_length=8, default="ru", help_text=_("The language of the SMS.")
    )
    state = models.CharField(_("state"), max_length=8, choices=State, default=State.PENDING)
    next_try_at = models.DateTimeField(
        _("next try at"), help_text=_("Not tried before this moment (backoff).")
    )
    lease_until = models.DateTimeField(
        _("lease until"),
        null=True,
        blank=True,
        help_text=_("A worker holds it until then; after, any may take it."),
    )
    claimed_by = models.CharField(
        _("claimed by"), max_length=64, blank=True, help_text=_("The worker that holds it.")
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivery_tries = models.PositiveSmallIntegerField(_("delivery tries"), default=0)
    delivery_error = models.CharField(_("delivery error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("code message")
        verbose_name_plural = _("code messages")
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(
                fields=["next_try_at", "id"],
                condition=Q(state="pending"),
                name="codemessage_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False) | ~Q(state="sent"),
                name="codemessage_sent_has_sent_at",
            )
        ]

    def __str__(self):
        return gettext("SMS to %(phone)s @ %(at)s") % {
            "phone": self.code.phone,
            "at": f"{self.created_at:%Y-%m-%d %H:%M:%S}",
        }


class WrongGuess(models.Model):
    """One wrong code typed for a phone: what the guessing limits count."""

    code = models.ForeignKey(
        PhoneCode, on_delete=models.CASCADE, related_name="wrong_guesses", verbose_name=_("code")
    )
    source = models.CharField(_("source"), max_length=45, help_text=SOURCE_HELP)
    # The source's /24 (or IPv6 /48): the phone-wide pause grows with how many there are.
    network = models.CharField(_("network"), max_length=49, default="", editable=False)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("wrong guess")
        verbose_name_plural = _("wrong guesses")
        indexes = [models.Index(fields=["at"])]

    def __str__(self):
        return gettext("wrong code for %(phone)s from %(source)s") % {
            "phone": self.code.phone,
            "source": self.source,
        }


class ReferralChange(models.Model):
    """An operator set a user's inviter in the admin: who did it, and why. Append-only.

    The change itself is an activation (referral.invites.services.set_inviter_by_operator):
    the same rules (once per user, no cycle), so a user had no inviter before it, and this
    row is the only account of a change that no user made.
    """

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    inviter = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("inviter")
    )
    changed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("referral change")
        verbose_name_plural = _("referral changes")
        indexes = [models.Index(fields=["at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="referralchange_has_reason")
        ]

    def __str__(self):
        return gettext("%(user)s invited by %(inviter)s") % {
            "user": self.user,
            "inviter": self.inviter,
        }
