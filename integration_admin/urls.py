from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from integration_admin import account_views, land_views, master_data, views
from integration_admin.core import views as core_views
from integration_admin.forms import PasswordChangeForm

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("ping/", views.ping, name="ping"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("filters/", views.SavedFilterView.as_view(), name="saved-filters"),
    path("filters/<int:pk>/delete/", views.SavedFilterDeleteView.as_view(), name="savedfilter-delete"),
    path("master-data/", master_data.MasterDataView.as_view(), name="master-data"),
    # The Land's view across bodies (figures, no names): its users see nothing else (land_views).
    path("land/", land_views.LandPageView.as_view(), name="land"),
    path("programmes/", views.ProgrammeListView.as_view(), name="programme-list"),
    path("programmes/<int:pk>/", views.ProgrammeDetailView.as_view(), name="programme-detail"),
    # Documents of any record (a decision, a council paper …): who may download and delete them is
    # the record's answer (integration_admin.core.views).
    path("documents/<int:pk>/", core_views.DocumentDownloadView.as_view(), name="document-download"),
    path("documents/<int:pk>/delete/", core_views.DocumentDeleteView.as_view(), name="document-delete"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The user's own account: password (Django's views) and the second factor (integration_admin.mfa).
    path(
        "konto/passwort/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm),
        name="password_change",
    ),
    path("konto/passwort/geaendert/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("konto/erinnerungen/", account_views.ReminderSettingsView.as_view(), name="reminder-settings"),
    path("konto/zwei-faktor/", account_views.SecondFactorVerifyView.as_view(), name="mfa-verify"),
    path("konto/zwei-faktor/einrichten/", account_views.SecondFactorSetupView.as_view(), name="mfa-setup"),
    # The language switch (Django's view) also on the login page, before anyone has logged in.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("staffing.urls")),
    path("", include("funding.urls")),
    path("", include("integration_admin.council.urls")),
]
