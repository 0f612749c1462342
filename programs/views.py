"""Funding programmes: the list with FTE per organisation, and each programme with its blocks,
guideline status, positions per organisation, decisions, positions and personnel cost."""

from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from integration_admin.dashboard import programme_summaries
from programs.models import Programme
from staffing.costs import costs_by_year
from staffing.models import PositionCost
from staffing.views import POSITION_ROWS, PositionTableMixin, requested_cost_year


class ProgrammeListView(TemplateView):
    """/programmes/: every programme with its funders, blocks and FTE per organisation (constant queries)."""

    template_name = "programs/programme_list.html"

    def get_context_data(self, **kwargs):
        # The five largest organisations per programme; the rest as "n weitere" (state-wide scale).
        return super().get_context_data(summaries=programme_summaries(rows_per_block=0, organisations=5), **kwargs)


class ProgrammeDetailView(PositionTableMixin, DetailView):
    model = Programme

    def get_context_data(self, **kwargs):
        programme = self.object
        [summary] = programme_summaries([programme])
        today = timezone.localdate()
        year = requested_cost_year(self.request)
        positions = self.position_table(
            POSITION_ROWS.filter(building_block__programme=programme).with_staffing(today).with_cost(year),
            day=today,
            cost_year=year,
            exclude=("programme",),
        )
        by_organisation = costs_by_year(
            PositionCost.objects.filter(position__building_block__programme=programme),
            key=lambda row: row["position__organisation__short_name"],
        )
        cost_rows = []
        for organisation, years in by_organisation.items():
            for row in years.values():
                row.key = organisation
                cost_rows.append(row)
        cost_rows.sort(key=lambda row: (row.year, row.key))
        return super().get_context_data(summary=summary, table=positions, cost_rows=cost_rows, **kwargs)
