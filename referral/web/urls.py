from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("ui/phone/", views.phone, name="phone"),
    path("ui/code/", views.code, name="code"),
    path("ui/code/resend/", views.resend, name="resend"),
    path("ui/profile/", views.profile, name="profile"),
    path("ui/profile/activate/", views.activate, name="activate"),
    path("ui/logout/", views.logout, name="logout"),
    path("r/<str:code>/", views.share, name="share"),
]
