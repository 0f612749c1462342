"""Master-data pages of staffing for the administrator (issue 25): organisations, the pay table of
a pay round (one row per grade, steps 1–6) and the employer and bonus rates of a year.

Only the administrator opens them (403 for everyone else; everyone reads the figures on
``/organisations/`` and ``/pay-tables/``). Numbers and dates are typed in the user's language.
A form opened before someone else saved is refused (HTTP 409, nothing written); after every
change of pay data the stored position costs are recomputed (:mod:`staffing.services`).
"""

import datetime

from django.contrib import messages
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import CreateView, TemplateView, UpdateView

from integration_admin.core.forms import query_int
from integration_admin.core.models import StaleRevision
from integration_admin.core.permissions import AdministratorRequiredMixin
from integration_admin.core.views import CreateOnceMixin, RevisionCheckMixin
from staffing import services
from staffing.costs import cost_years
from staffing.master_data_forms import STEPS, OrganisationForm, PayRoundForm, PayTableFormSet, YearRatesForm
from staffing.models import (
    AnnualBonusRate,
    EmployerContributionRate,
    Organisation,
    PayGrade,
    PayGradeGroup,
    PayTableEntry,
)

MIN_YEAR, MAX_YEAR = 2000, 2100


class OrganisationCreateView(AdministratorRequiredMixin, CreateOnceMixin, SuccessMessageMixin, CreateView):
    model = Organisation
    form_class = OrganisationForm
    template_name = "staffing/organisation_form.html"
    success_message = gettext_lazy("Die Organisation „%(short_name)s“ wurde angelegt.")


class OrganisationUpdateView(AdministratorRequiredMixin, RevisionCheckMixin, SuccessMessageMixin, UpdateView):
    model = Organisation
    form_class = OrganisationForm
    template_name = "staffing/organisation_form.html"
    success_message = gettext_lazy("Die Organisation „%(short_name)s“ wurde gespeichert.")


def pay_rounds() -> list[datetime.date]:
    """The days pay table entries are valid from, newest first."""
    return list(PayTableEntry.objects.order_by("-valid_from").values_list("valid_from", flat=True).distinct())


class PayTableEditView(AdministratorRequiredMixin, TemplateView):
    """/pay-tables/edit/?gilt_ab=01.04.2021: the monthly pay of every grade and step from that day
    on, one row per grade. Without an entry of that very day a cell shows the amount in force
    before it, so a new pay round is "open the day, change the amounts"."""

    template_name = "staffing/paytable_form.html"

    def get(self, request, *args, **kwargs):
        self.prepare(request)
        return super().get(request, *args, **kwargs)

    def prepare(self, request):
        """The pay round asked for and the grades (after the permission check of ``dispatch``)."""
        rounds = pay_rounds()
        self.round_form = PayRoundForm(request.GET or None)
        if self.round_form.is_valid():
            self.valid_from = self.round_form.cleaned_data["gilt_ab"]
        else:
            self.valid_from = rounds[0] if rounds else datetime.date(timezone.localdate().year, 1, 1)
            if not request.GET:
                self.round_form = PayRoundForm(initial={"gilt_ab": self.valid_from})
        self.rounds = rounds
        self.grades = list(PayGrade.objects.select_related("group").order_by("sort_order", "code"))

    def initial_rows(self) -> list[dict]:
        in_force: dict[tuple[int, int], object] = {}
        entries = PayTableEntry.objects.filter(valid_from__lte=self.valid_from).order_by("valid_from")
        for entry in entries.only("pay_grade_id", "step", "monthly_amount", "valid_from"):
            in_force[(entry.pay_grade_id, entry.step)] = entry.monthly_amount  # the latest wins
        return [
            {"revision": grade.revision, **{f"step_{step}": in_force.get((grade.pk, step)) for step in STEPS}}
            for grade in self.grades
        ]

    def formset(self, data=None):
        return PayTableFormSet(data, initial=self.initial_rows(), grades=self.grades, prefix="grades")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("formset", self.formset())
        return super().get_context_data(
            round_form=self.round_form,
            valid_from=self.valid_from,
            rounds=self.rounds,
            steps=STEPS,
            action=f"{self.request.path}?{urlencode({'gilt_ab': self.valid_from.isoformat()})}",
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        self.prepare(request)
        formset = self.formset(request.POST)
        if not formset.is_valid():
            return self.render_to_response(self.get_context_data(formset=formset))
        rows = [
            (form.pay_grade, form.cleaned_data.get("revision"), form.amounts())
            for form in formset
            if form.has_changed()
        ]
        try:
            changed = services.save_pay_table(valid_from=self.valid_from, rows=rows) if rows else 0
        except StaleRevision as conflict:
            formset._non_form_errors = formset.error_class([conflict.message])
            return self.render_to_response(self.get_context_data(formset=formset), status=409)
        except ValidationError as error:
            formset._non_form_errors = formset.error_class(error.messages)
            return self.render_to_response(self.get_context_data(formset=formset))
        if rows:
            messages.success(
                request,
                ngettext(
                    "Die Entgelttabelle ab %(day)s wurde für %(grades)s Entgeltgruppe gespeichert; die "
                    "Personalkosten der Stellen wurden neu berechnet (%(changed)s Werte geändert).",
                    "Die Entgelttabelle ab %(day)s wurde für %(grades)s Entgeltgruppen gespeichert; die "
                    "Personalkosten der Stellen wurden neu berechnet (%(changed)s Werte geändert).",
                    len(rows),
                )
                % {"day": date_format(self.valid_from, "SHORT_DATE_FORMAT"), "grades": len(rows), "changed": changed},
            )
        else:
            messages.info(request, _("Es wurde nichts geändert."))
        return redirect(f"{reverse('staffing:paytable-list')}?{urlencode({'year': self.valid_from.year})}")


class YearRatesEditView(AdministratorRequiredMixin, TemplateView):
    """/pay-tables/rates/?year=2021: the employer rates and the annual bonus per grade group of a year."""

    template_name = "staffing/year_rates_form.html"

    def get(self, request, *args, **kwargs):
        self.prepare(request)
        return super().get(request, *args, **kwargs)

    def prepare(self, request):
        """The year asked for, its rates and the grade groups (after the permission check)."""
        year = query_int(request.GET.get("year"), max_digits=4)
        self.year = year if year is not None and MIN_YEAR <= year <= MAX_YEAR else cost_years()[1]
        self.rates = EmployerContributionRate.objects.filter(year=self.year).first()
        self.groups = list(PayGradeGroup.objects.order_by("name"))

    def form(self, data=None) -> YearRatesForm:
        initial = {}
        if self.rates is not None:
            initial = {
                "revision": self.rates.revision,
                "social_insurance_rate": self.rates.social_insurance_rate,
                "pension_levy_rate": self.rates.pension_levy_rate,
            }
        for bonus in AnnualBonusRate.objects.filter(year=self.year):
            initial[f"bonus_{bonus.group_id}"] = bonus.rate
        return YearRatesForm(data, initial=initial, groups=self.groups)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.form())
        return super().get_context_data(year=self.year, rates=self.rates, **kwargs)

    def post(self, request, *args, **kwargs):
        self.prepare(request)
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            services.save_year_rates(
                year=self.year,
                expected_revision=form.cleaned_data.get("revision"),
                social_insurance_rate=form.cleaned_data["social_insurance_rate"],
                pension_levy_rate=form.cleaned_data["pension_levy_rate"],
                bonus_rates=form.bonus_rates(),
            )
        except StaleRevision as conflict:
            form.add_error(None, conflict.message)
            return self.render_to_response(self.get_context_data(form=form), status=409)
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request,
            _("Die Sätze für %(year)s wurden gespeichert; die Personalkosten der Stellen wurden neu berechnet.")
            % {"year": self.year},
        )
        return redirect(f"{reverse('staffing:paytable-list')}?{urlencode({'year': self.year})}")
