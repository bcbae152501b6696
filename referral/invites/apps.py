from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvitesConfig(AppConfig):
    """The referral tree: activating invite codes, the profile. No models of its own: the
    tree is in accounts' User (invited_by), which this app changes through its services."""

    name = "referral.invites"
    label = "invites"
    verbose_name = _("Invites")
