"""Pages for grant decisions: list, detail (with history and "as of" view), entry and correction,
amendments, own-share split, call-offs, proofs of use, pass-throughs, applications, controlling.

Everyone logged in reads; only the administrator changes (AdministratorRequiredMixin).
"""

import copy
import datetime
import logging
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, ProtectedError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import CreateView, DeleteView, DetailView, TemplateView, UpdateView

from funding import charts, exports, money, services, settlement
from funding.controlling import controlling_overview, controlling_totals
from funding.coverage import decision_coverage, shares_of, with_coverage_rows
from funding.eligibility import positions_for, rule_findings, rules_for, touches_period
from funding.filters import ApplicationFilter, DecisionFilter, ProofFilter
from funding.forms import (
    AmendmentForm,
    ApplicationForm,
    CallOffForm,
    DecisionForm,
    EligibilityRuleForm,
    PassThroughForm,
    PayoutForm,
    PlanItemFormSet,
    ProofOfUseForm,
    RevisionForm,
    VersionFiguresForm,
    WeightFormSet,
)
from funding.history import decision_as_of, decision_history
from funding.models import (
    VERSION_FIGURES,
    ZERO,
    Application,
    CallOff,
    CostShare,
    DecisionStatus,
    DecisionVersion,
    EligibilityRule,
    GrantDecision,
    PassThrough,
    Payout,
    PlanItem,
    ProofOfUse,
    attach_ceilings,
)
from funding.settlement import latest_base_rate
from funding.summaries import coverage_warnings
from funding.tables import ApplicationTable, DecisionTable, ProofTable
from funding.warnings import (
    MoneyWarning,
    decision_warnings,
    over_financing_warning,
    two_month_rows,
    two_month_warnings,
)
from integration_admin.core.audit import log_access, log_export
from integration_admin.core.documents import DocumentForm, documents_of
from integration_admin.core.forms import (
    BootstrapFormMixin,
    LocalizedDateField,
    PlainIntegerField,
    ScopedModelChoiceField,
    query_int,
)
from integration_admin.core.history import history_entries
from integration_admin.core.pdf import RenderError, render_pdf
from integration_admin.core.permissions import AdministratorRequiredMixin
from integration_admin.core.views import (
    ApproveView,
    CreateOnceMixin,
    DocumentUploadView,
    FilteredTableView,
    RevisionCheckMixin,
)
from programs.models import Programme
from staffing.exports import csv_response, xlsx_response
from staffing.models import Position
from staffing.views import filter_description

logger = logging.getLogger(__name__)

# --- decisions: list and detail ---------------------------------------------------------------


# ?_export=… on the decision list: what (the letters or their call-offs) and the file format.
DECISION_EXPORTS = {
    "csv": ("decisions", "csv"),
    "xlsx": ("decisions", "xlsx"),
    "call-offs-csv": ("call_offs", "csv"),
    "call-offs-xlsx": ("call_offs", "xlsx"),
    "plan-items-csv": ("plan_items", "csv"),
    "plan-items-xlsx": ("plan_items", "xlsx"),
}
EXPORT_STEMS = {"decisions": "bescheide", "call_offs": "mittelabrufe", "plan_items": "finanzierungsplaene"}


class DecisionListView(FilteredTableView):
    table_class = DecisionTable
    filterset_class = DecisionFilter
    template_name = "funding/grantdecision_list.html"

    def get_queryset(self):
        return GrantDecision.objects.select_related("programme", "funder").with_figures(timezone.localdate())

    def get(self, request, *args, **kwargs):
        """The list, or with ``?_export=`` the filtered letters, their call-offs or plans as CSV/XLSX in
        the import's columns (:mod:`funding.exports`)."""
        if request.GET.get("_export") not in DECISION_EXPORTS:
            return super().get(request, *args, **kwargs)
        what, file_format = DECISION_EXPORTS[request.GET["_export"]]
        self.filterset = self.get_filterset(self.get_filterset_class())
        decisions = GrantDecision.objects.filter(pk__in=self.filterset.qs.values("pk")).order_by("programme", "title")
        if what == "decisions":
            table, model = exports.DecisionExportTable(exports.decision_rows(decisions)), GrantDecision
        elif what == "call_offs":
            table, model = exports.CallOffExportTable(exports.call_off_rows(decisions)), CallOff
        else:
            table, model = exports.PlanItemExportTable(exports.plan_item_rows(decisions)), PlanItem
        log_export(request, f"{what}-export-{file_format}", model, len(table.rows))
        stem = EXPORT_STEMS[what]
        if file_format == "csv":
            return csv_response(table, stem)
        return xlsx_response(table, stem, str(exports.EXPORT_TITLES[what]), None, filter_description(self.filterset))


def decision_queryset():
    queryset = GrantDecision.objects.with_block_labels()
    return queryset.select_related(
        "programme", "funder", "application__programme", "eligibility_rule", "programme__eligibility_rule"
    ).prefetch_related(
        Prefetch(
            "versions",
            # (with the flat rates for funding.coverage: no query of their own)
            with_coverage_rows(DecisionVersion.objects.order_by("-number")).prefetch_related(
                Prefetch("cost_shares", CostShare.objects.select_related("organisation")),
                Prefetch("plan_items", PlanItem.objects.select_related("building_block", "organisation")),
            ),
        ),
        Prefetch("call_offs", CallOff.objects.select_related("recorded_by", "approved_by").order_by("called_on", "pk")),
        Prefetch("proofs", ProofOfUse.objects.order_by("due_on", "pk")),
        Prefetch("pass_throughs", PassThrough.objects.select_related("recipient").with_paid_out()),
    )


class AsOfForm(BootstrapFormMixin, forms.Form):
    stand = LocalizedDateField(label=gettext_lazy("Stand am"))


class InForceForm(BootstrapFormMixin, forms.Form):
    gilt_am = LocalizedDateField(label=gettext_lazy("in Kraft am"))


def _shares(version: DecisionVersion | None) -> list:
    """The version's own shares: as recorded then in the as-of view, else the prefetched ones."""
    if version is None:
        return []
    if hasattr(version, "snapshot_shares"):
        return version.snapshot_shares
    return version.shares


def money_context(decision: GrantDecision, versions, call_offs, proofs, today: datetime.date, pass_throughs=()) -> dict:
    """The current version, the running balance per year, the warnings and the state of proofs.

    Each pass-through gets its ceiling under the current version and the amount to claim back
    above it (:func:`funding.models.attach_ceilings`).
    """
    current = next((v for v in versions if v.is_current), None)
    pass_throughs = list(pass_throughs)
    attach_ceilings(
        pass_throughs,
        granted=current.granted_amount if current else None,
        grant_by_organisation={share.organisation_id: share.grant_amount for share in _shares(current)},
    )
    for proof in proofs:
        proof.current_state = proof.state(today)
    zero = Decimal("0.00")
    called_by_year: dict[int, Decimal] = {}
    received_by_year: dict[int, Decimal] = {}
    for call_off in call_offs:
        year = call_off.called_on.year
        called_by_year[year] = called_by_year.get(year, zero) + call_off.amount
        if call_off.received_on is not None:
            year = call_off.received_on.year
            received_by_year[year] = received_by_year.get(year, zero) + call_off.received_amount
    granted = current.granted_amount if current else None
    balance = money.running_balance(granted, called_by_year, received_by_year)
    called = sum((c.amount for c in call_offs), Decimal("0.00"))
    received = sum((c.received_amount or 0 for c in call_offs), Decimal("0.00"))
    return {
        "current": current,
        "balance": balance,
        "called": called,
        "received": received,
        "remaining": None if granted is None else max(granted - called, zero),
        "overpaid": zero if granted is None else max(called - granted, zero),
        "claim_back": sum((p.claim_back or zero for p in pass_throughs), zero),
        "warnings": decision_warnings(current, call_offs, today, pass_throughs=pass_throughs),
        "status_label": DecisionStatus(decision.status(today, current)).label,
    }


def page_warnings(decision_pk: int, today: datetime.date) -> list[MoneyWarning]:
    """The warnings at the head of a decision's page, as :class:`DecisionDetailView` shows them,
    freshly loaded: a save compares them before and after (:class:`NewWarningsMixin`)."""
    decision = decision_queryset().filter(pk=decision_pk).first()
    if decision is None:
        return []
    versions = list(decision.versions.all())
    call_offs = list(decision.call_offs.all())
    current = next((v for v in versions if v.is_current), None)
    plan = current.plan_table(list(current.plan_items.all())) if current else None
    warnings = money_context(decision, versions, call_offs, [], today, pass_throughs=decision.pass_throughs.all())[
        "warnings"
    ]
    over_financing = over_financing_warning(current, plan)
    if over_financing is not None:
        warnings.append(over_financing)
    two_months = two_month_rows(current, plan, call_offs)
    warnings.extend(two_month_warnings(current, two_months, base_rate=latest_base_rate))
    return warnings


class NewWarningsMixin:
    """A save names, once, the warnings it caused; the ones that stood before stay in their box on
    the decision's page and are not repeated after every save."""

    def warnings_decision_pk(self) -> int | None:
        return self.kwargs.get("decision_pk") or self.kwargs.get("pk")

    def post(self, request, *args, **kwargs):
        decision_pk = self.warnings_decision_pk()
        if decision_pk is None:
            return super().post(request, *args, **kwargs)
        today = timezone.localdate()
        before = {warning.text for warning in page_warnings(decision_pk, today)}
        response = super().post(request, *args, **kwargs)
        if response.status_code == 302:  # saved (a form with errors or a conflict is shown again)
            for warning in page_warnings(decision_pk, today):
                if warning.text not in before:
                    level = messages.ERROR if warning.level == "danger" else messages.WARNING
                    messages.add_message(request, level, warning.text)
        return response


class DecisionDetailView(DetailView):
    context_object_name = "decision"
    template_name = "funding/grantdecision_detail.html"

    def get_queryset(self):
        return decision_queryset()

    def get_context_data(self, **kwargs):
        decision = self.object
        today = timezone.localdate()
        versions = list(decision.versions.all())
        call_offs = list(decision.call_offs.all())
        shares = {share.organisation_id: share for v in versions if v.is_current for share in v.cost_shares.all()}
        for pass_through in decision.pass_throughs.all():
            pass_through.cost_share = shares.get(pass_through.recipient_id)
        proofs = list(decision.proofs.all())
        current = next((v for v in versions if v.is_current), None)
        coverage = None
        rule = EligibilityRule.loaded_for(decision)  # (read with the decision)
        rule_warnings = []
        if current is not None:
            coverage = decision_coverage(
                [current], shares={current.pk: shares_of(current)}, pass_throughs=decision.pass_throughs.all()
            ).get(decision.pk)
            if coverage is not None:  # its positions are the ones the rule checks: no query of their own
                positions = [
                    position
                    for row in coverage.organisations
                    for position in row.positions
                    if touches_period(position, current.period_start, current.period_end)
                ]
            elif rule.limits_fte:
                positions = positions_for([current])[current.pk]
            else:
                positions = []
            recipients = {share.organisation.short_name: share.weight for share in current.cost_shares.all()} or None
            rule_warnings = rule_findings(rule, positions, recipients)
        plan = current.plan_table(list(current.plan_items.all())) if current else None
        context = money_context(
            decision, versions, call_offs, proofs, today, pass_throughs=decision.pass_throughs.all()
        )
        context["money_chart"] = charts.money_chart(
            current.granted_amount if current else None,
            charts.money_steps(current.granted_amount if current else None, call_offs),
        )
        over_financing = over_financing_warning(current, plan)
        if over_financing is not None:
            context["warnings"].append(over_financing)
        for proof in proofs:  # what a settled final proof leaves to claim back (its claim is on its page)
            settled = proof.is_settled and proof.pass_through_id is None
            proof.overpaid = max(context["received"] - proof.settled_grant, ZERO) if settled else ZERO
        two_months = two_month_rows(current, plan, call_offs)
        context["warnings"].extend(two_month_warnings(current, two_months, base_rate=latest_base_rate))
        parents = document_parents(decision, versions, proofs, decision.pass_throughs.all())
        can_edit = self.request.user.can_change_grants()
        return super().get_context_data(
            two_months=two_months,
            derived_deadlines=settlement.deadlines_by_rule(rule, current, proofs, list(decision.pass_throughs.all())),
            coverage=coverage,
            versions=versions,
            plan=plan,
            rule=rule,
            rule_warnings=rule_warnings,
            call_offs=call_offs,
            proofs=proofs,
            pass_throughs=list(decision.pass_throughs.all()),
            current_shares=list(current.cost_shares.all()) if current else [],
            as_of_form=AsOfForm(),
            in_force_form=InForceForm(),
            can_edit=can_edit,
            documents=documents_of(parents),
            upload_form=DocumentForm(parents=parents) if can_edit else None,
            upload_url=reverse("funding:decision-document-upload", args=[decision.pk]),
            **context,
            **kwargs,
        )


def document_parents(decision, versions, proofs, pass_throughs) -> list[tuple[object, str]]:
    """What a document on the decision page may hang on, with its label: the decision as a whole,
    each of its letters (original and amendments), proofs of use and pass-throughs."""
    return [
        (decision, _("Bescheid insgesamt")),
        *((version, version.label) for version in sorted(versions, key=lambda v: v.number)),
        *((proof, str(proof)) for proof in proofs),
        *((pass_through, str(pass_through)) for pass_through in pass_throughs),
    ]


class DecisionDocumentUploadView(DocumentUploadView):
    """Upload a scanned letter, contract, report or receipt list to a decision or what hangs on it
    (the administrator; see ``GrantRecordDocuments``)."""

    def get_record(self):
        return get_object_or_404(GrantDecision, pk=self.kwargs["pk"])

    def get_parents(self):
        decision = self.record
        return document_parents(
            decision,
            decision.versions.all(),
            decision.proofs.order_by("due_on", "pk"),
            decision.pass_throughs.select_related("recipient"),
        )


class DecisionHistoryView(TemplateView):
    """The decision's audit trail: who changed what and when on it and everything attached to it.

    Its own page (the decision page loads it when scrolled to, or links to it): one query per
    history table, which the decision page itself does not need to pay for.
    """

    template_name = "funding/grantdecision_history.html"

    def get_context_data(self, **kwargs):
        try:
            decision, history = decision_history(self.kwargs["pk"])
        except GrantDecision.DoesNotExist:
            raise Http404 from None
        return super().get_context_data(decision=decision, history=history, **kwargs)


ACTIVITY_ENTRIES = 8


class DecisionActivityView(DecisionHistoryView):
    """The last few entries of the decision's audit trail (who did what, when), linked to the full
    history. The decision page loads it with htmx when scrolled to (its queries would not fit the
    page's budget); without JavaScript the page links here."""

    template_name = "funding/grantdecision_activity.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        history = context["history"]
        return {**context, "entries": history[:ACTIVITY_ENTRIES], "more": max(len(history) - ACTIVITY_ENTRIES, 0)}


class DecisionAsOfView(DetailView):
    """The decision as it was recorded at the end of a day (from the history tables)."""

    model = GrantDecision
    context_object_name = "decision"
    template_name = "funding/grantdecision_as_of.html"

    def get_context_data(self, **kwargs):
        in_force_form = InForceForm(self.request.GET if "gilt_am" in self.request.GET else None)
        form = AsOfForm(self.request.GET if "stand" in self.request.GET else None)
        snapshot = None
        if form.is_valid():
            day = form.cleaned_data["stand"]
            moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
            snapshot = decision_as_of(self.object, moment)
        context = {"as_of_form": form, "in_force_form": in_force_form, "snapshot": snapshot}
        if in_force_form.is_valid():
            versions = list(self.object.versions.prefetch_related("cost_shares__organisation"))
            in_force = self.object.version_in_force(in_force_form.cleaned_data["gilt_am"], versions)
            context.update({"in_force": in_force, "in_force_day": in_force_form.cleaned_data["gilt_am"]})
        if snapshot is not None:
            context.update(
                money_context(
                    snapshot.decision,
                    snapshot.versions,
                    snapshot.call_offs,
                    snapshot.proofs,
                    form.cleaned_data["stand"],
                    pass_throughs=snapshot.pass_throughs,
                )
            )
            current = context["current"]
            context["current_shares"] = current.snapshot_shares if current else []
        return super().get_context_data(**context, **kwargs)


class PositionFinancingView(DetailView):
    """The decisions that pay a position, with its organisation's part of each.

    Its own page, which the position page (staffing, a layer below funding) loads into its
    "Finanzierung" section with htmx; without JavaScript the section links here.
    """

    template_name = "funding/position_financing.html"

    def get_queryset(self):
        return Position.objects.select_related("building_block__programme", "organisation")

    context_object_name = "position"

    def get_context_data(self, **kwargs):
        # (the own-share keys and pass-throughs read with the versions: one query more, the positions)
        versions = list(with_coverage_rows(DecisionVersion.objects.paying(self.object).with_shares()))
        coverage = decision_coverage(versions)
        rules = rules_for([version.decision for version in versions]) if versions else {}
        organisation = self.object.organisation.short_name
        for version in versions:
            found = coverage.get(version.decision_id)
            version.position_warnings = found.for_position(self.object.pk) if found else []
            # the eligibility rule: this position's FTE, and its organisation's in the decision
            row = next((row for row in found.organisations if row.name == organisation), None) if found else None
            organisation_fte = sum((p.fte for p in row.positions), Decimal("0")) if row else self.object.fte
            version.position_warnings += [
                finding.text
                for finding in rule_findings(
                    rules[version.decision_id], [self.object], {organisation: organisation_fte}
                )
            ]
        return super().get_context_data(versions=versions, **kwargs)


# --- decisions: entry, correction, amendment, own shares ------------------------------------


class DecisionCreateView(AdministratorRequiredMixin, View):
    """A new decision with the figures of its letter; own shares are split by the positions' FTE."""

    template_name = "funding/grantdecision_form.html"

    def render(self, decision_form, version_form, status=200):
        return TemplateResponse(
            self.request,
            self.template_name,
            {"decision_form": decision_form, "version_form": version_form, "creating": True},
            status=status,
        )

    def get(self, request):
        initial = {}
        application = query_int(request.GET.get("application"))
        if application is not None:
            found = Application.objects.filter(pk=application).first()
            if found is not None:
                initial = {"application": found, "programme": found.programme_id}
        return self.render(DecisionForm(initial=initial), VersionFiguresForm())

    def post(self, request):
        decision_form = DecisionForm(request.POST)
        version_form = VersionFiguresForm(request.POST)
        if decision_form.is_valid():
            version_form.instance.building_block_ids = [b.pk for b in decision_form.cleaned_data["building_blocks"]]
        if not (decision_form.is_valid() and version_form.is_valid()):
            return self.render(decision_form, version_form)
        try:
            decision = services.create_decision(
                decision=decision_form.save(commit=False),
                building_blocks=decision_form.cleaned_data["building_blocks"],
                version=version_form.save(commit=False),
            )
        except ValidationError as error:
            version_form.add_error(None, error)
            return self.render(decision_form, version_form)
        messages.success(request, _("Der Bescheid „%(title)s“ ist angelegt.") % {"title": decision.title})
        return HttpResponseRedirect(decision.get_absolute_url())


class GrantPreviewView(AdministratorRequiredMixin, View):
    """The grant the figures typed so far compute, shown beside the decision form while it is
    filled in (htmx posts the whole form here on every change). Nothing is saved."""

    template_name = "funding/_grant_preview.html"

    def post(self, request):
        current = None
        decision_id = query_int(request.GET.get("decision"))
        if decision_id is not None:
            current = DecisionVersion.objects.filter(decision=decision_id, is_current=True).first()
        instance = DecisionVersion()
        plan_items = []
        if current is not None:  # a correction or an amendment: the letter's plan and frozen rates count
            plan_items = list(current.plan_items.all())
            instance.decision_id, instance.plan_amount = current.decision_id, current.plan_amount
            instance.frozen_rates_override = current.frozen_rates()
        form = VersionFiguresForm(request.POST, instance=instance, plan_items=plan_items)
        try:
            # a copy of the field, as every form makes one: its choices are queried then, in the body's scope
            blocks = copy.deepcopy(DecisionForm.base_fields["building_blocks"]).clean(
                request.POST.getlist("building_blocks")
            )
            form.instance.building_block_ids = [block.pk for block in blocks]
        except ValidationError:
            pass  # no blocks ticked yet: flat rates then come from the letter alone
        context = {"form": form, "version": None, "missing": []}
        if form.is_valid():
            version = form.instance
            context["version"] = version
            version.granted_amount = version.compute_grant()
            context["missing"] = version.missing_figures() if version.granted_amount is None else []
        return TemplateResponse(request, self.template_name, context)


class DecisionUpdateView(NewWarningsMixin, AdministratorRequiredMixin, View):
    """Correct a decision and its current letter; a change of figures needs a reason; stale saves are refused."""

    template_name = "funding/grantdecision_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.decision = get_object_or_404(GrantDecision.objects.select_related("programme"), pk=kwargs["pk"])
        self.version = self.decision.versions.filter(is_current=True).first()

    def render(self, decision_form, version_form, revision_form, status=200):
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "decision": self.decision,
                "version": self.version,
                "decision_form": decision_form,
                "version_form": version_form,
                "revision_form": revision_form,
            },
            status=status,
        )

    def get(self, request, pk):
        return self.render(
            DecisionForm(instance=self.decision),
            VersionFiguresForm(instance=self.version) if self.version else None,
            RevisionForm(initial={"revision": self.decision.revision}),
        )

    def post(self, request, pk):
        decision_form = DecisionForm(request.POST, instance=self.decision)
        version_form = VersionFiguresForm(request.POST, instance=self.version) if self.version else None
        revision_form = RevisionForm(request.POST)
        if decision_form.is_valid() and version_form is not None:
            version_form.instance.building_block_ids = [b.pk for b in decision_form.cleaned_data["building_blocks"]]
        valid = all(
            [decision_form.is_valid(), version_form is None or version_form.is_valid(), revision_form.is_valid()]
        )
        figures_changed = version_form is not None and version_form.is_valid() and version_form.has_changed()
        if not valid:
            return self.render(decision_form, version_form, revision_form)
        if not (decision_form.has_changed() or figures_changed):
            messages.info(request, _("Es gab nichts zu speichern."))
            return HttpResponseRedirect(self.decision.get_absolute_url())
        try:
            services.update_decision(
                decision=decision_form.save(commit=False),
                expected_revision=revision_form.cleaned_data["revision"],
                building_blocks=decision_form.cleaned_data["building_blocks"],
                version=version_form.save(commit=False) if figures_changed else None,
                reason=revision_form.cleaned_data["change_reason"].strip(),
                decision_changed=decision_form.has_changed(),
            )
        except services.StaleRevision as conflict:
            revision_form.add_error(None, conflict.message)
            return self.render(decision_form, version_form, revision_form, status=409)
        except ValidationError as error:
            revision_form.add_error(None, error)  # (the reason is the revision form's field)
            return self.render(decision_form, version_form, revision_form)
        messages.success(request, _("Die Änderungen sind gespeichert."))
        return HttpResponseRedirect(self.decision.get_absolute_url())


class DecisionDeleteView(AdministratorRequiredMixin, DeleteView):
    model = GrantDecision
    context_object_name = "decision"
    template_name = "funding/grantdecision_confirm_delete.html"

    def get_success_url(self):
        return reverse("funding:decision-list")

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request,
                _("Der Bescheid hat Mittelabrufe und kann nicht gelöscht werden; bitte zuerst die Abrufe löschen."),
            )
            return HttpResponseRedirect(self.object.get_absolute_url())


class AmendmentCreateView(NewWarningsMixin, AdministratorRequiredMixin, View):
    """Record an amendment (Änderungsbescheid): a new version; the earlier one stays readable."""

    template_name = "funding/decisionversion_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.decision = get_object_or_404(GrantDecision, pk=kwargs["pk"])
        self.current = self.decision.versions.filter(is_current=True).first()
        highest = self.decision.versions.order_by("-number").values_list("number", flat=True).first()
        self.next_number = 0 if highest is None else highest + 1

    def new_version(self, take_master_rates: bool = False):
        version = DecisionVersion(decision=self.decision, number=self.next_number, is_current=False)
        if self.current is not None:
            # The amendment starts from the current letter: its figures (so that what its plan
            # states, shown but not typed, carries over), its plan and frozen rates (record_amendment).
            for name in (*VERSION_FIGURES, "plan_amount"):
                setattr(version, name, getattr(self.current, name))
            if not take_master_rates:
                version.frozen_rates_override = self.current.frozen_rates()
        return version

    def form(self, data=None, **kwargs):
        items = list(self.current.plan_items.all()) if self.current is not None else []
        return AmendmentForm(data, plan_items=items, **kwargs)

    def render(self, form, status=200):
        return TemplateResponse(
            self.request,
            self.template_name,
            {"decision": self.decision, "current": self.current, "form": form, "number": self.next_number},
            status=status,
        )

    def get(self, request, pk):
        initial = {"revision": self.decision.revision}
        if self.current is not None:
            initial.update({name: getattr(self.current, name) for name in VERSION_FIGURES})
        return self.render(self.form(instance=self.new_version(), initial=initial))

    def post(self, request, pk):
        take_master_rates = request.POST.get("take_master_rates") == "on"
        form = self.form(request.POST, instance=self.new_version(take_master_rates))
        if not form.is_valid():
            return self.render(form)
        try:
            version = services.record_amendment(
                decision=self.decision,
                expected_revision=form.cleaned_data["revision"],
                reason=form.cleaned_data["reason"],
                dated_on=form.cleaned_data["dated_on"],
                received_on=form.cleaned_data["received_on"],
                figures={name: form.cleaned_data[name] for name in VERSION_FIGURES},
                take_master_rates=form.cleaned_data["take_master_rates"],
            )
        except services.StaleRevision as conflict:
            form.add_error(None, conflict.message)
            return self.render(form, status=409)
        except ValidationError as error:
            form.add_error(None, error)
            return self.render(form)
        messages.success(request, _("%(label)s ist erfasst und gilt jetzt.") % {"label": version.label})
        return HttpResponseRedirect(version.get_absolute_url())


class DecisionPlanView(NewWarningsMixin, AdministratorRequiredMixin, View):
    """The current letter's financing plan, item by item: costs (personnel at a rate per FTE and
    year, one-off amounts per FTE, fixed amounts, material flat rates) and resources."""

    template_name = "funding/plan_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.decision = get_object_or_404(GrantDecision.objects.select_related("programme"), pk=kwargs["pk"])
        self.version = self.decision.versions.filter(is_current=True).first()
        if self.version is None:
            raise Http404(_("Der Bescheid hat noch keine geltende Fassung."))

    def formset(self, data=None):
        queryset = PlanItem.objects.select_related("building_block", "organisation")
        return PlanItemFormSet(data, instance=self.version, queryset=queryset, decision=self.decision)

    def render(self, formset, revision_form, status=200):
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "decision": self.decision,
                "version": self.version,
                "formset": formset,
                "revision_form": revision_form,
                "plan": self.version.plan_table(list(self.version.plan_items.all())),
            },
            status=status,
        )

    def get(self, request, pk):
        return self.render(self.formset(), RevisionForm(initial={"revision": self.decision.revision}))

    def post(self, request, pk):
        formset = self.formset(request.POST)
        revision_form = RevisionForm(request.POST)
        if not (formset.is_valid() and revision_form.is_valid()):
            return self.render(formset, revision_form)
        if not formset.has_changed():
            messages.info(request, _("Es gab nichts zu speichern."))
            return HttpResponseRedirect(self.decision.get_absolute_url() + "#finanzierungsplan")
        try:
            services.save_financing_plan(
                decision=self.decision,
                expected_revision=revision_form.cleaned_data["revision"],
                formset=formset,
                reason=revision_form.cleaned_data["change_reason"],
            )
        except services.StaleRevision as conflict:
            revision_form.add_error(None, conflict.message)
            return self.render(formset, revision_form, status=409)
        except ValidationError as error:
            revision_form.add_error(None, error)
            return self.render(formset, revision_form)
        messages.success(request, _("Der Finanzierungsplan ist gespeichert."))
        return HttpResponseRedirect(self.decision.get_absolute_url() + "#finanzierungsplan")


class DecisionRuleView(AdministratorRequiredMixin, View):
    """The decision's own eligibility rule (FTE limits, how months count, the flat rate's basis)."""

    template_name = "funding/eligibilityrule_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.decision = get_object_or_404(GrantDecision.objects.select_related("programme"), pk=kwargs["pk"])
        self.rule = EligibilityRule.objects.filter(decision=self.decision).first()
        self.inherited = rules_for([self.decision])[self.decision.pk] if self.rule is None else None

    def form(self, data=None):
        if self.rule is not None:
            return EligibilityRuleForm(data, instance=self.rule)
        initial = {}
        if self.inherited is not None and self.inherited.programme_id:
            initial = {name: getattr(self.inherited, name) for name in EligibilityRuleForm.Meta.fields}
        return EligibilityRuleForm(data, initial=initial, instance=EligibilityRule(decision=self.decision))

    def render(self, form, revision_form, status=200):
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "decision": self.decision,
                "form": form,
                "revision_form": revision_form,
                "inherited": self.inherited,
            },
            status=status,
        )

    def get(self, request, pk):
        return self.render(self.form(), RevisionForm(initial={"revision": self.decision.revision}))

    def post(self, request, pk):
        form = self.form(request.POST)
        revision_form = RevisionForm(request.POST)
        if not (form.is_valid() and revision_form.is_valid()):
            return self.render(form, revision_form)
        try:
            services.save_eligibility_rule(
                decision=self.decision,
                expected_revision=revision_form.cleaned_data["revision"],
                rule=form.save(commit=False),
                reason=revision_form.cleaned_data["change_reason"],
            )
        except services.StaleRevision as conflict:
            revision_form.add_error(None, conflict.message)
            return self.render(form, revision_form, status=409)
        messages.success(request, _("Die Förderregel des Bescheids ist gespeichert."))
        return HttpResponseRedirect(self.decision.get_absolute_url() + "#foerderregeln")


class ProgrammeCoverageView(DetailView):
    """The decisions of a programme whose positions do not fit their grant (funding.coverage).

    Its own page, which the dashboard and the programme page load into each programme's summary
    with htmx when it is scrolled to (hx-select): the month-by-month comparison of every
    position is the costliest part of those pages and would hold up their first view."""

    model = Programme
    context_object_name = "programme"
    template_name = "funding/programme_coverage.html"

    def get_context_data(self, **kwargs):
        versions = (
            with_coverage_rows(DecisionVersion.objects.current().filter(decision__programme=self.object))
            .select_related("decision")
            .with_shares()
        )
        return super().get_context_data(lines=coverage_warnings(list(versions)), **kwargs)


class ProgrammeRuleView(AdministratorRequiredMixin, View):
    """A programme's eligibility rule: what its guideline says for every decision under it (a
    decision's own rule wins)."""

    template_name = "funding/eligibilityrule_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.programme = get_object_or_404(Programme, pk=kwargs["pk"])
        self.rule = EligibilityRule.objects.filter(programme=self.programme).first() or EligibilityRule(
            programme=self.programme
        )

    def render(self, form, status=200):
        return TemplateResponse(
            self.request, self.template_name, {"programme": self.programme, "form": form}, status=status
        )

    def get(self, request, pk):
        return self.render(EligibilityRuleForm(instance=self.rule))

    def post(self, request, pk):
        form = EligibilityRuleForm(request.POST, instance=self.rule)
        if not form.is_valid():
            return self.render(form)
        form.save()
        messages.success(request, _("Die Förderregel des Programms ist gespeichert."))
        return HttpResponseRedirect(self.programme.get_absolute_url())


class CostShareSplitView(NewWarningsMixin, AdministratorRequiredMixin, View):
    """Split the current version's own share between organisations by a key (usually FTE)."""

    template_name = "funding/costshare_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.decision = get_object_or_404(GrantDecision, pk=kwargs["pk"])
        self.version = self.decision.versions.filter(is_current=True).first()

    def render(self, formset, revision_form, status=200):
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "decision": self.decision,
                "version": self.version,
                "formset": formset,
                "revision_form": revision_form,
                "can_split": self.version is not None and services.can_split(self.version),
            },
            status=status,
        )

    def get(self, request, pk):
        weights = {}
        if self.version is not None:
            weights = services.current_weights(self.version) or services.position_weights(self.version)
        formset = WeightFormSet(initial=[{"organisation": org, "weight": weight} for org, weight in weights.items()])
        return self.render(formset, RevisionForm(initial={"revision": self.decision.revision}))

    def post(self, request, pk):
        formset = WeightFormSet(request.POST)
        revision_form = RevisionForm(request.POST)
        if not (formset.is_valid() and revision_form.is_valid()):
            return self.render(formset, revision_form)
        try:
            services.set_cost_share_weights(
                decision=self.decision,
                expected_revision=revision_form.cleaned_data["revision"],
                weights=formset.weights(),
                reason=revision_form.cleaned_data["change_reason"].strip(),
            )
        except services.StaleRevision as conflict:
            revision_form.add_error(None, conflict.message)
            return self.render(formset, revision_form, status=409)
        except ValidationError as error:
            revision_form.add_error(None, error)
            return self.render(formset, revision_form)
        messages.success(request, _("Der Eigenanteil ist neu aufgeteilt."))
        return HttpResponseRedirect(self.decision.get_absolute_url() + "#eigenanteile")


# --- call-offs, proofs of use, pass-throughs -----------------------------------------------------


class DecisionChildMixin(NewWarningsMixin, AdministratorRequiredMixin):
    """Create/update/delete of a record that hangs on a decision; back to the decision afterwards."""

    service = None  # a function(*, <name>=obj) that saves under the decision's lock, or None
    service_takes_user = False  # the service records who saved (four eyes: core.models.record_change)

    def get_decision(self):
        if "decision_pk" in self.kwargs:
            return get_object_or_404(GrantDecision, pk=self.kwargs["decision_pk"])
        return self.object.decision

    def warnings_decision_pk(self) -> int | None:
        if "decision_pk" in self.kwargs:
            return self.kwargs["decision_pk"]
        return self.model.objects.filter(pk=self.kwargs["pk"]).values_list("decision_id", flat=True).first()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "instance" in kwargs and kwargs["instance"] is None:
            kwargs["instance"] = self.model(decision=self.get_decision())
        return kwargs

    def get_context_data(self, **kwargs):
        decision = self.object.decision if getattr(self, "object", None) else self.get_decision()
        return super().get_context_data(decision=decision, **kwargs)

    def get_success_url(self):
        return self.object.get_absolute_url()

    def form_valid(self, form):
        if self.service is None:
            return super().form_valid(form)
        record = form.save(commit=False)
        was_approved = getattr(record, "is_approved", False)
        arguments = {self.service_argument: record}
        if self.service_takes_user:
            arguments["user"] = self.request.user
        try:
            self.object = type(self).service(**arguments)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Gespeichert."))
        if self.service_takes_user and not self.object.is_approved:
            if was_approved:
                messages.warning(
                    self.request,
                    _(
                        "Die Freigabe wurde zurückgenommen: Sie haben den freigegebenen Eintrag geändert. "
                        "Eine zweite Person muss ihn erneut freigeben."
                    ),
                )
            else:
                messages.info(self.request, _("Der Eintrag wartet auf die Freigabe durch eine zweite Person."))
        return HttpResponseRedirect(self.get_success_url())


class CallOffCreateView(CreateOnceMixin, DecisionChildMixin, CreateView):
    model = CallOff
    form_class = CallOffForm
    service = services.save_call_off
    service_argument = "call_off"
    service_takes_user = True


class CallOffUpdateView(RevisionCheckMixin, DecisionChildMixin, UpdateView):
    model = CallOff
    form_class = CallOffForm
    service = services.save_call_off
    service_argument = "call_off"
    service_takes_user = True


class CallOffApproveView(ApproveView):
    """The second person approves a call-off (four eyes); everyone reads decisions, the service decides."""

    model = CallOff


class CallOffDeleteView(DecisionChildMixin, DeleteView):
    model = CallOff


class ProofCreateView(CreateOnceMixin, DecisionChildMixin, CreateView):
    model = ProofOfUse
    form_class = ProofOfUseForm


class ProofUpdateView(RevisionCheckMixin, DecisionChildMixin, UpdateView):
    model = ProofOfUse
    form_class = ProofOfUseForm


class ProofDeleteView(DecisionChildMixin, DeleteView):
    model = ProofOfUse


class PassThroughCreateView(CreateOnceMixin, DecisionChildMixin, CreateView):
    model = PassThrough
    form_class = PassThroughForm
    service = services.save_pass_through
    service_argument = "pass_through"

    def get_form_kwargs(self):
        """A new pass-through counts months as the current letter does (the contract may differ)."""
        kwargs = super().get_form_kwargs()
        current = kwargs["instance"].decision.versions.filter(is_current=True).first()
        if current is not None:
            kwargs["instance"].month_counting = current.month_counting
        return kwargs


class PassThroughUpdateView(RevisionCheckMixin, DecisionChildMixin, UpdateView):
    model = PassThrough
    form_class = PassThroughForm
    service = services.save_pass_through
    service_argument = "pass_through"


class PassThroughDeleteView(DecisionChildMixin, DeleteView):
    model = PassThrough

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request,
                _(
                    "Die Weiterleitung hat Auszahlungen und kann nicht gelöscht werden; "
                    "bitte zuerst die Auszahlungen löschen."
                ),
            )
            return HttpResponseRedirect(self.object.get_detail_url())


class PassThroughDetailView(DetailView):
    """A pass-through's page: its terms, the years, the contract and the payouts (everyone logged in reads)."""

    context_object_name = "pass_through"
    template_name = "funding/passthrough_detail.html"

    def get_queryset(self):
        return (
            PassThrough.objects.select_related("decision__programme", "decision__funder", "recipient").with_paid_out()
        ).prefetch_related(
            Prefetch(
                "payouts", Payout.objects.select_related("recorded_by", "approved_by").order_by("requested_on", "pk")
            )
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            decision=self.object.decision,
            pass_through_list=[self.object],
            payouts=list(self.object.payouts.all()),
            requested=sum((payout.amount for payout in self.object.payouts.all()), Decimal("0.00")),
            can_edit=self.request.user.can_change_grants(),
            **kwargs,
        )


class PassThroughContractView(DetailView):
    """The contract with the recipient (Weiterleitungsvertrag) as a PDF, from the decision's and the
    pass-through's terms; every download is in the security log."""

    def get_queryset(self):
        return PassThrough.objects.select_related("decision__programme", "decision__funder", "recipient")

    def get(self, request, *args, **kwargs):
        pass_through = self.get_object()
        decision = pass_through.decision
        current = decision.versions.filter(is_current=True).first()
        try:
            content = render_pdf(
                "funding/pass_through_contract.html",
                {
                    "pass_through": pass_through,
                    "decision": decision,
                    "current": current,
                    "body": decision.body,
                },
            )
        except RenderError:
            logger.exception("Weiterleitungsvertrag %s: PDF fehlgeschlagen", pass_through.pk)
            return TemplateResponse(request, "funding/contract_error.html", {"pass_through": pass_through}, status=500)
        log_access(request, "pdf-download", pass_through)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="weiterleitungsvertrag-{pass_through.pk}.pdf"'
        return response


class PassThroughChildMixin(AdministratorRequiredMixin):
    """Create/update/delete of a payout; back to the pass-through's page afterwards."""

    def get_pass_through(self):
        if getattr(self, "object", None) is not None:
            return self.object.pass_through
        return get_object_or_404(
            PassThrough.objects.select_related("recipient", "decision"), pk=self.kwargs["pass_through_pk"]
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "instance" in kwargs and kwargs["instance"] is None:  # (a create form; a delete form has none)
            kwargs["instance"] = Payout(pass_through=self.get_pass_through())
        return kwargs

    def get_context_data(self, **kwargs):
        pass_through = self.get_pass_through()
        return super().get_context_data(pass_through=pass_through, decision=pass_through.decision, **kwargs)

    def get_success_url(self):
        return self.object.get_absolute_url()


class PayoutSaveMixin(PassThroughChildMixin):
    def form_valid(self, form):
        payout = form.save(commit=False)
        was_approved = payout.is_approved
        try:
            self.object = services.save_payout(payout=payout, user=self.request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Gespeichert."))
        if not self.object.is_approved:
            if was_approved:
                messages.warning(
                    self.request,
                    _(
                        "Die Freigabe wurde zurückgenommen: Sie haben den freigegebenen Eintrag geändert. "
                        "Eine zweite Person muss ihn erneut freigeben."
                    ),
                )
            else:
                messages.info(self.request, _("Der Eintrag wartet auf die Freigabe durch eine zweite Person."))
        return HttpResponseRedirect(self.get_success_url())


class PayoutCreateView(CreateOnceMixin, PayoutSaveMixin, CreateView):
    model = Payout
    form_class = PayoutForm


class PayoutUpdateView(RevisionCheckMixin, PayoutSaveMixin, UpdateView):
    model = Payout
    form_class = PayoutForm


class PayoutDeleteView(PassThroughChildMixin, DeleteView):
    """Deletes a payout not yet paid (a paid one is a record of money spent: it stays)."""

    model = Payout

    def get_success_url(self):
        return self.object.pass_through.get_detail_url()

    def form_valid(self, form):
        if self.object.paid_on is not None:
            messages.error(self.request, _("Eine ausgezahlte Auszahlung kann nicht gelöscht werden."))
            return HttpResponseRedirect(self.object.get_absolute_url())
        return super().form_valid(form)


class PayoutApproveView(ApproveView):
    """The second person approves a payout (four eyes); the service decides who may."""

    model = Payout


class ProofListView(FilteredTableView):
    """Proof-of-use deadlines of all decisions: what is overdue, what is due in the next 90 days."""

    table_class = ProofTable
    filterset_class = ProofFilter
    template_name = "funding/proofofuse_list.html"

    def get_queryset(self):
        return ProofOfUse.objects.select_related("decision__programme")


# --- applications ---------------------------------------------------------------------------------


class ApplicationListView(FilteredTableView):
    table_class = ApplicationTable
    filterset_class = ApplicationFilter
    template_name = "funding/application_list.html"

    def get_queryset(self):
        return (
            Application.objects.select_related("programme")
            .annotate(decision_count=Count("decisions"))
            .order_by("-submitted_on", "pk")
        )


class ApplicationDetailView(DetailView):
    def get_queryset(self):
        return Application.objects.select_related("programme").prefetch_related(
            "building_blocks", Prefetch("decisions", GrantDecision.objects.with_current_version())
        )

    context_object_name = "application"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            history=history_entries(self.object), can_edit=self.request.user.can_change_grants(), **kwargs
        )


class ApplicationCreateView(AdministratorRequiredMixin, CreateOnceMixin, CreateView):
    model = Application
    form_class = ApplicationForm


class ApplicationUpdateView(AdministratorRequiredMixin, RevisionCheckMixin, UpdateView):
    model = Application
    form_class = ApplicationForm


class ApplicationDeleteView(AdministratorRequiredMixin, DeleteView):
    model = Application
    context_object_name = "application"

    def get_success_url(self):
        return reverse("funding:application-list")

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ProtectedError:
            messages.error(self.request, _("Zu diesem Antrag gibt es Bescheide; er kann nicht gelöscht werden."))
            return HttpResponseRedirect(self.object.get_absolute_url())


# --- controlling ----------------------------------------------------------------------------------


class ControllingFilterForm(BootstrapFormMixin, forms.Form):
    programme = ScopedModelChoiceField(
        label=gettext_lazy("Förderprogramm"), choices_from=Programme.objects.all, required=False
    )
    year = PlainIntegerField(label=gettext_lazy("Jahr"), required=False, min_value=2000, max_value=2100)


class ControllingView(TemplateView):
    """Per programme, decision and year: eligible, granted, own share by organisation, called,
    received, remaining, coverage gap."""

    template_name = "funding/controlling.html"

    programmes_per_page = 10

    def get_context_data(self, **kwargs):
        form = ControllingFilterForm(self.request.GET or None)
        programmes, year = Programme.objects.all(), None
        if form.is_valid():
            if form.cleaned_data["programme"] is not None:
                programmes = programmes.filter(pk=form.cleaned_data["programme"].pk)
            year = form.cleaned_data["year"]
        # Ten programmes a page (a state-wide installation has fifty); the totals cover all of them.
        page = Paginator(programmes, self.programmes_per_page).get_page(self.request.GET.get("page"))
        rows = controlling_overview(programmes=list(page.object_list), year=year) if page.object_list else []
        return super().get_context_data(
            form=form, rows=rows, year=year, page_obj=page, totals=controlling_totals(programmes), **kwargs
        )
