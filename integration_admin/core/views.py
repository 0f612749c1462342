"""View mixins shared by the apps: stale and repeated forms, the generic list page (a
django-tables2 table with django-filter filters), and the approval of a record (four eyes)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from integration_admin.core.models import StaleRevision, SubmittedForm, approve, lock_revision
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
