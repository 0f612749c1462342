"""The import pages: upload a spreadsheet, map its columns, check the preview, confirm, undo.

The administrator imports positions of every organisation, a caseworker of their own (the
preview marks every other row as an error); the department head does not import. An import is
seen by the person who uploaded it and by the administrator (another's is a 404).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, View
from django.views.generic.detail import SingleObjectMixin

from integration_admin.core.audit import log_access
from staffing.import_forms import ImportUploadForm, MappingForm
from staffing.imports.positions import ERROR, run_preview, save_mapping, start_run
from staffing.imports.reading import ImportFileError
from staffing.imports.registry import importer_for, kinds_for
from staffing.models import ImportRun, ImportStatus

# A preview longer than this shows only the rows with errors or changes (the counts cover all).
PREVIEW_ROWS_SHOWN = 500


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
        runs = ImportRun.objects.visible_to(self.request.user).select_related("user").defer("content", "changes")
        return super().get_context_data(runs=runs[:50], **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            run = start_run(
                user=self.request.user, name=upload.name, content=upload.read(), kind=form.cleaned_data["kind"]
            )
        except ImportFileError as error:
            form.add_error("file", error.message)
            return self.form_invalid(form)
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

    def get_context_data(self, preview=None, mapping_form=None, **kwargs):
        run = self.object
        importer = importer_for(run.kind)
        context = super().get_context_data(importer=importer, **kwargs)
        if run.status != ImportStatus.PREVIEW:
            return context
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
        rows = preview.rows
        shortened = len(rows) > PREVIEW_ROWS_SHOWN
        if shortened:
            rows = [row for row in rows if row.action in (ERROR, "change", "create")][:PREVIEW_ROWS_SHOWN]
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
