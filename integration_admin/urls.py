from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from integration_admin import views

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("ping/", views.ping, name="ping"),
    path("programmes/", views.ProgrammeListView.as_view(), name="programme-list"),
    path("programmes/<int:pk>/", views.ProgrammeDetailView.as_view(), name="programme-detail"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("staffing.urls")),
    path("", include("funding.urls")),
    path("", include("integration_admin.council.urls")),
]
