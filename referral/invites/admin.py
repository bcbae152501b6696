"""The operator's change of the referral tree: accounts' user page, plus "Set the inviter…".

Here, not in accounts, since the change is an activation (services.set_inviter_by_operator).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from referral.accounts import admin as accounts
from referral.accounts.invite_codes import normalize_invite_code
from referral.accounts.models import ReferralChange, User
from referral.core.errors import DomainError, InviteInvalid

from . import services


class InviterForm(forms.Form):
    """An operator's change to the referral tree: the inviter's code, and why."""

    code = forms.CharField(label=_("The inviter's invite code"), max_length=32)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded with your name: why the tree changes (a ticket, a request)."),
    )

    def clean_code(self):
        code = normalize_invite_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(InviteInvalid.message, code=InviteInvalid.code)
        return code


# The activation's refusals, said to the operator (the API's messages speak to the invitee).
OPERATOR_REFUSALS = {
    "invite_cycle": _(
        "Refused: that would make a cycle. The chosen inviter was invited by this user, "
        "directly or further down."
    ),
    "invite_already_activated": _(
        "Refused: this user already has an inviter. The tree changes once per user, "
        "as an activation does."
    ),
    "invite_own": _("Refused: a user cannot be their own inviter."),
    "invite_not_found": _("There is no active user with this invite code."),
    "account_disabled": _("Refused: this user's account is disabled."),
}


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(accounts.UserAdmin):
    readonly_fields = [*accounts.UserAdmin.readonly_fields, "referral_change"]
    fieldsets = [
        accounts.UserAdmin.fieldsets[0],
        (_("Referral"), {"fields": ["invited_by", "invited_at", "referral_change"]}),
        *accounts.UserAdmin.fieldsets[2:],
    ]

    @admin.display(description=_("Set by an operator"))
    def referral_change(self, user):
        """How the inviter was set by an operator, or the way to set one."""
        change = ReferralChange.objects.filter(user=user).select_related("changed_by").first()
        if change is not None:
            return gettext("Set by %(operator)s at %(at)s: %(reason)s") % {
                "operator": change.changed_by,
                "at": f"{change.at:%Y-%m-%d %H:%M:%S}",
                "reason": change.reason,
            }
        if user.pk is None or user.invited_by_id is not None:
            return "—"
        url = reverse("admin:accounts_user_inviter", args=[user.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Set the inviter…"))

    def get_urls(self):
        inviter = path(
            "<int:user_id>/inviter/",
            self.admin_site.admin_view(self.set_inviter_view),
            name="accounts_user_inviter",
        )
        return [inviter, *super().get_urls()]

    def set_inviter_view(self, request, user_id):
        """The one way an operator changes the tree: an activation, recorded with who and why."""
        user = get_object_or_404(User, pk=user_id)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        form = InviterForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                services.set_inviter_by_operator(
                    user_id=user.pk,
                    code=form.cleaned_data["code"],
                    operator_id=request.user.pk,
                    reason=form.cleaned_data["reason"],
                    now=timezone.now(),
                )
            except DomainError as refused:
                form.add_error(None, OPERATOR_REFUSALS.get(refused.code, refused.message))
            else:
                self.message_user(request, gettext("The inviter is set."), messages.SUCCESS)
                return redirect("admin:accounts_user_change", user.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": user,
            "form": form,
            "title": gettext("Set the inviter of %(user)s") % {"user": user},
        }
        status = 400 if form.is_bound else 200
        return TemplateResponse(
            request, "admin/accounts/user/set_inviter.html", context, status=status
        )
