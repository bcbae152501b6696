from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from . import services
from .models import Phone, PhoneCode, User


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


DELIVERY_FIELDS = [
    "created_at",
    "expires_at",
    "attempts",
    "used_at",
    "sent_at",
    "delivery_tries",
    "delivery_error",
]


class PhoneCodeInline(admin.TabularInline):
    model = PhoneCode
    fields = readonly_fields = DELIVERY_FIELDS  # never the hash
    ordering = ["-created_at"]
    extra = 0
    can_delete = False
    max_num = 0


@admin.register(PhoneCode)
class PhoneCodeAdmin(admin.ModelAdmin):
    """Deliveries, for the operator: which codes went out, which failed and why."""

    list_display = ["phone", *DELIVERY_FIELDS]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), "delivery_tries"]
    search_fields = ["phone__number", "delivery_error"]
    fields = readonly_fields = ["phone", *DELIVERY_FIELDS]
    list_select_related = ["phone"]

    def has_add_permission(self, request):
        return False


@admin.register(Phone)
class PhoneAdmin(admin.ModelAdmin):
    inlines = [PhoneCodeInline]
    list_display = ["number", "failed_attempts", "paused_until", "locked_at"]
    list_filter = [("locked_at", admin.EmptyFieldListFilter)]
    search_fields = ["number"]
    readonly_fields = ["number", "failed_attempts", "paused_until", "locked_at"]
    actions = ["unlock"]

    @admin.action(description="Unlock: clear failures, pause and lock")
    def unlock(self, request, queryset):
        for phone in queryset:
            services.unlock_phone(phone=phone)
        self.message_user(request, f"Unlocked {queryset.count()} number(s).", messages.SUCCESS)
