from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils import timezone
from django.views.generic import TemplateView

from integration_admin.dashboard import deadlines, programme_summaries
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
