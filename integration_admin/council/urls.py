"""URLs of the council app, namespace ``council``: committee sessions (/meetings/), council papers
(/reports/) and the OParl interface (/oparl/v1/, namespace ``council:oparl``)."""

from django.urls import include, path

from integration_admin.council import oparl, views

app_name = "council"

meetings_patterns = [
    path("", views.MeetingListView.as_view(), name="meeting-list"),
    path("new/", views.MeetingCreateView.as_view(), name="meeting-create"),
    path("<int:pk>/", views.MeetingDetailView.as_view(), name="meeting-detail"),
    path("<int:pk>/edit/", views.MeetingUpdateView.as_view(), name="meeting-update"),
    path("<int:pk>/delete/", views.MeetingDeleteView.as_view(), name="meeting-delete"),
    path("<int:meeting_pk>/items/new/", views.AgendaItemCreateView.as_view(), name="agendaitem-create"),
    path("items/<int:pk>/", views.AgendaItemDetailView.as_view(), name="agendaitem-detail"),
    path("items/<int:pk>/edit/", views.AgendaItemUpdateView.as_view(), name="agendaitem-update"),
    path("items/<int:pk>/delete/", views.AgendaItemDeleteView.as_view(), name="agendaitem-delete"),
    path("items/<int:pk>/excerpt/", views.AgendaItemExcerptView.as_view(), name="agendaitem-excerpt"),
    path("items/<int:pk>/excerpt/pdf/", views.AgendaItemExcerptPdfView.as_view(), name="agendaitem-excerpt-pdf"),
    path(
        "items/<int:pk>/excerpt/pdf/job/", views.AgendaItemExcerptJobStartView.as_view(), name="agendaitem-excerpt-job"
    ),
    path("committees/", views.CommitteeListView.as_view(), name="committee-list"),
    path("committees/new/", views.CommitteeCreateView.as_view(), name="committee-create"),
    path("committees/<int:pk>/", views.CommitteeDetailView.as_view(), name="committee-detail"),
    path("committees/<int:pk>/edit/", views.CommitteeUpdateView.as_view(), name="committee-update"),
    path("committees/<int:pk>/delete/", views.CommitteeDeleteView.as_view(), name="committee-delete"),
]

reports_patterns = [
    path("", views.ReportListView.as_view(), name="report-list"),
    path("new/", views.ReportCreateView.as_view(), name="report-create"),
    path("<int:pk>/", views.ReportDetailView.as_view(), name="report-detail"),
    path("<int:pk>/edit/", views.ReportUpdateView.as_view(), name="report-update"),
    path("<int:pk>/delete/", views.ReportDeleteView.as_view(), name="report-delete"),
    path("<int:pk>/preview/", views.ReportPreviewView.as_view(), name="report-preview"),
    path("<int:pk>/pdf/", views.ReportPdfView.as_view(), name="report-pdf"),
    path("<int:pk>/pdf/job/", views.ReportJobStartView.as_view(), name="report-pdf-job"),
    path("jobs/<int:pk>/", views.ReportJobDetailView.as_view(), name="job-detail"),
    path("jobs/<int:pk>/status/", views.ReportJobStatusView.as_view(), name="job-status"),
    path("jobs/<int:pk>/retry/", views.ReportJobRetryView.as_view(), name="job-retry"),
    path("jobs/<int:pk>/pdf/", views.ReportJobPdfView.as_view(), name="job-pdf"),
    path("<int:pk>/release/", views.ReportReleaseView.as_view(), name="report-release"),
    path("<int:pk>/supplement/", views.ReportSupplementView.as_view(), name="report-supplement"),
    path("<int:pk>/documents/new/", views.ReportDocumentUploadView.as_view(), name="report-document-upload"),
    path("<int:report_pk>/sections/new/", views.SectionCreateView.as_view(), name="section-create"),
    path("sections/<int:pk>/edit/", views.SectionUpdateView.as_view(), name="section-update"),
    path("sections/<int:pk>/delete/", views.SectionDeleteView.as_view(), name="section-delete"),
    path("<int:report_pk>/consultations/new/", views.ConsultationCreateView.as_view(), name="consultation-create"),
    path("consultations/<int:pk>/edit/", views.ConsultationUpdateView.as_view(), name="consultation-update"),
    path("consultations/<int:pk>/delete/", views.ConsultationDeleteView.as_view(), name="consultation-delete"),
]

oparl_patterns = [
    path("", oparl.system, name="system"),
    path("bodies/", oparl.body_list, name="body-list"),
    path("body/<int:pk>/", oparl.body, name="body"),
    path("body/<int:pk>/organizations/", oparl.organization_list, name="organization-list"),
    path("body/<int:pk>/meetings/", oparl.meeting_list, name="meeting-list"),
    path("body/<int:pk>/papers/", oparl.paper_list, name="paper-list"),
    path("body/<int:pk>/agendaItems/", oparl.agenda_item_list, name="agendaitem-list"),
    path("body/<int:pk>/files/", oparl.file_list, name="file-list"),
    path("body/<int:pk>/people/", oparl.person_list, name="person-list"),
    path("organization/<int:pk>/", oparl.organization, name="organization"),
    path("organization/<int:pk>/meetings/", oparl.organization_meeting_list, name="organization-meeting-list"),
    path("meeting/<int:pk>/", oparl.meeting, name="meeting"),
    path("meeting/<int:pk>/location/", oparl.location, name="location"),
    path("agendaItem/<int:pk>/", oparl.agenda_item, name="agendaitem"),
    path("paper/<int:pk>/", oparl.paper, name="paper"),
    path("consultation/<int:pk>/", oparl.consultation, name="consultation"),
    path("file/<int:pk>/", oparl.file, name="file"),
    path("file/<int:pk>/access/", oparl.file_access, name="file-access"),
    path("file/<int:pk>/download/", oparl.file_download, name="file-download"),
]

urlpatterns = [
    path("meetings/", include(meetings_patterns)),
    path("reports/", include(reports_patterns)),
    path("oparl/v1/", include((oparl_patterns, "oparl"))),
]
