"""Funding's master-data pages for the administrator (issue 25): flat rates per building block
and year, and the base rates (§ 247 BGB) for the interest on repayment claims.

A flat rate of the master data is a proposal: decisions still lacking a rate for its year take it,
issued decisions keep the rate frozen into them, and the page names them, as the admin does
(:func:`funding.services.apply_master_flat_rate`). Lost updates are refused (HTTP 409) and a
create form sent twice creates once.
"""

from django.contrib import messages
from django.contrib.messages.views import SuccessMessageMixin
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, UpdateView

from funding import services
from funding.master_data_forms import BaseRateForm, FlatRateForm
from funding.models import BaseRate
from integration_admin.core.permissions import AdministratorRequiredMixin
from integration_admin.core.views import CreateOnceMixin, RevisionCheckMixin
from programs.models import FlatRate

MASTER_DATA_FLAT_RATES = "#pauschalen"
MASTER_DATA_BASE_RATES = "#basiszinssaetze"


class FlatRateFormMixin(AdministratorRequiredMixin):
    model = FlatRate
    form_class = FlatRateForm
    template_name = "funding/flatrate_form.html"

    @transaction.atomic
    def form_valid(self, form):
        form.instance.is_illustrative = False  # typed in by the administrator: a real value
        response = super().form_valid(form)
        if response.status_code not in (301, 302, 303):
            return response
        messages.success(
            self.request,
            _("Die Pauschale %(rate)s wurde gespeichert.") % {"rate": self.object},
        )
        notice = services.apply_master_flat_rate(rate=self.object)
        if notice:
            messages.warning(self.request, notice)
        return response

    def get_success_url(self):
        return reverse("master-data") + MASTER_DATA_FLAT_RATES


class FlatRateCreateView(FlatRateFormMixin, CreateOnceMixin, CreateView):
    pass


class FlatRateUpdateView(FlatRateFormMixin, RevisionCheckMixin, UpdateView):
    def get_queryset(self):
        return FlatRate.objects.select_related("building_block__programme")


class BaseRateFormMixin(AdministratorRequiredMixin, SuccessMessageMixin):
    model = BaseRate
    form_class = BaseRateForm
    template_name = "funding/baserate_form.html"
    success_message = gettext_lazy("Der Basiszinssatz wurde gespeichert.")

    def get_success_url(self):
        return reverse("master-data") + MASTER_DATA_BASE_RATES


class BaseRateCreateView(BaseRateFormMixin, CreateOnceMixin, CreateView):
    pass


class BaseRateUpdateView(BaseRateFormMixin, RevisionCheckMixin, UpdateView):
    pass
