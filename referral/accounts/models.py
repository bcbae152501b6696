from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from referral.invites.codes import new_invite_code


class UserManager(BaseUserManager):
    def create_user(self, phone, password=None, **extra):
        extra.setdefault("invite_code", new_invite_code())
        user = self.model(phone=phone, **extra)
        user.set_password(password)  # None gives an unusable password: people log in by SMS
        user.save(using=self._db)
        return user

    def create_superuser(self, phone, password=None, **extra):
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
    """A number that asked for login codes, with its failure counters (NIST SP 800-63B 5.2.2).

    Exists before any user does, so failures are counted across codes and users.
    """

    number = PhoneNumberField(unique=True)
    failed_attempts = models.PositiveIntegerField(default=0)
    paused_until = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return str(self.number)


class PhoneCode(models.Model):
    """One login code sent by SMS; also the ledger the sending limits count."""

    phone = models.ForeignKey(Phone, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivery_tries = models.PositiveSmallIntegerField(default=0)
    delivery_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["phone", "-created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self):
        return f"{self.phone} @ {self.created_at:%Y-%m-%d %H:%M:%S}"
