from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.cache import never_cache
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from referral.accounts import api as accounts_api
from referral.core import metrics
from referral.core import views as core_views
from referral.invites import api as invites_api


def private(view):
    """Answers that carry tokens or a person's data: never stored by a browser or a proxy."""
    return never_cache(view.as_view())


urlpatterns = [
    path("api/auth/request_code/", private(accounts_api.RequestCodeView), name="request-code"),
    path("api/auth/verify_code/", private(invites_api.VerifyCodeView), name="verify-code"),
    path("api/auth/token/refresh/", private(accounts_api.RefreshView), name="token-refresh"),
    path("api/auth/logout/", private(accounts_api.LogoutView), name="logout"),
    path("api/profile_back/", private(invites_api.ProfileView), name="profile"),
    path(
        "api/profile_back/activate_invite/",
        private(invites_api.ActivateInviteView),
        name="activate-invite",
    ),
    path(
        "api/profile_back/invited_users/",
        private(invites_api.InvitedUsersView),
        name="invited-users",
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI and ReDoc set inline styles (never inline scripts); ReDoc runs a blob: worker.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE], "img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="swagger-ui",
    ),
    path(
        "api/redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="schema")
        ),
        name="redoc",
    ),
    re_path(r"^api/", core_views.api_not_found),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),  # the pages' language switcher
    path("", include("referral.web.urls")),
]
if settings.ADMIN_URL:  # "" switches the admin off
    urlpatterns.insert(-1, path(settings.ADMIN_URL, admin.site.urls))

handler400 = core_views.bad_request
handler404 = core_views.not_found
handler500 = core_views.server_error
