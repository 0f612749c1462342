"""Funding programmes: the list with FTE per organisation, and each programme with its blocks,
guideline status, positions per organisation, decisions, positions and personnel cost."""

from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from integration_admin.dashboard import programme_summaries
from programs.models import Programme
from staffing.costs import YearCost, costs_by_year
from staffing.models import PositionCost
from staffing.views import POSITION_ROWS, PositionTableMixin, requested_cost_year


class ProgrammeListView(TemplateView):
    """/programmes/: every programme with its funders, blocks and FTE per organisation (constant queries)."""

    template_name = "programs/programme_list.html"

    def get_context_data(self, **kwargs):
        # The five largest organisations per programme; the rest as "n weitere" (state-wide scale).
        return super().get_context_data(summaries=programme_summaries(rows_per_block=0, organisations=5), **kwargs)


class ProgrammeDetailView(PositionTableMixin, DetailView):
    queryset = Programme.objects.with_funder_names()

    def get_context_data(self, **kwargs):
        programme = self.object
        [summary] = programme_summaries([programme])
        today = timezone.localdate()
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
        # The year to show: one of the programme's cost years (the links above the table offer
        # only those), so the page needs no query for the years with employer rates.
        year = requested_cost_year(self.request, sorted(by_year))
        positions = self.position_table(
            POSITION_ROWS.filter(building_block__programme=programme).with_staffing(today).with_cost(year),
            day=today,
            cost_year=year,
            exclude=("programme",),
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
