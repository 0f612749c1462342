"""Funding programmes: the list with FTE per organisation, and each programme with its blocks,
guideline status, positions per organisation, decisions, positions and personnel cost."""

from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from integration_admin.core.forms import query_int
from integration_admin.dashboard import programme_summaries
from programs.models import Programme
from staffing.costs import YearCost, annotated_cost_year, cost_year_annotations, costs_by_year
from staffing.models import PositionCost
from staffing.views import PositionTableMixin


class ProgrammeListView(TemplateView):
    """/programmes/: every programme with its funders, blocks and FTE per organisation (constant queries)."""

    template_name = "programs/programme_list.html"

    def get_context_data(self, **kwargs):
        # The five largest organisations per programme; the rest as "n weitere" (state-wide scale).
        return super().get_context_data(summaries=programme_summaries(rows_per_block=0, organisations=5), **kwargs)


class ProgrammeDetailView(PositionTableMixin, DetailView):
    queryset = Programme.objects.with_funder_names()

    def get_queryset(self):
        # The cost year (?year= if it has employer rates, else the default) chosen in the
        # programme's own query rather than by a query for the years with rates.
        self.requested_year = query_int(self.request.GET.get("year"), max_digits=4)
        return super().get_queryset().annotate(**cost_year_annotations(self.requested_year))

    def get_context_data(self, **kwargs):
        programme = self.object
        [summary] = programme_summaries([programme])
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
