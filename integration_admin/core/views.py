"""The generic list page: a django-tables2 table with django-filter filters."""

from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from integration_admin.core.models import StaleRevision, lock_revision
from integration_admin.core.tables import DEFAULT_PAGE_SIZE, PAGE_SIZES, PageSizePaginator


class RevisionCheckMixin:
    """For the update views of :class:`~integration_admin.core.models.Revisioned` records: a form
    opened before someone else saved is refused (HTTP 409, a German message, nothing written)."""

    def form_valid(self, form):
        if form.instance.pk:
            try:
                lock_revision(form.instance, form.cleaned_data.get("revision"))
            except StaleRevision as conflict:
                form.add_error(None, conflict.message)
                return self.render_to_response(self.get_context_data(form=form), status=409)
        return super().form_valid(form)


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
