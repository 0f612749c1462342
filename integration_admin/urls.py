from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from integration_admin import views
from integration_admin.council import urls as council_urls

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("ping/", views.ping, name="ping"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("programs.urls")),
    path("", include("staffing.urls")),
    path("", include("funding.urls")),
    path("meetings/", include((council_urls.meetings_patterns, "meetings"))),
    path("reports/", include((council_urls.reports_patterns, "reports"))),
    path("oparl/v1/", include((council_urls.oparl_patterns, "oparl"))),
]
