"""The proof of use page: its receipts, their review, the settlement and the repayment claim.

Everyone logged in reads it (as the decision page); the administrator enters and reviews
receipts, closes or reopens the review and keeps the claim. The rules are in
:mod:`funding.settlement`; these views only call them.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import CreateView, DeleteView, DetailView, UpdateView

from funding import receipt_import, settlement
from funding.forms import (
    ReceiptForm,
    ReceiptImportForm,
    ReceiptReviewForm,
    ReopenForm,
    RepaymentClaimForm,
    ThirdPartyActualForm,
)
from funding.models import GrantDecision, ProofOfUse, Receipt, RepaymentClaim, base_rates
from integration_admin.core.documents import DocumentForm, documents_of
from integration_admin.core.formats import euro
from integration_admin.core.models import record_change
from integration_admin.core.permissions import AdministratorRequiredMixin
from integration_admin.core.views import ApproveView, DocumentUploadView, RevisionCheckMixin
from staffing.imports.reading import too_large_message


def current_plan_items(decision: GrantDecision) -> list:
    version = decision.versions.filter(is_current=True).first()
    return list(version.plan_items.costs()) if version else []


class ProofDetailView(DetailView):
    model = ProofOfUse
    context_object_name = "proof"
    template_name = "funding/proofofuse_detail.html"

    def get_queryset(self):
        return ProofOfUse.objects.select_related("decision__programme", "pass_through__recipient")

    def get_context_data(self, **kwargs):
        proof = self.object
        today = timezone.localdate()
        claim = RepaymentClaim.objects.filter(proof=proof).prefetch_related("parts").first()
        rates = base_rates()
        interest = claim.interest(today, rates) if claim else None
        latest_rate = rates[-1] if rates else None
        rate_outdated = latest_rate is not None and (today - latest_rate[0]).days > 184
        receipts = list(proof.receipts.select_related("plan_item", "reviewed_by"))
        can_edit = self.request.user.can_change_grants()
        parents = [(proof, str(proof))]  # (its narrative report, receipt list: on the decision page too)
        return super().get_context_data(
            documents=documents_of(parents),
            upload_form=DocumentForm(parents=parents) if can_edit else None,
            upload_url=reverse("funding:proof-document-upload", args=[proof.pk]),
            decision=proof.decision,
            receipts=receipts,
            settlement=settlement.settlement_for(proof),
            recipient=settlement.recipient_settlement(proof),
            claim=claim,
            interest=interest,
            interest_until=min(today, claim.repaid_on) if claim and claim.repaid_on else today,
            latest_rate=latest_rate,
            rate_outdated=rate_outdated,
            can_edit=can_edit,
            receipt_form=ReceiptForm(plan_items=current_plan_items(proof.decision)) if can_edit else None,
            reopen_form=ReopenForm() if can_edit else None,
            third_party_form=ThirdPartyActualForm(instance=proof) if can_edit else None,
            **kwargs,
        )


class ProofDocumentUploadView(DocumentUploadView):
    """Upload the narrative report, the receipt list or another document of a proof of use (the
    administrator; see ``GrantRecordDocuments``)."""

    def get_record(self):
        return get_object_or_404(ProofOfUse, pk=self.kwargs["pk"])


class ReceiptMixin(AdministratorRequiredMixin):
    model = Receipt
    form_class = ReceiptForm

    def get_proof(self) -> ProofOfUse:
        if "proof_pk" in self.kwargs:
            return get_object_or_404(ProofOfUse.objects.select_related("decision"), pk=self.kwargs["proof_pk"])
        return self.object.proof

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        proof = self.get_proof()
        kwargs["plan_items"] = current_plan_items(proof.decision)
        if kwargs.get("instance") is None:
            kwargs["instance"] = Receipt(proof=proof)
        return kwargs

    def get_context_data(self, **kwargs):
        proof = self.get_proof()
        return super().get_context_data(proof=proof, decision=proof.decision, **kwargs)

    def form_valid(self, form):
        try:
            self.object = settlement.save_receipt(receipt=form.save(commit=False))
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                _add_errors(form, error)
            else:
                form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Beleg gespeichert."))
        return HttpResponseRedirect(self.object.proof.get_absolute_url() + "#belege")


def _add_errors(form, error: ValidationError) -> None:
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class ReceiptCreateView(ReceiptMixin, CreateView):
    pass


class ReceiptUpdateView(ReceiptMixin, UpdateView):
    pass


class ReceiptDeleteView(AdministratorRequiredMixin, DeleteView):
    model = Receipt

    def get_context_data(self, **kwargs):
        return super().get_context_data(proof=self.object.proof, decision=self.object.proof.decision, **kwargs)

    def form_valid(self, form):
        try:
            settlement.check_open(self.object.proof)
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return HttpResponseRedirect(self.object.proof.get_absolute_url())
        proof_url = self.object.proof.get_absolute_url()
        self.object.delete()
        messages.success(self.request, _("Beleg gelöscht."))
        return HttpResponseRedirect(proof_url + "#belege")


class ReceiptReviewView(AdministratorRequiredMixin, View):
    """Admit a receipt in full or cut it with a reason."""

    template_name = "funding/receipt_review.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        receipts = Receipt.objects.select_related("proof__decision", "plan_item")
        self.receipt = get_object_or_404(receipts, pk=kwargs["pk"])

    def render(self, form, status=200):
        context = {"receipt": self.receipt, "proof": self.receipt.proof, "decision": self.receipt.proof.decision}
        return TemplateResponse(self.request, self.template_name, {**context, "form": form}, status=status)

    def get(self, request, pk):
        initial = {
            "admitted_amount": self.receipt.admitted_amount
            if self.receipt.admitted_amount is not None
            else self.receipt.amount,
            "cut_reason": self.receipt.cut_reason,
        }
        return self.render(ReceiptReviewForm(receipt=self.receipt, initial=initial))

    def post(self, request, pk):
        form = ReceiptReviewForm(request.POST, receipt=self.receipt)
        if not form.is_valid():
            return self.render(form)
        try:
            settlement.review_receipt(
                receipt=self.receipt,
                admitted_amount=form.cleaned_data["admitted_amount"],
                cut_reason=form.cleaned_data["cut_reason"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.render(form)
        messages.success(request, _("Beleg geprüft."))
        return HttpResponseRedirect(self.receipt.proof.get_absolute_url() + "#belege")


class ProofActionView(AdministratorRequiredMixin, View):
    """A POST on a proof that changes its review; back to the proof page with a message."""

    http_method_names = ["post"]

    def post(self, request, pk):
        proof = get_object_or_404(ProofOfUse.objects.select_related("decision"), pk=pk)
        try:
            message = self.act(proof)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if message:
                messages.success(request, message)
        return HttpResponseRedirect(proof.get_absolute_url())


class ProofAdmitAllView(ProofActionView):
    def act(self, proof):
        count = settlement.admit_all(proof=proof, user=self.request.user)
        return _("%(count)s Belege in voller Höhe anerkannt.") % {"count": count}


class ProofConcludeView(ProofActionView):
    def act(self, proof):
        claim = settlement.conclude_review(proof=proof, day=timezone.localdate(), user=self.request.user)
        proof.refresh_from_db()
        if claim is None:
            return _("Prüfung abgeschlossen: Zuwendung nach Prüfung %(grant)s.") % {"grant": euro(proof.settled_grant)}
        return _("Prüfung abgeschlossen: Zuwendung nach Prüfung %(grant)s; zurückzufordern sind %(claim)s.") % {
            "grant": euro(proof.settled_grant),
            "claim": euro(claim.amount),
        }


class ProofReopenView(ProofActionView):
    def act(self, proof):
        form = ReopenForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(_("Bitte angeben, warum die Prüfung wieder geöffnet wird."))
        settlement.reopen_review(proof=proof, reason=form.cleaned_data["reason"], user=self.request.user)
        return _("Die Prüfung ist wieder offen.")


class ProofThirdPartyView(AdministratorRequiredMixin, RevisionCheckMixin, UpdateView):
    model = ProofOfUse
    form_class = ThirdPartyActualForm
    template_name = "funding/proof_third_party_form.html"
    context_object_name = "proof"

    def get_context_data(self, **kwargs):
        return super().get_context_data(decision=self.object.decision, **kwargs)

    def form_valid(self, form):
        try:
            settlement.check_open(self.object)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return super().form_valid(form)


class RepaymentClaimUpdateView(AdministratorRequiredMixin, RevisionCheckMixin, UpdateView):
    model = RepaymentClaim
    form_class = RepaymentClaimForm
    context_object_name = "claim"

    def get_context_data(self, **kwargs):
        return super().get_context_data(proof=self.object.proof, decision=self.object.decision, **kwargs)

    def form_valid(self, form):
        if record_change(form.instance, user=self.request.user):
            messages.warning(
                self.request,
                _(
                    "Die Freigabe wurde zurückgenommen: Sie haben den freigegebenen Eintrag geändert. "
                    "Eine zweite Person muss ihn erneut freigeben."
                ),
            )
        return super().form_valid(form)


class ProofApproveView(ApproveView):
    """The second person approves a closed review (the settled grant); an open one has nothing to approve."""

    model = ProofOfUse

    def post(self, request, *args, **kwargs):
        proof = self.get_object()
        if not proof.is_settled:
            messages.error(request, _("Freigegeben wird die abgeschlossene Prüfung; diese ist noch offen."))
            return HttpResponseRedirect(proof.get_absolute_url())
        return super().post(request, *args, **kwargs)


class RepaymentClaimApproveView(ApproveView):
    """The second person approves a repayment claim before it goes out (four eyes)."""

    model = RepaymentClaim

    def get_success_url(self) -> str:
        return self.object.proof.get_absolute_url() + "#rueckforderung"


class DecisionDeadlinesView(AdministratorRequiredMixin, View):
    """Create the proof deadlines the rule gives (POST), or move the recorded ones to it."""

    http_method_names = ["post"]

    def post(self, request, pk):
        decision = get_object_or_404(GrantDecision, pk=pk)
        changed = settlement.apply_derived_deadlines(decision=decision, overwrite=request.POST.get("overwrite") == "1")
        if changed:
            messages.success(
                request,
                _("%(count)s Nachweisfristen nach der Regel angelegt oder angepasst.") % {"count": len(changed)},
            )
        else:
            messages.info(request, _("Die Nachweisfristen entsprechen schon der Regel."))
        return HttpResponseRedirect(reverse("funding:decision-detail", args=[pk]) + "#nachweise")


class ReceiptImportView(AdministratorRequiredMixin, View):
    """Bring in a receipt list from a spreadsheet: all rows or, with the errors listed, none."""

    template_name = "funding/receipt_import.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.proof = get_object_or_404(ProofOfUse.objects.select_related("decision"), pk=kwargs["proof_pk"])

    def render(self, form, result=None, status=200):
        context = {"proof": self.proof, "decision": self.proof.decision, "form": form, "result": result}
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, proof_pk):
        return self.render(ReceiptImportForm())

    def post(self, request, proof_pk):
        form = ReceiptImportForm(request.POST, request.FILES)
        if getattr(request, "upload_too_large", False):
            form = ReceiptImportForm()
            form.add_error(None, too_large_message())
            return self.render(form)
        if not form.is_valid():
            return self.render(form)
        upload = form.cleaned_data["file"]
        result = receipt_import.import_receipts(proof=self.proof, name=upload.name, content=upload.read())
        if result.saved:
            messages.success(request, _("%(count)s Belege importiert.") % {"count": len(result.rows)})
            return HttpResponseRedirect(self.proof.get_absolute_url() + "#belege")
        return self.render(form, result)
