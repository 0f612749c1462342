"""The top pages, which tie the domains together: the dashboard and the programme pages.

They sit above every domain app (core <- programs <- staffing <- funding <- these pages), so they
may show positions, costs and decisions side by side.
"""

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, TemplateView

from funding.summaries import deadlines, programme_summaries
from integration_admin.core.audit import log_export
from integration_admin.core.forms import query_int
from integration_admin.search import search
from programs.models import Programme
from staffing.costs import YearCost, annotated_cost_year, cost_year_annotations, costs_by_year
from staffing.models import Assignment, PositionCost
from staffing.views import AccessLogMixin, PositionTableMixin


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
        summaries = programme_summaries(page.object_list, rows_per_block=4, organisations=5, coverage=True)
        return super().get_context_data(
            summaries=summaries, page_obj=page, deadlines=deadlines(timezone.localdate()), **kwargs
        )


class ProgrammeListView(TemplateView):
    """/programmes/: every programme with its funders, blocks and FTE per organisation (constant queries)."""

    template_name = "programme_list.html"

    def get_context_data(self, **kwargs):
        # The five largest organisations per programme; the rest as "n weitere" (state-wide scale).
        return super().get_context_data(summaries=programme_summaries(rows_per_block=0, organisations=5), **kwargs)


class ProgrammeDetailView(AccessLogMixin, PositionTableMixin, DetailView):
    access_action = "programme-view"  # the page lists the programme's positions with their holders
    template_name = "programme_detail.html"
    queryset = Programme.objects.with_funder_names()

    def get_queryset(self):
        # The cost year (?year= if it has employer rates, else the default) chosen in the
        # programme's own query rather than by a query for the years with rates.
        self.requested_year = query_int(self.request.GET.get("year"), max_digits=4)
        return super().get_queryset().annotate(**cost_year_annotations(self.requested_year))

    def get_context_data(self, **kwargs):
        programme = self.object
        [summary] = programme_summaries([programme], coverage=True)
        today = timezone.localdate()
        year = annotated_cost_year(programme, self.requested_year, today)
        by_organisation = costs_by_year(
            PositionCost.objects.filter(position__building_block__programme=programme),
            key=lambda row: row["position__organisation__short_name"],
        )
        # All organisations together per year; each organisation only in the chosen cost year (a
        # state-wide programme has hundreds: all years of all of them were a 240 KB page).
        by_year: dict[int, YearCost] = {}
        for years in by_organisation.values():
            for row in years.values():
                by_year.setdefault(row.year, YearCost(row.year)).add(row)
        positions = self.position_table(
            day=today, cost_year=year, exclude=("programme",), building_block__programme=programme
        )
        cost_rows = []
        for organisation, years in sorted(by_organisation.items()):
            if year in years:
                years[year].key = organisation
                cost_rows.append(years[year])
        return super().get_context_data(
            summary=summary,
            table=positions,
            cost_year=year,
            cost_years=[by_year[y] for y in sorted(by_year)],
            cost_rows=cost_rows,
            **kwargs,
        )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Suchbegriff"), max_length=200, required=False)


class SearchView(TemplateView):
    """/search/?q=: the global search (:mod:`integration_admin.search`), one group per kind of record."""

    template_name = "search.html"

    def get_context_data(self, **kwargs):
        form = SearchForm(self.request.GET)
        text = form.cleaned_data["q"] if form.is_valid() else ""
        groups = search(text, user=self.request.user)
        holders = next((group for group in groups if group.key == "holders"), None)
        if holders is not None and holders.rows:
            log_export(self.request, "holder-search", Assignment, len(holders.rows))  # names shown: need to know
        return super().get_context_data(
            form=form, text=text, groups=groups, found=sum(group.count for group in groups), **kwargs
        )
