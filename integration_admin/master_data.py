"""/master-data/ ("Stammdaten"): the administrator's overview of the data that are no case but
feed every figure: organisations, pay tables (pay rounds), employer and bonus rates per year,
flat rates per building block and year, base rates. Each with its edit page in the app (issue 25);
grade groups, pay grades, funders, programmes and eligibility rules stay in the Django admin.
Only the administrator opens it; everyone reads the figures on ``/organisations/`` and ``/pay-tables/``."""

from django.db.models import Count
from django.views.generic import TemplateView

from funding.models import BaseRate
from integration_admin.core.permissions import AdministratorRequiredMixin
from programs.models import FlatRate
from staffing.master_data_views import pay_rounds
from staffing.models import AnnualBonusRate, EmployerContributionRate, Organisation


class MasterDataView(AdministratorRequiredMixin, TemplateView):
    template_name = "master_data.html"

    def get_context_data(self, **kwargs):
        bonus_counts = dict(
            AnnualBonusRate.objects.order_by().values("year").annotate(n=Count("pk")).values_list("year", "n")
        )
        return super().get_context_data(
            organisations=Organisation.objects.order_by("short_name"),
            pay_rounds=pay_rounds(),
            year_rates=[
                (rates, bonus_counts.get(rates.year, 0)) for rates in EmployerContributionRate.objects.order_by("-year")
            ],
            flat_rates=FlatRate.objects.select_related("building_block__programme").order_by(
                "building_block__programme__short_name", "building_block__number", "-year"
            ),
            base_rates=BaseRate.objects.order_by("-valid_from"),
            **kwargs,
        )
