from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from referral.accounts import api as accounts_api
from referral.core import views as core_views
from referral.invites import api as invites_api

urlpatterns = [
    path("api/auth/request_code/", accounts_api.RequestCodeView.as_view(), name="request-code"),
    path("api/auth/verify_code/", accounts_api.VerifyCodeView.as_view(), name="verify-code"),
    path("api/auth/token/refresh/", accounts_api.RefreshView.as_view(), name="token-refresh"),
    path("api/auth/logout/", accounts_api.LogoutView.as_view(), name="logout"),
    path("api/profile_back/", invites_api.ProfileView.as_view(), name="profile"),
    path(
        "api/profile_back/activate_invite/",
        invites_api.ActivateInviteView.as_view(),
        name="activate-invite",
    ),
    path(
        "api/profile_back/invited_users/",
        invites_api.InvitedUsersView.as_view(),
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
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("", include("referral.web.urls")),
]

handler400 = core_views.bad_request
handler404 = core_views.not_found
handler500 = core_views.server_error
