from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils import timezone

from . import delivery, services
from .models import CodeMessage, Phone, User, WrongGuess


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
    raw_id_fields = ["invited_by"]
    readonly_fields = ["invite_code", "date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["phone", "password", "invite_code"]}),
        ("Referral", {"fields": ["invited_by", "invited_at"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["date_joined", "last_login"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["phone", "password1", "password2"]})]
    filter_horizontal = ["groups"]


class CodeRecordAdmin(admin.ModelAdmin):
    """A read-only record about a login code, shown with its phone (never the code)."""

    list_select_related = ["code__phone"]

    def get_readonly_fields(self, request, obj=None):
        return self.list_display

    def get_fields(self, request, obj=None):
        return self.list_display

    @admin.display(ordering="code__phone__number")
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
        "created_at",
        "state",
        "sent_at",
        "delivery_tries",
        "delivery_error",
        "next_try_at",
        "claimed_by",
        "lease_until",
    ]
    list_filter = ["state", "delivery_tries"]
    search_fields = ["code__phone__number", "source", "delivery_error", "claimed_by"]
    date_hierarchy = "created_at"

    def changelist_view(self, request, extra_context=None):
        queue = delivery.queue_state(now=timezone.now())
        self.message_user(
            request,
            f"Queue: {queue['pending']} pending, the oldest {queue['oldest_seconds']} s old, "
            f"{queue['expired_leases']} held by a worker past its lease.",
            messages.INFO,
        )
        return super().changelist_view(request, extra_context)


@admin.register(WrongGuess)
class WrongGuessAdmin(CodeRecordAdmin):
    """Wrong codes by phone and client address: who is guessing, and at whom."""

    list_display = ["phone", "source", "at"]
    search_fields = ["code__phone__number", "source"]
    date_hierarchy = "at"


@admin.register(Phone)
class PhoneAdmin(admin.ModelAdmin):
    list_display = ["number", "locked_at"]
    list_filter = [("locked_at", admin.EmptyFieldListFilter)]
    search_fields = ["number"]
    fields = readonly_fields = ("number", "locked_at", "last_day")
    actions = ["lock", "unlock"]

    @admin.display(description="Last 24 hours")
    def last_day(self, phone):
        activity = services.recent_activity(phone=phone, now=timezone.now())
        return (
            f"{activity.messages} SMS; {activity.wrong_guesses} wrong codes "
            f"from {activity.guessing_sources} address(es)"
        )

    @admin.action(description="Block: no codes are sent or accepted until unblocked")
    def lock(self, request, queryset):
        for phone in queryset:
            services.lock_phone(phone=phone, now=timezone.now())
        self.message_user(request, f"Blocked {queryset.count()} number(s).", messages.SUCCESS)

    @admin.action(description="Unblock, and forget the wrong codes of the last 24 hours")
    def unlock(self, request, queryset):
        for phone in queryset:
            services.unlock_phone(phone=phone)
        self.message_user(request, f"Unblocked {queryset.count()} number(s).", messages.SUCCESS)
