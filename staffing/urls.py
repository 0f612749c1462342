from django.urls import path

from staffing import import_views, master_data_views, views

app_name = "staffing"

urlpatterns = [
    path("positions/", views.PositionListView.as_view(), name="position-list"),
    path("positions/new/", views.PositionCreateView.as_view(), name="position-create"),
    path("positions/<int:pk>/", views.PositionDetailView.as_view(), name="position-detail"),
    path("positions/<int:pk>/edit/", views.PositionUpdateView.as_view(), name="position-update"),
    path("positions/<int:pk>/delete/", views.PositionDeleteView.as_view(), name="position-delete"),
    path("positions/<int:pk>/assignments/new/", views.AssignmentCreateView.as_view(), name="assignment-create"),
    path("assignments/<int:pk>/edit/", views.AssignmentUpdateView.as_view(), name="assignment-update"),
    path("assignments/<int:pk>/end/", views.AssignmentEndView.as_view(), name="assignment-end"),
    path("assignments/<int:pk>/delete/", views.AssignmentDeleteView.as_view(), name="assignment-delete"),
    path("imports/", import_views.ImportListView.as_view(), name="import-list"),
    path("imports/<int:pk>/", import_views.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/confirm/", import_views.ImportConfirmView.as_view(), name="import-confirm"),
    path("imports/<int:pk>/undo/", import_views.ImportUndoView.as_view(), name="import-undo"),
    path("imports/<int:pk>/status/", import_views.ImportJobStatusView.as_view(), name="import-status"),
    path("imports/<int:pk>/retry/", import_views.ImportJobRetryView.as_view(), name="import-retry"),
    path("pay-tables/", views.PayTableView.as_view(), name="paytable-list"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation-list"),
    path("organisations/<int:pk>/", views.OrganisationDetailView.as_view(), name="organisation-detail"),
    # master data (the administrator): staffing/master_data_views.py
    path("organisations/new/", master_data_views.OrganisationCreateView.as_view(), name="organisation-create"),
    path(
        "organisations/<int:pk>/edit/", master_data_views.OrganisationUpdateView.as_view(), name="organisation-update"
    ),
    path("pay-tables/edit/", master_data_views.PayTableEditView.as_view(), name="paytable-edit"),
    path("pay-tables/rates/", master_data_views.YearRatesEditView.as_view(), name="yearrates-edit"),
]
