"""Pages for committees, meetings, agenda items and reports (council papers).

Everyone logged in reads what is public; non-public papers and agenda items (with their results,
minutes and excerpts) only the department head, the administrator and the committee's members
(``ReportQuerySet.readable_by``, ``AgendaItemQuerySet.readable_by``, applied in each view's
queryset: 404 for everyone else, and the lists leave them out). The department head and the
administrator compose, release and print (``HeadOrAdministratorRequiredMixin``: 403 otherwise).
A released report is frozen: every view that would change it or its sections or consultations
answers 403.

PDF views run outside the request transaction (``non_atomic_requests``): rendering takes a while
and must not hold a transaction open; releasing writes in its own short transaction.
"""

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, ProtectedError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import CreateView, DeleteView, DetailView, UpdateView

from integration_admin.core.audit import log_access
from integration_admin.core.documents import DocumentForm, documents_of
from integration_admin.core.forms import query_int
from integration_admin.core.models import StaleRevision
from integration_admin.core.permissions import HeadOrAdministratorRequiredMixin
from integration_admin.core.views import (
    CreateOnceMixin,
    DocumentUploadView,
    FilteredTableView,
    RevisionCheckMixin,
    refuse_stale_form,
)
from integration_admin.council import jobs, services
from integration_admin.council.checks import release_findings
from integration_admin.council.documents import (
    DIRECT_PDF_MAX_PAGES,
    EXCERPT_TEMPLATE,
    PAPER_TEMPLATE,
    estimate_excerpt_pages,
    estimate_pages,
    excerpt_context,
    excerpt_file_name,
    paper_context,
    render_excerpt_pdf,
    render_report_pdf,
    report_snapshot,
)
from integration_admin.council.filters import CommitteeFilter, MeetingFilter, ReportFilter
from integration_admin.council.forms import (
    RESULT_SUGGESTIONS,
    AgendaItemForm,
    CommitteeForm,
    ConsultationForm,
    MeetingForm,
    ReleaseForm,
    ReportForm,
    SectionForm,
)
from integration_admin.council.models import (
    AgendaItem,
    Committee,
    Consultation,
    Meeting,
    Report,
    ReportJob,
    ReportJobKind,
    ReportJobStatus,
    ReportSection,
)
from integration_admin.council.pdf import RenderError
from integration_admin.council.snapshot import build_snapshot
from integration_admin.council.tables import CommitteeTable, MeetingTable, ReportTable
from staffing.models import Organisation

logger = logging.getLogger(__name__)

non_atomic = method_decorator(transaction.non_atomic_requests, name="dispatch")


def can_compose(user) -> bool:
    return user.is_authenticated and (user.is_head or user.is_administrator)


def pdf_response(content: bytes, file_name: str, *, etag: str | None = None) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    response["Content-Length"] = str(len(content))
    if etag:
        response["ETag"] = f'"{etag}"'
    return response


def render_failed(request, error: Exception, what: str) -> TemplateResponse:
    """Log the failure and tell the user in German; nothing was changed."""
    logger.error("PDF-Erzeugung fehlgeschlagen (%s): %s", what, error, exc_info=error)
    return TemplateResponse(request, "council/pdf_error.html", {"what": what}, status=500)


class ProtectedDeleteMixin:
    """Deleting something other records still refer to gives a message, never a 500."""

    protected_message = ""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except ProtectedError:
            messages.error(self.request, self.protected_message)
            return redirect(self.object.get_absolute_url())


# --- Committees --------------------------------------------------------------------------------


class CommitteeListView(FilteredTableView):
    def get_queryset(self):
        return Committee.objects.annotate(meeting_count=Count("meetings")).order_by("sort_order", "name")

    table_class = CommitteeTable
    filterset_class = CommitteeFilter
    template_name = "council/committee_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_compose=can_compose(self.request.user), **kwargs)


class CommitteeDetailView(DetailView):
    template_name = "council/committee_detail.html"
    model = Committee

    def get_context_data(self, **kwargs):
        meetings = self.object.meetings.with_item_count(self.request.user).order_by("-start")
        return super().get_context_data(meetings=meetings, can_compose=can_compose(self.request.user), **kwargs)


class CommitteeCreateView(HeadOrAdministratorRequiredMixin, CreateOnceMixin, CreateView):
    template_name = "council/committee_form.html"
    model = Committee
    form_class = CommitteeForm


class CommitteeUpdateView(HeadOrAdministratorRequiredMixin, RevisionCheckMixin, UpdateView):
    template_name = "council/committee_form.html"
    model = Committee
    form_class = CommitteeForm


class CommitteeDeleteView(HeadOrAdministratorRequiredMixin, ProtectedDeleteMixin, DeleteView):
    template_name = "council/committee_confirm_delete.html"
    model = Committee
    success_url = reverse_lazy("council:committee-list")
    protected_message = gettext_lazy("Das Gremium hat Sitzungen oder Beratungen und kann nicht gelöscht werden.")


# --- Meetings and agenda items ----------------------------------------------------------------


class MeetingListView(FilteredTableView):
    table_class = MeetingTable
    filterset_class = MeetingFilter
    template_name = "council/meeting_list.html"

    def get_queryset(self):
        # the agenda items counted are those the user may read (need to know)
        return Meeting.objects.select_related("committee").with_item_count(self.request.user).order_by("-start", "pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_compose=can_compose(self.request.user), **kwargs)


def readable_consultations(user):
    """The consultations of the papers ``user`` may read, with their paper (for the lists of papers of an item)."""
    return Consultation.objects.filter(report__in=Report.objects.readable_by(user)).select_related("report")


class MeetingDetailView(DetailView):
    template_name = "council/meeting_detail.html"
    model = Meeting

    def get_queryset(self):
        user = self.request.user
        return Meeting.objects.select_related("committee").prefetch_related(
            Prefetch(
                "agenda_items",
                AgendaItem.objects.readable_by(user)
                .order_by("order", "number")
                .prefetch_related(Prefetch("consultations", readable_consultations(user))),
            )
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_compose=can_compose(self.request.user), **kwargs)


class MeetingCreateView(HeadOrAdministratorRequiredMixin, CreateOnceMixin, CreateView):
    template_name = "council/meeting_form.html"
    model = Meeting
    form_class = MeetingForm

    def get_initial(self):
        wanted = query_int(self.request.GET.get("committee"))
        committee = Committee.objects.filter(pk=wanted).first() if wanted is not None else None
        return {"committee": committee} if committee else {}


class MeetingUpdateView(HeadOrAdministratorRequiredMixin, RevisionCheckMixin, UpdateView):
    template_name = "council/meeting_form.html"
    model = Meeting
    form_class = MeetingForm


class MeetingDeleteView(HeadOrAdministratorRequiredMixin, ProtectedDeleteMixin, DeleteView):
    template_name = "council/meeting_confirm_delete.html"
    model = Meeting
    success_url = reverse_lazy("council:meeting-list")
    protected_message = gettext_lazy(
        "Die Sitzung kann nicht gelöscht werden: Vorlagen beziehen sich auf sie oder auf ihre Tagesordnungspunkte."
    )


class AgendaItemDetailView(DetailView):
    template_name = "council/agendaitem_detail.html"
    model = AgendaItem

    def get_queryset(self):
        user = self.request.user
        return (
            AgendaItem.objects.readable_by(user)
            .select_related("meeting__committee")
            .prefetch_related(Prefetch("consultations", readable_consultations(user)))
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_compose=can_compose(self.request.user), **kwargs)


class AgendaItemCreateView(HeadOrAdministratorRequiredMixin, CreateOnceMixin, CreateView):
    template_name = "council/agendaitem_form.html"
    model = AgendaItem
    form_class = AgendaItemForm

    def dispatch(self, request, *args, **kwargs):
        self.meeting = get_object_or_404(Meeting.objects.select_related("committee"), pk=kwargs["meeting_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = AgendaItem(meeting=self.meeting)
        return kwargs

    def get_initial(self):
        last = self.meeting.agenda_items.order_by("-order").values_list("order", flat=True).first()
        return {"order": (last or 0) + 1}

    def get_context_data(self, **kwargs):
        return super().get_context_data(meeting=self.meeting, suggestions=RESULT_SUGGESTIONS, **kwargs)

    def get_success_url(self):
        return self.meeting.get_absolute_url()


class AgendaItemUpdateView(HeadOrAdministratorRequiredMixin, RevisionCheckMixin, UpdateView):
    template_name = "council/agendaitem_form.html"

    def get_queryset(self):
        return AgendaItem.objects.select_related("meeting__committee")

    form_class = AgendaItemForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(meeting=self.object.meeting, suggestions=RESULT_SUGGESTIONS, **kwargs)


class AgendaItemDeleteView(HeadOrAdministratorRequiredMixin, ProtectedDeleteMixin, DeleteView):
    template_name = "council/agendaitem_confirm_delete.html"

    def get_queryset(self):
        return AgendaItem.objects.select_related("meeting__committee")

    protected_message = gettext_lazy(
        "Der Tagesordnungspunkt kann nicht gelöscht werden: Vorlagen beziehen sich auf ihn."
    )

    def get_success_url(self):
        return self.object.meeting.get_absolute_url()


class ReadableAgendaItemMixin:
    """The excerpt of the minutes of an item the user may read (need to know; 404 otherwise)."""

    model = AgendaItem

    def get_queryset(self):
        return AgendaItem.objects.readable_by(self.request.user).select_related("meeting__committee")


class AgendaItemExcerptView(ReadableAgendaItemMixin, DetailView):
    """ "Auszug aus der Niederschrift": HTML preview, or the PDF with ``?format=pdf``."""

    def render_to_response(self, context, **response_kwargs):
        context = excerpt_context(self.object)
        with translation.override("de"):  # rendered now, in German: the excerpt is a German document
            return render(self.request, EXCERPT_TEMPLATE, {**context, "preview": self.preview_links()})

    def preview_links(self) -> dict:
        return {
            "back_url": self.object.get_absolute_url(),
            "pdf_url": reverse("council:agendaitem-excerpt-pdf", args=[self.object.pk]),
        }


@non_atomic
class AgendaItemExcerptPdfView(ReadableAgendaItemMixin, DetailView):
    """The excerpt as PDF, rendered now; a long one (minutes of many pages) is offered as a background job."""

    def render_to_response(self, context, **response_kwargs):
        item = self.object
        pages = estimate_excerpt_pages(item)
        if pages > DIRECT_PDF_MAX_PAGES:  # too long to print within a request: offer the background job
            recent = item.excerpt_jobs.defer("content").filter(requested_by=self.request.user)[:5]
            context = {"item": item, "pages": pages, "jobs": recent}
            return TemplateResponse(self.request, "council/excerpt_job_offer.html", context)
        try:
            content = render_excerpt_pdf(item)
        except RenderError as error:
            return render_failed(self.request, error, f"Auszug TOP {item.number}, Sitzung {item.meeting_id}")
        log_access(self.request, "pdf-download", item)
        return pdf_response(content, excerpt_file_name(item))


class AgendaItemExcerptJobStartView(View):
    """POST: make a long excerpt's PDF in the background, then watch the job (whoever may read the excerpt)."""

    def post(self, request, pk):
        item = get_object_or_404(AgendaItem.objects.readable_by(request.user), pk=pk)
        job = jobs.start_excerpt(item, request.user)
        return redirect(job.get_absolute_url())


# --- Reports --------------------------------------------------------------------------------


class ReportListView(FilteredTableView):
    table_class = ReportTable
    filterset_class = ReportFilter
    template_name = "council/report_list.html"

    def get_queryset(self):
        return Report.objects.readable_by(self.request.user).select_related("lead_office").order_by("-date", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_compose=can_compose(self.request.user), **kwargs)


class ReportDetailView(DetailView):
    template_name = "council/report_detail.html"
    model = Report

    def get_queryset(self):
        user = self.request.user
        # a consultation's agenda item: its result and page only where the user may read the item
        item_readable = Exists(AgendaItem.objects.readable_by(user).filter(pk=OuterRef("agenda_item_id")))
        consultations = Consultation.objects.select_related("committee", "meeting", "agenda_item").annotate(
            item_readable=item_readable
        )
        return (
            Report.objects.select_related(
                "lead_office", "related_agenda_item__meeting__committee", "supplements", "released_by", "file"
            )
            .prefetch_related(Prefetch("sections", ReportSection.objects.select_related("programme")))
            .readable_by(user)
            .annotate(
                related_readable=Exists(
                    AgendaItem.objects.readable_by(user).filter(pk=OuterRef("related_agenda_item_id"))
                )
            )
            .prefetch_related(
                Prefetch("consultations", consultations),
                Prefetch("supplement_reports", Report.objects.readable_by(user), to_attr="readable_supplements"),
            )
            .defer("file__content", "snapshot")
        )

    def get_context_data(self, **kwargs):
        parent = self.object.supplemented_report_for(self.request.user)
        release_job = findings = None
        if not self.object.is_released and can_compose(self.request.user):  # those who release: say
            release_job = self.object.jobs.filter(kind=ReportJobKind.RELEASE).defer("content").first()  # how it goes
            findings = release_findings(self.object, build_snapshot(self.object))  # and what the data still lack
        parents = [(self.object, str(self.object))]
        documents_changeable = self.object.documents_changeable_by(self.request.user)
        return super().get_context_data(
            can_compose=can_compose(self.request.user),
            parent=parent,
            release_job=release_job,
            findings=findings,
            documents=documents_of(parents),
            documents_changeable=documents_changeable,
            upload_form=DocumentForm(parents=parents) if documents_changeable else None,
            upload_url=reverse("council:report-document-upload", args=[self.object.pk]),
            **kwargs,
        )


class ReportDocumentUploadView(DocumentUploadView):
    """Upload a document (a scan, an enclosure) to a paper the user may read: the department head
    and the administrator (``Report.documents_changeable_by``)."""

    def get_record(self):
        return get_object_or_404(Report.objects.readable_by(self.request.user), pk=self.kwargs["pk"])


class DraftReportMixin(HeadOrAdministratorRequiredMixin):
    """Views that change a report or its parts: only for drafts."""

    report_kwarg = "report_pk"

    def get_report(self) -> Report:
        if not hasattr(self, "_report"):
            pk = self.kwargs.get(self.report_kwarg)
            self._report = get_object_or_404(Report, pk=pk) if pk is not None else self.get_object().report
        return self._report

    def check_draft(self, report: Report) -> None:
        if report.is_released:
            raise PermissionDenied(_("Eine freigegebene Vorlage kann nicht mehr geändert werden."))

    def dispatch(self, request, *args, **kwargs):
        if not self.test_func():
            return self.handle_no_permission()
        self.check_draft(self.get_report())
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self):
        return self.get_report().get_absolute_url()


class ReportCreateView(HeadOrAdministratorRequiredMixin, CreateOnceMixin, CreateView):
    template_name = "council/report_form.html"
    model = Report
    form_class = ReportForm

    def get_initial(self):
        return {
            "date": timezone.localdate(),
            "lead_office": Organisation.objects.filter(short_name="KI").first(),
            "proposal": _("Der Bericht wird zur Kenntnis genommen."),
        }


class ReportUpdateView(DraftReportMixin, RevisionCheckMixin, UpdateView):
    template_name = "council/report_form.html"
    model = Report
    form_class = ReportForm
    report_kwarg = "pk"


class ReportDeleteView(DraftReportMixin, DeleteView):
    template_name = "council/report_confirm_delete.html"
    model = Report
    report_kwarg = "pk"
    success_url = reverse_lazy("council:report-list")

    def get_success_url(self):
        return self.success_url


class SectionCreateView(CreateOnceMixin, DraftReportMixin, CreateView):
    template_name = "council/reportsection_form.html"
    model = ReportSection
    form_class = SectionForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = ReportSection(report=self.get_report())
        return kwargs

    def get_initial(self):
        last = self.get_report().sections.order_by("-order").values_list("order", flat=True).first()
        return {"order": (last or 0) + 1}

    def get_context_data(self, **kwargs):
        return super().get_context_data(report=self.get_report(), **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        services.touch(self.get_report())
        return response


class SectionUpdateView(DraftReportMixin, RevisionCheckMixin, UpdateView):
    template_name = "council/reportsection_form.html"

    def get_queryset(self):
        return ReportSection.objects.select_related("report")

    form_class = SectionForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(report=self.get_report(), **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        services.touch(self.get_report())
        return response


class SectionDeleteView(DraftReportMixin, DeleteView):
    template_name = "council/reportsection_confirm_delete.html"

    def get_queryset(self):
        return ReportSection.objects.select_related("report")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.touch(self.get_report())
        return response


class ConsultationCreateView(CreateOnceMixin, DraftReportMixin, CreateView):
    template_name = "council/consultation_form.html"
    model = Consultation
    form_class = ConsultationForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Consultation(report=self.get_report())
        return kwargs

    def get_initial(self):
        last = self.get_report().consultations.order_by("-order").values_list("order", flat=True).first()
        return {"order": (last or 0) + 1}

    def get_context_data(self, **kwargs):
        return super().get_context_data(report=self.get_report(), **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        services.touch(self.get_report())
        return response


class ConsultationUpdateView(DraftReportMixin, RevisionCheckMixin, UpdateView):
    template_name = "council/consultation_form.html"

    def get_queryset(self):
        return Consultation.objects.select_related("report")

    form_class = ConsultationForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(report=self.get_report(), **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        services.touch(self.get_report())
        return response


class ConsultationDeleteView(DraftReportMixin, DeleteView):
    template_name = "council/consultation_confirm_delete.html"

    def get_queryset(self):
        return Consultation.objects.select_related("report", "committee")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.touch(self.get_report())
        return response


class ReportPreviewView(DetailView):
    """The paper as HTML, from the same template as the PDF (only a paper the user may read)."""

    model = Report

    def get_queryset(self):
        return Report.objects.readable_by(self.request.user)

    def render_to_response(self, context, **response_kwargs):
        report = self.object
        with translation.override("de"):
            context = {
                **paper_context(report_snapshot(report)),
                "preview": {
                    "back_url": report.get_absolute_url(),
                    "pdf_url": reverse("council:report-pdf", args=[report.pk]),
                },
            }
            return render(self.request, PAPER_TEMPLATE, context)


@non_atomic
class ReportPdfView(View):
    """A released report: exactly the stored file. A draft: rendered now (head and administrator only)."""

    def get(self, request, pk):
        report = get_object_or_404(Report.objects.readable_by(request.user).defer("snapshot"), pk=pk)
        if report.is_released:
            stored = report.file
            log_access(request, "pdf-download", report)
            return pdf_response(stored.content, stored.file_name, etag=stored.sha256)
        if not can_compose(request.user):
            raise PermissionDenied(_("Entwürfe drucken nur die Leitung und die Administration."))
        paper = report_snapshot(report)
        pages = estimate_pages(paper)
        if pages > DIRECT_PDF_MAX_PAGES:  # too long to print within a request: offer the background job
            recent = report.jobs.defer("content").filter(kind=ReportJobKind.PRINT, report_revision=report.revision)[:5]
            context = {"report": report, "pages": pages, "jobs": recent}
            return TemplateResponse(request, "council/job_offer.html", context)
        try:
            content = render_report_pdf(paper)
        except RenderError as error:
            return render_failed(request, error, f"Vorlage {report.pk}")
        log_access(request, "pdf-download", report)
        return pdf_response(content, report.pdf_file_name)


class ReportReleaseView(HeadOrAdministratorRequiredMixin, DetailView):
    """GET: what releasing means, POST: start the release (number, frozen figures and text, stored
    PDF) as a background job and watch it: a long paper takes longer to render than a request may."""

    model = Report
    template_name = "council/report_confirm_release.html"

    def get_queryset(self):
        return super().get_queryset().select_related("lead_office").prefetch_related("sections", "consultations")

    def findings(self) -> list[str]:
        """The release check, on the figures as they are now (``checks.release_findings``)."""
        return release_findings(self.object, build_snapshot(self.object))

    def get_context_data(self, **kwargs):
        if "form" not in kwargs:
            kwargs["form"] = ReleaseForm(initial={"revision": self.object.revision}, findings=self.findings())
        return super().get_context_data(findings=kwargs["form"].findings, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = report = self.get_object()
        if report.is_released:  # (nothing to check or confirm any more)
            messages.error(request, _("Die Vorlage ist bereits freigegeben."))
            return redirect(report.get_absolute_url())
        form = ReleaseForm(request.POST, findings=self.findings())
        if not form.is_valid():  # the confirmation missing (the page again), or a broken or outdated form (409)
            status = 409 if form.non_field_errors() else 200
            return self.render_to_response(self.get_context_data(form=form), status=status)
        try:
            job = jobs.start_release(report, request.user, revision=form.cleaned_data["revision"])
        except StaleRevision as conflict:  # changed after the page was opened, or no revision sent
            return refuse_stale_form(self, form, conflict)
        except services.ReleaseError as error:
            messages.error(request, str(error))
            return redirect(report.get_absolute_url())
        except jobs.ReleaseRunning as running:
            messages.info(request, _("Die Freigabe dieser Vorlage läuft bereits."))
            return redirect(running.job.get_absolute_url())
        return redirect(job.get_absolute_url())


class ReportSupplementView(HeadOrAdministratorRequiredMixin, View):
    """POST: start a supplement ("0123/2020/1") to a released report, as a draft copy."""

    def post(self, request, pk):
        report = get_object_or_404(Report, pk=pk)
        try:
            supplement = services.create_supplement(report=report)
        except services.ReleaseError as error:
            messages.error(request, str(error))
            return redirect(report.get_absolute_url())
        messages.success(request, _("Die Ergänzung ist als Entwurf angelegt."))
        return redirect(supplement.get_absolute_url())


# --- Long papers: PDF as a background job -------------------------------------------------------


class ReportJobMixin:
    """A job's pages: only for those who may see it now (``ReportJobQuerySet.visible_to``: drafts'
    PDFs and releases for the department head and the administrator, an excerpt also for the one
    who started it while they may read the agenda item); 404 for everyone else."""

    def get_job(self, request, pk) -> ReportJob:
        queryset = ReportJob.objects.visible_to(request.user).defer("content")
        return get_object_or_404(queryset.select_related("report", "agenda_item__meeting__committee"), pk=pk)


class ReportJobStartView(View):
    """POST: start making the report's PDF in the background, then watch the job."""

    def post(self, request, pk):
        if not can_compose(request.user):
            raise PermissionDenied(_("Entwürfe drucken nur die Leitung und die Administration."))
        report = get_object_or_404(Report.objects.defer("snapshot"), pk=pk)
        if report.is_released:  # its PDF is stored already
            return redirect("council:report-pdf", pk=report.pk)
        job = jobs.start_job(report, request.user)
        return redirect(job.get_absolute_url())


class ReportJobDetailView(ReportJobMixin, View):
    """The job's page: progress (refreshed by htmx), the download when done, the error and a retry."""

    template_name = "council/job_detail.html"

    def get(self, request, pk):
        job = self.get_job(request, pk)
        context = {"job": job, "report": job.report, "item": job.agenda_item}
        return TemplateResponse(request, self.template_name, context)


class ReportJobStatusView(ReportJobDetailView):
    """The small fragment the job page polls every second."""

    template_name = "council/_job_status.html"


class ReportJobRetryView(ReportJobMixin, View):
    def post(self, request, pk):
        job = self.get_job(request, pk)
        if not job.can_retry:
            messages.info(request, _("Der Auftrag läuft noch oder ist schon fertig."))
            return redirect(job.get_absolute_url())
        try:
            jobs.retry_job(job)
        except jobs.ReleaseRunning as running:  # a newer release of the report is under way: watch that one
            messages.info(request, _("Die Freigabe dieser Vorlage läuft bereits."))
            return redirect(running.job.get_absolute_url())
        except services.ReleaseError as error:
            messages.error(request, str(error))
        return redirect(job.get_absolute_url())


class ReportJobPdfView(ReportJobMixin, View):
    """The finished PDF of a job (the same people who may watch the job)."""

    def get(self, request, pk):
        job = self.get_job(request, pk)
        if job.kind == ReportJobKind.RELEASE and job.status == ReportJobStatus.DONE:  # the report's stored file
            return redirect("council:report-pdf", pk=job.report_id)
        job = get_object_or_404(ReportJob.objects.visible_to(request.user), pk=pk, status=ReportJobStatus.DONE)
        log_access(request, "pdf-download", job)
        return pdf_response(job.content, job.file_name, etag=job.sha256)
