from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils import timezone
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from integration_admin.dashboard import deadlines, programme_summaries
from integration_admin.tables import DEFAULT_PAGE_SIZE, PAGE_SIZES, PageSizePaginator
from programs.models import Programme


def ping(request):
    """The smallest page there is (for logged-in users): the benchmark's yardstick and a health check
    that goes through sessions, authentication and every middleware, but touches no domain data."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


class DashboardView(TemplateView):
    """Home page: deadlines, then per programme its blocks, positions per organisation and decisions.

    Ten programmes a page; per block the four largest staffing rows and per programme the five
    largest organisations, with counts and totals of the rest (a state-wide installation has
    hundreds of organisations; the programme page shows them all).
    """

    template_name = "dashboard.html"
    programmes_per_page = 10

    def get_context_data(self, **kwargs):
        page = Paginator(Programme.objects.with_funder_names(), self.programmes_per_page).get_page(
            self.request.GET.get("page")
        )
        summaries = programme_summaries(page.object_list, rows_per_block=4, organisations=5)
        return super().get_context_data(
            summaries=summaries, page_obj=page, deadlines=deadlines(timezone.localdate()), **kwargs
        )


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
        if self.request.headers.get("HX-Request") == "true" and not self.request.headers.get("HX-Boosted"):
            return [f"{names[0]}#table"]
        return names

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_sizes=self.page_sizes, per_page=self.get_paginate_by(), **kwargs)
