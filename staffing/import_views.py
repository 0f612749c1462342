"""The import pages: upload a spreadsheet, map its columns, check the preview, confirm, undo.

The administrator imports positions of every organisation, a caseworker of their own (the
preview marks every other row as an error); the department head does not import. An import is
seen by the person who uploaded it and by the administrator (another's is a 404).
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, View
from django.views.generic.detail import SingleObjectMixin
from django_htmx.http import HttpResponseClientRefresh

from integration_admin.core.audit import log_access
from staffing.import_forms import ImportUploadForm, MappingForm
from staffing.imports import jobs
from staffing.imports.positions import Preview, run_preview, save_mapping, start_run
from staffing.imports.reading import ImportFileError
from staffing.imports.registry import importer_for, kinds_for
from staffing.models import ImportJobAction, ImportRun, ImportStatus

# A preview longer than this shows only the rows with errors or changes (the counts cover all).
PREVIEW_ROWS_SHOWN = jobs.PREVIEW_ROWS_SHOWN


class ImporterRequiredMixin:
    """Caseworkers (for their organisation) and the administrator import positions."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_administrator or user.is_caseworker):
            raise PermissionDenied(_("Nur Sachbearbeitung und Administration importieren Stellen."))
        return super().dispatch(request, *args, **kwargs)


class RunMixin(ImporterRequiredMixin):
    model = ImportRun

    def get_queryset(self):
        return ImportRun.objects.visible_to(self.request.user).select_related("user")

    def get_object(self, queryset=None):
        run = super().get_object(queryset)
        if not importer_for(run.kind).may_import(self.request.user):
            raise PermissionDenied(_("Diese Art von Daten importiert nur die Administration."))
        return run


class ImportListView(ImporterRequiredMixin, FormView):
    """/imports/: the upload form and the imports so far."""

    template_name = "staffing/import_list.html"
    form_class = ImportUploadForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "too_large": getattr(self.request, "upload_too_large", False),
            "kinds": kinds_for(self.request.user),
        }

    def get_context_data(self, **kwargs):
        runs = ImportRun.objects.visible_to(self.request.user).select_related("user")
        runs = runs.defer("content", "changes", "preview_data")
        return super().get_context_data(runs=runs[:50], **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            run = start_run(
                user=self.request.user,
                name=upload.name,
                content=upload.read(),
                kind=form.cleaned_data["kind"],
                background_rows=settings.IMPORT_BACKGROUND_ROWS,
            )
        except ImportFileError as error:
            form.add_error("file", error.message)
            return self.form_invalid(form)
        if not run.mapping:  # a long file: the worker makes its preview
            jobs.queue(run, ImportJobAction.PREVIEW, user=self.request.user)
        return redirect(run.get_absolute_url())


class ImportDetailView(RunMixin, DetailView):
    """/imports/<pk>/: the mapping and the preview of an upload; after the import, what it did."""

    template_name = "staffing/import_detail.html"
    context_object_name = "run"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        log_access(request, "import-view", self.object)
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self.object = run = self.get_object()
        if run.status != ImportStatus.PREVIEW:
            messages.error(request, _("Dieser Import wurde bereits übernommen; die Zuordnung ist nicht mehr änderbar."))
            return redirect(run.get_absolute_url())
        if run.in_background:
            return self.post_background(request, run)
        try:
            preview = run_preview(run, user=request.user)
        except ImportFileError as error:
            messages.error(request, error.message)
            return redirect(run.get_absolute_url())
        importer = importer_for(run.kind)
        form = MappingForm(request.POST, sheets=preview.sheets, header=preview.header, fields=importer.fields)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(preview=preview, mapping_form=form))
        mapping = form.mapping() if form.cleaned_data["sheet"] == run.sheet else None
        save_mapping(run, user=request.user, sheet=form.cleaned_data["sheet"], mapping=mapping)
        messages.success(request, _("Die Zuordnung wurde gespeichert und gilt künftig für Dateien mit diesen Spalten."))
        return redirect(run.get_absolute_url())

    def post_background(self, request, run):
        """A long file's new mapping: checked here, previewed by the worker."""
        if run.job_open or not run.preview_data:
            messages.info(request, _("Die Vorschau wird noch erstellt; bitte warten Sie, bis sie fertig ist."))
            return redirect(run.get_absolute_url())
        preview = Preview.from_data(run.preview_data)
        form = MappingForm(
            request.POST, sheets=preview.sheets, header=preview.header, fields=importer_for(run.kind).fields
        )
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(preview=preview, mapping_form=form))
        sheet = form.cleaned_data["sheet"]
        mapping = form.mapping() if sheet == run.sheet else None
        jobs.queue(run, ImportJobAction.PREVIEW, user=request.user, sheet=sheet, mapping=mapping)
        messages.success(request, _("Die Zuordnung wird übernommen; die Vorschau wird im Hintergrund neu erstellt."))
        return redirect(run.get_absolute_url())

    def get_context_data(self, preview=None, mapping_form=None, **kwargs):
        run = self.object
        importer = importer_for(run.kind)
        context = super().get_context_data(importer=importer, **kwargs)
        if run.status != ImportStatus.PREVIEW:
            return context
        if run.in_background and preview is None:
            if run.job_open or not run.preview_data:
                return context  # the job's progress only
            preview = Preview.from_data(run.preview_data)
        if preview is None:
            try:
                preview = run_preview(run, user=self.request.user)
            except ImportFileError as error:
                return {**context, "file_error": error.message}
        if mapping_form is None:
            initial = {"sheet": preview.sheet, **{f"column_{i}": name for i, name in enumerate(preview.mapping)}}
            mapping_form = MappingForm(
                initial=initial, sheets=preview.sheets, header=preview.header, fields=importer.fields
            )
        rows = preview.shown_rows(PREVIEW_ROWS_SHOWN)
        shortened = len(rows) < (run.preview_data or {}).get("total_rows", len(preview.rows))
        columns = [
            {"index": index, "title": title, "field": preview.mapping[index] if index < len(preview.mapping) else ""}
            for index, title in enumerate(preview.header)
        ]
        return {
            **context,
            "preview": preview,
            "mapping_form": mapping_form,
            "columns": columns,
            "rows": rows,
            "shortened": shortened,
            "counts": preview.counts,
        }


class ImportConfirmView(RunMixin, SingleObjectMixin, View):
    """POST: import the previewed rows, all or none."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        run = self.get_object()
        if run.in_background:
            return self.post_background(request, run)
        try:
            importer_for(run.kind).commit(run=run, user=request.user)
        except ImportFileError as error:
            messages.error(request, error.message)
            return redirect(run.get_absolute_url())
        run.refresh_from_db()
        messages.success(
            request,
            _("Import übernommen: %(created)s neu, %(changed)s geändert, %(unchanged)s unverändert.")
            % {"created": run.created_count, "changed": run.changed_count, "unchanged": run.unchanged_count},
        )
        return redirect(run.get_absolute_url())

    def post_background(self, request, run):
        if run.status != ImportStatus.PREVIEW:
            messages.error(request, _("Dieser Import wurde bereits übernommen."))
        elif run.job_open:
            messages.info(request, _("Der Import wird gerade verarbeitet."))
        elif not (run.preview_data or {}).get("ok"):
            messages.error(request, _("Solange die Vorschau Fehler zeigt, kann nichts übernommen werden."))
        else:
            jobs.queue(run, ImportJobAction.COMMIT, user=request.user)
            messages.success(request, _("Der Import wird im Hintergrund übernommen: alle Zeilen oder keine."))
        return redirect(run.get_absolute_url())


class ImportJobStatusView(RunMixin, SingleObjectMixin, View):
    """The fragment with a long file's progress that the run's page polls every second; when the job
    has finished, htmx is told to load the whole page again (it then shows the preview or the result)."""

    def get(self, request, *args, **kwargs):
        run = self.get_object()
        if request.htmx and not run.job_open:
            return HttpResponseClientRefresh()
        return TemplateResponse(request, "staffing/_import_job.html", {"run": run})


class ImportJobRetryView(RunMixin, SingleObjectMixin, View):
    """POST: queue a failed (or stalled) job of a long file again."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        run = self.get_object()
        if jobs.retry(run, user=request.user):
            messages.success(request, _("Der Auftrag wurde erneut gestartet."))
        else:
            messages.info(request, _("Der Auftrag läuft noch oder ist schon fertig."))
        return redirect(run.get_absolute_url())


class ImportUndoView(RunMixin, SingleObjectMixin, View):
    """POST: undo a whole import while nothing later depends on it."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        run = self.get_object()
        try:
            importer_for(run.kind).undo(run=run, user=request.user)
        except ImportFileError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Der Import wurde rückgängig gemacht."))
        return redirect(run.get_absolute_url())
