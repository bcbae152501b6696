from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "referral.core"
    label = "core"
    verbose_name = _("Core")


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site (referral.core.admin_site.AdminSite)."""

    default = False  # referral.core itself is CoreConfig; this one is named in INSTALLED_APPS
    default_site = "referral.core.admin_site.AdminSite"
