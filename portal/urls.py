from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views
from portal.forms import LoginForm, StyledPasswordChangeForm
from portal.zones import Routes, app_urlpatterns

ZONED_APPS = ["powers", "workflow", "workflow.exchange", "supervision", "video"]

admin.site.site_header = admin.site.site_title = settings.SITE_NAME

accounts = [
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/", auth_views.PasswordChangeView.as_view(form_class=StyledPasswordChangeForm), name="password_change"
    ),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("profile/", views.profile, name="profile"),
]

routes = Routes(
    both=[
        path("", views.home, name="home"),
        path("healthz", views.healthz, name="healthz"),
        path("accounts/", include(accounts)),
        path("i18n/", include("django.conf.urls.i18n")),
    ],
    external=[path("accounts/register/", views.register, name="register")],
    internal=[path("admin/", admin.site.urls)],
)


def build_urlpatterns(zone: str) -> list:
    patterns = routes.for_zone(zone)
    for app_label in ZONED_APPS:
        patterns += app_urlpatterns(zone, app_label)
    return patterns


urlpatterns = build_urlpatterns(settings.PORTAL_ZONE)
