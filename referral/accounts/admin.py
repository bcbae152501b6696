from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist import admin as token_admin
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from referral.core.admin_columns import to_the_second

from . import delivery, selectors, services
from .models import CodeMessage, Phone, ReferralChange, User, WrongGuess


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["phone"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    list_display = ["phone", "invite_code", "invited_by", "invited_at", "date_joined", "is_staff"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["phone", "invite_code", "invited_by__phone", "invited_by__invite_code"]
    ordering = ["-date_joined"]
    # The referral tree is read-only here: it changes only by an activation, the operator's
    # through referral.invites.admin (the same rules, and a ReferralChange saying who and why).
    readonly_fields = ["invite_code", "invited_by", "invited_at", "date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["phone", "password", "invite_code"]}),
        (_("Referral"), {"fields": ["invited_by", "invited_at"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["date_joined", "last_login"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["phone", "password1", "password2"]})]
    filter_horizontal = ["groups"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.deactivated(user=obj, now=timezone.now())  # in the admin's transaction


@admin.register(ReferralChange)
class ReferralChangeAdmin(admin.ModelAdmin):
    """The operators' changes to the referral tree: read here, never added, edited or deleted."""

    list_display = ["at", "user", "inviter", "changed_by", "reason"]
    list_select_related = ["user", "inviter", "changed_by"]
    search_fields = ["user__phone", "inviter__phone", "changed_by__phone", "reason"]
    date_hierarchy = "at"
    fields = readonly_fields = ("at", "user", "inviter", "changed_by", "reason")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CodeRecordAdmin(admin.ModelAdmin):
    """A read-only record about a login code, shown with its phone (never the code)."""

    list_select_related = ["code__phone"]

    def get_readonly_fields(self, request, obj=None):
        return self.list_display

    def get_fields(self, request, obj=None):
        return self.list_display

    @admin.display(description=_("phone"), ordering="code__phone__number")
    def phone(self, record):
        return record.code.phone

    def has_add_permission(self, request):
        return False


@admin.register(CodeMessage)
class CodeMessageAdmin(CodeRecordAdmin):
    """The SMS queue and its deliveries: what waits, what went out, what failed and why."""

    list_display = [
        "phone",
        "source",
        "created",
        "state",
        "sent",
        "delivery_tries",
        "delivery_error",
        "next_try",
        "claimed_by",
        "leased_until",
    ]
    list_filter = ["state", "delivery_tries"]
    search_fields = ["code__phone__number", "source", "delivery_error", "claimed_by"]
    date_hierarchy = "created_at"
    created = to_the_second(CodeMessage, "created_at")
    sent = to_the_second(CodeMessage, "sent_at")
    next_try = to_the_second(CodeMessage, "next_try_at")
    leased_until = to_the_second(CodeMessage, "lease_until")

    def changelist_view(self, request, extra_context=None):
        queue = delivery.queue_state(now=timezone.now())
        message = gettext(
            "Queue: %(pending)s pending, the oldest %(oldest)s s old, "
            "%(expired)s held by a worker past its lease."
        )
        self.message_user(
            request,
            message
            % {
                "pending": queue["pending"],
                "oldest": queue["oldest_seconds"],
                "expired": queue["expired_leases"],
            },
            messages.INFO,
        )
        return super().changelist_view(request, extra_context)


@admin.register(WrongGuess)
class WrongGuessAdmin(CodeRecordAdmin):
    """Wrong codes by phone and client address: who is guessing, and at whom."""

    list_display = ["phone", "source", "guessed_at"]
    search_fields = ["code__phone__number", "source"]
    date_hierarchy = "at"
    guessed_at = to_the_second(WrongGuess, "at")


@admin.register(Phone)
class PhoneAdmin(admin.ModelAdmin):
    list_display = ["number", "locked_at"]
    list_filter = [("locked_at", admin.EmptyFieldListFilter)]
    search_fields = ["number"]
    fields = readonly_fields = ("number", "locked_at", "last_day")
    actions = ["lock", "unlock"]

    @admin.display(description=_("Last 24 hours"))
    def last_day(self, phone):
        activity = selectors.recent_activity(phone=phone, now=timezone.now())
        sms = gettext("%(count)s SMS") % {"count": activity.messages}
        wrong = ngettext(
            "%(count)s wrong code", "%(count)s wrong codes", activity.wrong_guesses
        ) % {"count": activity.wrong_guesses}
        sources = ngettext(
            "from %(count)s address", "from %(count)s addresses", activity.guessing_sources
        ) % {"count": activity.guessing_sources}
        return gettext("%(sms)s; %(wrong)s %(sources)s") % {
            "sms": sms,
            "wrong": wrong,
            "sources": sources,
        }

    @admin.action(description=_("Block: no codes are sent or accepted until unblocked"))
    def lock(self, request, queryset):
        for phone in queryset:
            services.lock_phone(phone=phone, now=timezone.now())
        count = queryset.count()
        message = ngettext("Blocked %(count)s number.", "Blocked %(count)s numbers.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Unblock, and forget the wrong codes of the last 24 hours"))
    def unlock(self, request, queryset):
        for phone in queryset:
            services.unlock_phone(phone=phone)
        count = queryset.count()
        message = ngettext("Unblocked %(count)s number.", "Unblocked %(count)s numbers.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


# simplejwt's token blacklist. Its names are simplejwt's messages, but Django looks for
# Russian in "ru" and simplejwt ships "ru_RU", so our catalogue has them (marked here, so
# that makemessages keeps them). Its columns and fields show model fields that have no
# verbose name: the admin classes below name them.
SIMPLEJWT_MESSAGES = [
    gettext_noop("Token Blacklist"),
    gettext_noop("Outstanding Token"),
    gettext_noop("Outstanding Tokens"),
    gettext_noop("Blacklisted Token"),
    gettext_noop("Blacklisted Tokens"),
    gettext_noop("Token for %(user)s (%(jti)s)"),
    gettext_noop("Blacklisted token for %(user)s"),
    gettext_noop("jti"),
    gettext_noop("user"),
]


admin.site.unregister(OutstandingToken)


@admin.register(OutstandingToken)
class OutstandingTokenAdmin(token_admin.OutstandingTokenAdmin):
    """simplejwt's, read-only as it is, with its columns and fields named, and without the
    token itself: a live refresh token would let whoever reads it log in as its user."""

    list_display = ("token_jti", "token_user", "token_created_at", "token_expires_at")
    fields = (
        "token_id",
        "token_user",
        "token_jti",
        "token_created_at",
        "token_expires_at",
    )

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("ID"))
    def token_id(self, token):
        return token.pk

    @admin.display(description=_("jti"), ordering="jti")
    def token_jti(self, token):
        return token.jti

    @admin.display(description=_("user"), ordering="user")
    def token_user(self, token):
        return token.user

    @admin.display(description=_("created at"), ordering="created_at")
    def token_created_at(self, token):
        return token.created_at

    @admin.display(description=_("expires at"), ordering="expires_at")
    def token_expires_at(self, token):
        return token.expires_at


class BlacklistedTokenForm(forms.ModelForm):
    class Meta:
        model = BlacklistedToken
        fields = ["token"]
        labels = {"token": capfirst(_("token"))}


admin.site.unregister(BlacklistedToken)


@admin.register(BlacklistedToken)
class BlacklistedTokenAdmin(token_admin.BlacklistedTokenAdmin):
    """simplejwt's, with its form and the blacklisting moment named."""

    form = BlacklistedTokenForm
    list_display = (
        "token_jti",
        "token_user",
        "token_created_at",
        "token_expires_at",
        "token_blacklisted_at",
    )

    @admin.display(description=_("blacklisted at"), ordering="blacklisted_at")
    def token_blacklisted_at(self, entry):
        return entry.blacklisted_at
