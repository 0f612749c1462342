"""The Django admin for funding records: administrators only, and bound by the same rules as the pages.

- Only users with the administrator role see or change anything here (not every staff user).
- The grant is computed, never typed in (read-only); version numbers and "current" are set by
  the amendment workflow, so versions are neither added nor deleted here; own shares come from
  the split service and are read-only.
- A change of a letter's figures needs a reason (stored in the history); a decision or version
  saved after someone else changed the decision is refused (its revision is checked under a row lock).
- Call-offs and pass-throughs lock their decision while their total is checked against the grant.
- A flat rate in the master data is a proposal for new decisions: issued decisions keep the rate
  frozen into them, and the admin says which ones (a changed rate reaches them only by an amendment).
- The financing plan is read-only here (it is entered on the decision's page); eligibility rules
  of programmes are kept here.
- Payouts, receipts and repayment claims can be looked up here but not changed: they are
  recorded and approved on their pages, where the four-eyes rule, the review and the row lock
  that keeps payouts within the pass-through apply.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from funding import services
from funding.forms import (
    ApplicationForm,
    CallOffForm,
    DecisionForm,
    PassThroughForm,
    VersionFiguresForm,
)
from funding.models import (
    VERSION_FIGURES,
    Application,
    BaseRate,
    CallOff,
    CostShare,
    DecisionVersion,
    EligibilityRule,
    GrantDecision,
    PassThrough,
    Payout,
    PlanItem,
    ProofOfUse,
    Receipt,
    RepaymentClaim,
)
from integration_admin.core.admin import (
    ApprovableAdminMixin,
    LocalizedAdminMixin,
    PlainTextAdminMixin,
    RevisionedAdminMixin,
    ScopedHistoryAdmin,
)
from integration_admin.core.forms import (
    LocalizedDateField,
    LocalizedDecimalField,
    ModelMultipleIdField,
    PlainIntegerField,
)
from programs.models import BuildingBlock, FlatRate


class AdministratorOnly:
    """Every permission of this admin class follows the administrator role."""

    def _allowed(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.is_administrator

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request, *args):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)


class ViewOnlyInAdmin(AdministratorOnly):
    """Administrators see the records; nobody adds, changes or deletes them here."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DecisionRevisionAdminMixin(forms.Form):
    """A hidden copy of the decision's revision; clean() locks the decision row and compares."""

    seen_revision = PlainIntegerField(widget=forms.HiddenInput, required=False)

    def decision_for_revision(self):
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        decision = self.decision_for_revision()
        if decision is not None and decision.pk is not None:
            seen = cleaned.get("seen_revision")
            try:
                locked = services.lock_decision(decision.pk, seen)
                if seen is None:  # a missing revision is a conflict too, as on the pages
                    raise services.StaleRevision(locked)
            except services.StaleRevision as conflict:
                raise ValidationError(conflict.message) from conflict
        return cleaned


class GrantDecisionAdminForm(DecisionRevisionAdminMixin, DecisionForm):
    change_reason = forms.CharField(
        label=_("Grund der Änderung"), max_length=services.REASON_MAX_LENGTH, required=False
    )

    class Meta(DecisionForm.Meta):
        widgets = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_revision"].initial = self.instance.revision

    def decision_for_revision(self):
        return self.instance


class DecisionVersionInline(PlainTextAdminMixin, admin.StackedInline):
    model = DecisionVersion
    extra = 0
    fields = ["number", "is_current", "dated_on", "received_on", "reason", *VERSION_FIGURES, "granted_amount"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GrantDecision)
class GrantDecisionAdmin(PlainTextAdminMixin, AdministratorOnly, ScopedHistoryAdmin):
    form = GrantDecisionAdminForm
    list_display = ["title", "programme", "funder", "application", "form"]
    list_filter = ["programme", "funder", "form"]
    list_select_related = ["programme", "funder", "application__programme"]
    filter_horizontal = ["building_blocks"]
    readonly_fields = ["revision"]
    inlines = [DecisionVersionInline]

    def has_add_permission(self, request, *args):
        # A decision is created with its letter's figures on the page "Bescheid erfassen".
        return False

    def save_model(self, request, obj, form, change):
        obj.revision = form.cleaned_data["seen_revision"] + 1
        obj._change_reason = form.cleaned_data.get("change_reason") or None
        super().save_model(request, obj, form, change)


class DecisionVersionAdminForm(DecisionRevisionAdminMixin, VersionFiguresForm):
    change_reason = forms.CharField(
        label=_("Grund der Änderung"), max_length=services.REASON_MAX_LENGTH, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_revision"].initial = self.instance.decision.revision

    def decision_for_revision(self):
        return self.instance.decision if self.instance.decision_id else None

    def clean(self):
        cleaned = super().clean()
        try:  # the decision service's rule, checked here so that the admin shows it on the form
            services.check_reason_for_changed_figures(
                figures_changed=bool(set(self.changed_data) - {"change_reason", "seen_revision"}),
                reason=cleaned.get("change_reason") or "",
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class CostShareInline(PlainTextAdminMixin, admin.TabularInline):
    model = CostShare
    extra = 0
    fields = ["organisation", "weight", "eligible_amount", "grant_amount", "third_party_amount", "own_share"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PlanItemInline(PlainTextAdminMixin, admin.TabularInline):
    model = PlanItem
    extra = 0
    fields = ["kind", "label", "building_block", "organisation", "year", "fte", "amount", "percent"]
    readonly_fields = [*fields, "frozen_from_master_data_on"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DecisionVersion)
class DecisionVersionAdmin(PlainTextAdminMixin, AdministratorOnly, ScopedHistoryAdmin):
    form = DecisionVersionAdminForm
    list_display = ["decision", "number", "is_current", "financing_type", "eligible_expenditure", "granted_amount"]
    list_filter = ["financing_type", "is_current"]
    list_select_related = ["decision"]
    readonly_fields = ["decision", "number", "is_current", "reason", "granted_amount"]
    inlines = [PlanItemInline, CostShareInline]

    def has_add_permission(self, request, *args):
        # Amendments are recorded on the decision's page, which numbers them and moves "current".
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.update_decision(
            decision=obj.decision,
            expected_revision=None,  # compared with the revision the user saw, under the row lock, in clean()
            version=obj if obj.is_current else None,
            reason=form.cleaned_data.get("change_reason", "").strip(),
            decision_changed=False,
        )
        if not obj.is_current:
            services.correct_superseded_version(version=obj, reason=form.cleaned_data.get("change_reason", ""))


class ApplicationAdminForm(ApplicationForm):
    building_blocks = ModelMultipleIdField(
        choices_from=lambda: BuildingBlock.objects.select_related("programme"), label=_("Bausteine"), required=False
    )


@admin.register(Application)
class ApplicationAdmin(PlainTextAdminMixin, AdministratorOnly, RevisionedAdminMixin, ScopedHistoryAdmin):
    form = ApplicationAdminForm
    list_display = ["programme", "submitted_on", "reference", "requested_amount"]
    list_filter = ["programme"]
    list_select_related = ["programme"]
    filter_horizontal = ["building_blocks"]


class LockDecisionMixin(forms.ModelForm):
    """Lock the chosen decision before the model's clean() checks the total against the grant."""

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision is not None:
            services.lock_decision(decision.pk, None)
        return cleaned


class CallOffAdminForm(LockDecisionMixin, CallOffForm):
    class Meta(CallOffForm.Meta):
        fields = ["decision", *CallOffForm.Meta.fields]


class PassThroughAdminForm(LockDecisionMixin, PassThroughForm):
    class Meta(PassThroughForm.Meta):
        fields = ["decision", *PassThroughForm.Meta.fields]


@admin.register(CallOff)
class CallOffAdmin(
    PlainTextAdminMixin, AdministratorOnly, ApprovableAdminMixin, RevisionedAdminMixin, ScopedHistoryAdmin
):
    form = CallOffAdminForm
    list_display = ["decision", "called_on", "amount", "received_on", "received_amount", "is_illustrative"]
    list_filter = ["is_illustrative"]
    list_select_related = ["decision"]


@admin.register(ProofOfUse)
class ProofOfUseAdmin(PlainTextAdminMixin, AdministratorOnly, RevisionedAdminMixin, ScopedHistoryAdmin):
    list_display = ["decision", "kind", "covers_year", "due_on", "report_submitted_on", "statement_submitted_on"]
    list_filter = ["kind", "is_illustrative"]
    list_select_related = ["decision"]


@admin.register(PassThrough)
class PassThroughAdmin(PlainTextAdminMixin, AdministratorOnly, RevisionedAdminMixin, ScopedHistoryAdmin):
    form = PassThroughAdminForm
    list_display = ["decision", "recipient", "form", "amount", "is_illustrative"]
    list_select_related = ["decision", "recipient"]


@admin.register(Payout)
class PayoutAdmin(ViewOnlyInAdmin, ScopedHistoryAdmin):
    list_display = ["pass_through", "requested_on", "amount", "approved_by", "paid_on", "paid_amount"]
    list_select_related = ["pass_through__decision", "pass_through__recipient", "approved_by"]


@admin.register(Receipt)
class ReceiptAdmin(ViewOnlyInAdmin, admin.ModelAdmin):
    list_display = ["proof", "number", "dated_on", "payee", "amount", "admitted_amount"]
    list_select_related = ["proof__pass_through__recipient"]
    search_fields = ["number", "payee", "purpose"]


@admin.register(RepaymentClaim)
class RepaymentClaimAdmin(ViewOnlyInAdmin, ScopedHistoryAdmin):
    list_display = ["decision", "amount", "due_on", "approved_by", "repaid_on"]
    list_select_related = ["decision", "approved_by"]


@admin.register(FlatRate)
class FlatRateAdmin(
    LocalizedAdminMixin, PlainTextAdminMixin, AdministratorOnly, RevisionedAdminMixin, ScopedHistoryAdmin
):
    list_display = ["building_block", "year", "amount_per_fte", "is_illustrative"]
    list_select_related = ["building_block__programme"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        notice = services.apply_master_flat_rate(rate=obj)
        if notice:
            self.message_user(request, notice, level=messages.WARNING)


@admin.register(EligibilityRule)
class EligibilityRuleAdmin(PlainTextAdminMixin, AdministratorOnly, ScopedHistoryAdmin):
    list_display = ["__str__", "min_fte_per_position", "min_fte_per_recipient", "month_counting", "rate_basis"]
    list_select_related = ["programme", "decision"]
    fields = [
        "programme",
        "decision",
        "min_fte_per_position",
        "max_fte_per_position",
        "min_fte_per_recipient",
        "max_fte_per_recipient",
        "month_counting",
        "rate_basis",
        "interim_proof_months",
        "final_proof_months",
        "source",
    ]


class BaseRateAdminForm(forms.ModelForm):
    valid_from = LocalizedDateField(label=_("gilt ab"))
    rate = LocalizedDecimalField(
        label=_("Basiszinssatz in %"),
        max_digits=5,
        decimal_places=2,
        help_text=_("Wie die Bundesbank ihn bekannt gibt, z. B. 1,27 oder -0,88."),
    )

    class Meta:
        model = BaseRate
        fields = ["valid_from", "rate", "source"]


@admin.register(BaseRate)
class BaseRateAdmin(PlainTextAdminMixin, AdministratorOnly, RevisionedAdminMixin, ScopedHistoryAdmin):
    """The base rate (§ 247 BGB) for the interest on repayment claims; a new one every 1 January and 1 July."""

    form = BaseRateAdminForm
    list_display = ["valid_from", "rate", "source"]
