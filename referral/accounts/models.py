from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from referral.invites.codes import new_invite_code


class UserManager(BaseUserManager["User"]):
    def create_user(self, phone: str, password: str | None = None, **extra: Any) -> "User":
        """A new user with a fresh invite code, drawn again when it collides with another's.

        Every way in (sign-up, createsuperuser, the admin, test factories) comes here.
        IntegrityError means the phone is taken.
        """
        for _ in range(10):
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

    phone = PhoneNumberField(unique=True)
    invite_code = models.CharField(max_length=6, unique=True, editable=False)
    invited_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="invitees"
    )
    invited_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)

    objects = UserManager()

    USERNAME_FIELD = "phone"

    class Meta:
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
        indexes = [models.Index(fields=["invited_by", "invited_at"])]

    def __str__(self):
        return str(self.phone)


class Phone(models.Model):
    """A number that asked for login codes. Exists before any user does.

    Its limits are counted from its messages and wrong guesses (see services); the
    only state it holds itself is an operator's block, never set automatically.
    """

    number = PhoneNumberField(unique=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return str(self.number)


class PhoneCode(models.Model):
    """One login code. Re-sent while fresh, so that another request never replaces it."""

    phone = models.ForeignKey(Phone, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    # The code sealed (referral.core.sealing), to send it again; emptied once it is used.
    sealed_code = models.TextField(blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"  # the provider refused it, or every try failed
        EXPIRED = "expired"  # its code was used, or would expire before it could be typed

    code = models.ForeignKey(PhoneCode, on_delete=models.CASCADE, related_name="messages")
    source = models.CharField(max_length=45, help_text="The client: IPv4 address or IPv6 /64.")
    created_at = models.DateTimeField()
    language = models.CharField(max_length=8, default="ru", help_text="The language of the SMS.")
    state = models.CharField(max_length=8, choices=State, default=State.PENDING)
    next_try_at = models.DateTimeField(help_text="Not tried before this moment (backoff).")
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker holds it until then; after, any may take it."
    )
    claimed_by = models.CharField(max_length=64, blank=True, help_text="The worker that holds it.")
    sent_at = models.DateTimeField(null=True, blank=True)
    delivery_tries = models.PositiveSmallIntegerField(default=0)
    delivery_error = models.CharField(max_length=200, blank=True)

    class Meta:
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
        return f"SMS to {self.code.phone} @ {self.created_at:%Y-%m-%d %H:%M:%S}"


class WrongGuess(models.Model):
    """One wrong code typed for a phone: what the guessing limits count."""

    code = models.ForeignKey(PhoneCode, on_delete=models.CASCADE, related_name="wrong_guesses")
    source = models.CharField(max_length=45, help_text="The client: IPv4 address or IPv6 /64.")
    at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "wrong guesses"
        indexes = [models.Index(fields=["at"])]

    def __str__(self):
        return f"wrong code for {self.code.phone} from {self.source}"
