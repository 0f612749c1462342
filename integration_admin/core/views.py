"""View mixins shared by the apps: stale and repeated forms, the generic list page (a
django-tables2 table with django-filter filters), the approval of a record (four eyes), and the
views of documents (upload, download, delete), which ask the document's record who may use them."""

from django.contrib import messages
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import CreateView, DeleteView
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from integration_admin.core.audit import log_access
from integration_admin.core.documents import DocumentForm
from integration_admin.core.models import (
    Document,
    DocumentContent,
    StaleRevision,
    SubmittedForm,
    approve,
    lock_revision,
)
from integration_admin.core.tables import DEFAULT_PAGE_SIZE, PAGE_SIZES, PageSizePaginator


def refuse_stale_form(view, form, conflict: StaleRevision):
    """The answer to a form opened before someone else saved: HTTP 409, the form again with the
    German conflict message on top; nothing was written."""
    form.add_error(None, conflict.message)
    return view.render_to_response(view.get_context_data(form=form), status=409)


class RevisionCheckMixin:
    """For the update views of :class:`~integration_admin.core.models.Revisioned` records: a form
    opened before someone else saved is refused (HTTP 409, a German message, nothing written)."""

    def form_valid(self, form):
        if form.instance.pk:
            try:
                lock_revision(form.instance, form.cleaned_data.get("revision"))
            except StaleRevision as conflict:
                return refuse_stale_form(self, form, conflict)
        return super().form_valid(form)


class CreateOnceMixin:
    """For the create views of forms with :class:`~integration_admin.core.forms.RevisionFormMixin`:
    a form sent a second time (double click, reload, back button) creates nothing more and leads
    to what the first sending made. A form without its token is refused like a stale one."""

    def form_valid(self, form):
        token = form.cleaned_data.get("submission_token")
        if token is None:
            form.add_error(None, _("Das Formular ist beschädigt. Bitte laden Sie die Seite neu."))
            return self.render_to_response(self.get_context_data(form=form), status=409)
        earlier = SubmittedForm.claim(token, self.request.user)
        if earlier is not None:
            messages.info(
                self.request,
                _("Dieses Formular war schon gesendet worden; der Datensatz wurde nur einmal angelegt."),
            )
            return redirect(earlier.result_url or self.request.path)
        response = super().form_valid(form)
        if response.status_code in (301, 302, 303):
            SubmittedForm.objects.filter(token=token).update(result_url=response.url)
        else:  # nothing was created (the save was refused): the form may be sent again
            SubmittedForm.objects.filter(token=token).delete()
        return response


class FilteredTableView(SingleTableMixin, FilterView):
    """A django-tables2 table with django-filter filters; the base of every list page.

    Subclasses set ``queryset`` (with select_related), ``table_class``, ``filterset_class`` and
    ``template_name``. The page template wraps its table in ``{% partialdef table %}``; an htmx
    request (the filter form refreshing the table in place) gets only that partial. The page
    size comes from ``?per_page=`` but only from ``page_sizes``, so no request can ask for a
    million rows or for zero.
    """

    paginate_by = DEFAULT_PAGE_SIZE
    page_sizes = PAGE_SIZES
    paginator_class = PageSizePaginator  # the table's paginator: it checks the size RequestConfig reads
    strict = False  # invalid filter input shows the form errors and an unfiltered table, never a 500

    def get_paginate_by(self, table_data=None):
        try:
            requested = int(self.request.GET.get("per_page", ""))
        except ValueError:
            return self.paginate_by
        return requested if requested in self.page_sizes else self.paginate_by

    def paginate_queryset(self, queryset, page_size):
        # Only the table paginates; ListView would paginate (and COUNT) the same rows again.
        return None, None, queryset, False

    def get_table_kwargs(self):
        # RequestConfig would read ?per_page= unchecked; the size is decided in get_paginate_by.
        return {"per_page_field": "_per_page_from_view"}

    def get_template_names(self):
        names = super().get_template_names()
        if self.request.htmx and not self.request.htmx.boosted:  # (django-htmx's middleware)
            return [f"{names[0]}#table"]
        return names

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_sizes=self.page_sizes, per_page=self.get_paginate_by(), **kwargs)


class ApproveView(SingleObjectMixin, View):
    """POST: the second person approves the record (:func:`~integration_admin.core.models.approve`).

    Concrete views name the ``model`` (an :class:`~integration_admin.core.models.Approvable`) and
    may narrow ``get_queryset`` to what the user may read. Refused with the German reason: 403
    for the recorder and for those who may not approve, 409 for a record approved already.
    """

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            approve(self.object, user=request.user)
        except ValidationError as error:
            return TemplateResponse(
                request,
                "approval_refused.html",
                {"object": self.object, "message": error.messages[0]},
                status=409 if error.code == "approved" else 403,
            )
        messages.success(request, _("Freigegeben."))
        return redirect(self.get_success_url())

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()


# --- documents ------------------------------------------------------------------------------------


def documents_anchor(record) -> str:
    """The documents on the page of ``record`` (its URL may name another part of the page)."""
    return record.get_absolute_url().split("#", 1)[0] + "#dokumente"


class DocumentUploadView(CreateOnceMixin, SuccessMessageMixin, CreateView):
    """Upload a document to a record. The app's view finds the record of the page (``get_record``,
    a 404 for one the user may not read) and names the records a document may hang on
    (``get_parents``: (record, label), the page's record first). Who may upload is the record's
    answer (``documents_changeable_by``); anyone else gets 403. Files up to ``DOCUMENT_MAX_BYTES``
    (:mod:`integration_admin.core.uploads`)."""

    model = Document
    form_class = DocumentForm
    template_name = "core/document_form.html"
    upload_max_setting = "DOCUMENT_MAX_BYTES"

    def get_record(self):
        raise NotImplementedError

    def get_parents(self) -> list[tuple[object, str]]:
        return [(self.record, str(self.record))]

    def dispatch(self, request, *args, **kwargs):
        self.record = self.get_record()
        if not self.record.documents_changeable_by(request.user):
            raise PermissionDenied(_("Sie dürfen hier keine Dokumente hochladen."))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "parents": self.get_parents(),
            "user": self.request.user,
            "too_large": getattr(self.request, "upload_too_large", False),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(record=self.record, **kwargs)

    def get_success_message(self, cleaned_data):
        return _("Das Dokument „%(title)s“ wurde gespeichert.") % {"title": self.object.title}

    def get_success_url(self):
        return documents_anchor(self.record)


class DocumentAccessMixin:
    """The document in the URL, if the user may read its record (else 404, as for the record)."""

    def get_document(self) -> Document:
        document = get_object_or_404(Document.objects.select_related("uploaded_by"), pk=self.kwargs["pk"])
        parent = document.parent
        if parent is None or not parent.documents_readable_by(self.request.user):
            raise Http404
        self.parent = parent
        return document


class DocumentDownloadView(DocumentAccessMixin, View):
    """A document's file, as an attachment with the type found in its content; access-logged."""

    def get(self, request, *args, **kwargs):
        document = self.get_document()
        content = DocumentContent.objects.filter(document=document).values_list("data", flat=True).get()
        log_access(request, "document-download", document)
        response = HttpResponse(bytes(content), content_type=document.media_type)
        response["Content-Disposition"] = content_disposition_header(True, document.download_name)
        response["Content-Length"] = str(document.size)
        response["X-Content-Type-Options"] = "nosniff"
        add_never_cache_headers(response)
        return response


class DocumentDeleteView(DocumentAccessMixin, DeleteView):
    """Delete a document (with confirmation), for those who may change its record; the deletion
    stays in the document's history."""

    template_name = "core/document_confirm_delete.html"
    context_object_name = "document"

    def get_object(self, queryset=None):
        document = self.get_document()
        if not self.parent.documents_changeable_by(self.request.user):
            raise PermissionDenied(_("Sie dürfen dieses Dokument nicht löschen."))
        return document

    def get_context_data(self, **kwargs):
        return super().get_context_data(back_url=documents_anchor(self.parent), **kwargs)

    def get_success_url(self):
        return documents_anchor(self.parent)

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Das Dokument „%(title)s“ wurde gelöscht.") % {"title": self.object.title})
        return response
