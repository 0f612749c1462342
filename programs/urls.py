from django.urls import path

from programs import views

app_name = "programs"

urlpatterns = [
    path("programmes/", views.ProgrammeListView.as_view(), name="programme-list"),
    path("programmes/<int:pk>/", views.ProgrammeDetailView.as_view(), name="programme-detail"),
]
