"""Forms for grant decisions and what hangs on them (only the administrator sees them).

Numbers are typed the German way (integration_admin.core.forms); every rule the database enforces
is checked here first and answered with a German message on the field.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from funding.models import (
    FIGURES_BY_TYPE,
    TYPE_SPECIFIC_FIGURES,
    VERSION_FIGURES,
    Application,
    CallOff,
    DecisionVersion,
    EligibilityRule,
    FinancingType,
    GrantDecision,
    MonthCounting,
    PassThrough,
    Payout,
    PlanItem,
    ProofOfUse,
    Receipt,
    RepaymentClaim,
)
from funding.services import REASON_MAX_LENGTH
from integration_admin.core.formats import euro
from integration_admin.core.formats import fte as format_fte
from integration_admin.core.forms import (
    BootstrapFormMixin,
    LocalizedDateField,
    LocalizedDecimalField,
    ModelMultipleIdField,
    PlainIntegerField,
    RevisionErrorOnTopMixin,
    RevisionFormMixin,
    ScopedModelChoiceField,
    ScopedModelForm,
    money_field,
)
from programs.models import BuildingBlock
from staffing.models import Organisation

RATE_MESSAGES = {
    "min_value": _("Der Fördersatz muss über 0 %% liegen."),
    "max_value": _("Der Fördersatz darf höchstens 100 %% betragen."),
}
NEGATIVE = _("Beträge dürfen nicht negativ sein.")


class FteField(LocalizedDecimalField):
    """FTE as the pages show them: "1,5", "1,0", "0,75"."""

    def prepare_value(self, value):
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return format_fte(value)
        return value


def fte_field(**kwargs) -> FteField:
    kwargs.setdefault("min_value", Decimal("0.001"))
    return FteField(max_digits=6, decimal_places=3, **kwargs)


def no_negative_money(**kwargs) -> LocalizedDecimalField:
    kwargs.setdefault("error_messages", {"min_value": NEGATIVE})
    return money_field(**kwargs)


def block_field(**kwargs) -> ModelMultipleIdField:
    """Building blocks to tick."""
    return ModelMultipleIdField(
        choices_from=lambda: BuildingBlock.objects.select_related("programme"),
        widget=forms.CheckboxSelectMultiple,
        **kwargs,
    )


class ApplicationForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    submitted_on = LocalizedDateField(label=_("Antragsdatum"))
    building_blocks = block_field(label=_("Bausteine"), required=False)
    requested_amount = no_negative_money(label=_("beantragter Betrag"), required=False)

    class Meta(ScopedModelForm.Meta):
        model = Application
        fields = ["programme", "building_blocks", "submitted_on", "reference", "requested_amount", "note"]

    def clean(self):
        cleaned = super().clean()
        programme, blocks = cleaned.get("programme"), cleaned.get("building_blocks")
        if programme and blocks and any(block.programme_id != programme.pk for block in blocks):
            self.add_error("building_blocks", _("Bitte nur Bausteine des gewählten Förderprogramms ankreuzen."))
        return cleaned


class DecisionForm(BootstrapFormMixin, ScopedModelForm):
    """What does not change between letters: programme, blocks, funder, application, form."""

    building_blocks = block_field(label=_("Bausteine"))

    class Meta(ScopedModelForm.Meta):
        model = GrantDecision
        fields = ["programme", "building_blocks", "funder", "application", "title", "reference", "form"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = Application.objects.select_related("programme")

    def clean(self):
        cleaned = super().clean()
        programme = cleaned.get("programme")
        blocks = cleaned.get("building_blocks")
        application = cleaned.get("application")
        if programme and blocks and any(block.programme_id != programme.pk for block in blocks):
            self.add_error("building_blocks", _("Bitte nur Bausteine des gewählten Förderprogramms ankreuzen."))
        if programme and application and application.programme_id != programme.pk:
            self.add_error("application", _("Der Antrag gehört zu einem anderen Förderprogramm."))
        return cleaned


class VersionFiguresForm(BootstrapFormMixin, ScopedModelForm):
    """The figures of one letter. The grant is computed from them, never typed in.

    Figures that the chosen financing type does not use are cleared (a small script hides
    them in the browser), so a change of type cannot leave stale numbers behind.
    """

    dated_on = LocalizedDateField(label=_("Bescheiddatum"), required=False)
    received_on = LocalizedDateField(label=_("Eingang"), required=False)
    eligible_expenditure = no_negative_money(label=_("zuwendungsfähige Ausgaben"), required=False)
    rate = LocalizedDecimalField(
        label=_("Fördersatz in %"),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        error_messages=RATE_MESSAGES,
    )
    cap = no_negative_money(label=_("Höchstbetrag"), required=False)
    unit_amount = no_negative_money(label=_("Betrag je Einheit"), required=False)
    units = LocalizedDecimalField(
        label=_("Anzahl Einheiten"),
        required=False,
        max_digits=10,
        decimal_places=3,
        min_value=Decimal("0"),
        error_messages={"min_value": _("Die Anzahl darf nicht negativ sein.")},
    )
    own_funds = no_negative_money(label=_("Eigenmittel"), required=False)
    third_party_funds = no_negative_money(label=_("Drittmittel"), required=False)
    funded_fte = fte_field(label=_("geförderte VZÄ"), required=False)
    stated_amount = no_negative_money(
        label=_("Betrag laut Bescheid"),
        required=False,
        help_text=_("Wie im Bescheid genannt; eine Abweichung vom berechneten Betrag wird angezeigt."),
    )
    period_start = LocalizedDateField(label=_("Bewilligungszeitraum von"), required=False)
    period_end = LocalizedDateField(label=_("Bewilligungszeitraum bis"), required=False)
    month_counting = forms.ChoiceField(
        label=_("Monate zählen"),
        choices=MonthCounting.choices,
        required=False,
        help_text=_("Für Beträge je Jahr: angefangene Monate voll oder taggenau (wie der Bescheid es sagt)."),
    )

    class Meta(ScopedModelForm.Meta):
        model = DecisionVersion
        fields = ["dated_on", "received_on", *VERSION_FIGURES]

    def __init__(self, *args, plan_items=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in TYPE_SPECIFIC_FIGURES:
            types = [t for t, names in FIGURES_BY_TYPE.items() if name in names]
            self.fields[name].widget.attrs["data-financing-types"] = " ".join(types)
        self.fields["financing_type"].widget.attrs["data-financing-type-select"] = "true"
        if plan_items is None:
            plan_items = list(self.instance.plan_items.all()) if self.instance.pk else []
        # What the lines of a plan typed by hand state is shown, and changed on the plan's page.
        for name in self.instance.plan_sets(plan_items) & set(self.fields):
            self.fields[name].disabled = True
            self.fields[name].help_text = _("Aus dem Finanzierungsplan; dort ändern.")

    def clean_month_counting(self):
        return self.cleaned_data.get("month_counting") or MonthCounting.STARTED_MONTHS

    def clean(self):
        cleaned = super().clean()
        financing_type = cleaned.get("financing_type")
        if financing_type:
            used = FIGURES_BY_TYPE.get(financing_type, ())
            for name in TYPE_SPECIFIC_FIGURES:
                if name not in used and name not in self.errors:
                    cleaned[name] = "" if name == "full_financing_reason" else None
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("Das Ende des Bewilligungszeitraums liegt vor seinem Beginn."))
        if financing_type == FinancingType.FULL and not (cleaned.get("full_financing_reason") or "").strip():
            self.add_error("full_financing_reason", _("Eine Vollfinanzierung braucht eine schriftliche Begründung."))
        if financing_type == FinancingType.FLAT_RATE and not cleaned.get("funded_fte"):
            self.add_error("funded_fte", _("Für eine Pauschale je VZÄ bitte die geförderten VZÄ angeben."))
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        # The grant as the letter's figures compute it, to report problems here rather than on save.
        if self.errors:
            return
        try:
            grant = self.instance.compute_grant()
        except ValidationError as error:
            self.add_error(None, error)
            return
        eligible = self.instance.eligible_expenditure
        if grant is not None and eligible is not None and grant > eligible:
            if self.instance.financing_type == FinancingType.SHARE:
                self.add_error("cap", _("Die Zuwendung kann nicht höher sein als die zuwendungsfähigen Ausgaben."))
            else:
                self.add_error(
                    "eligible_expenditure",
                    _(
                        "Die Zuwendung (%(grant)s) übersteigt die zuwendungsfähigen Ausgaben (%(eligible)s) um "
                        "%(excess)s; der Eigenanteil würde negativ. Ein Festbetrag oder eine Pauschale darf die "
                        "zuwendungsfähigen Ausgaben nicht übersteigen."
                    )
                    % {"grant": euro(grant), "eligible": euro(eligible), "excess": euro(grant - eligible)},
                )
        third_party = self.instance.third_party_funds or Decimal("0")
        if grant is not None and eligible is not None and grant <= eligible < grant + third_party:
            self.add_error(
                "third_party_funds",
                _(
                    "Zuwendung und Drittmittel zusammen (%(total)s) übersteigen die zuwendungsfähigen Ausgaben "
                    "(%(eligible)s)."
                )
                % {"total": euro(grant + third_party), "eligible": euro(eligible)},
            )
        if grant is not None and grant >= Decimal("1e12"):
            self.add_error(None, _("Die berechnete Zuwendung ist zu groß."))


class RevisionForm(RevisionErrorOnTopMixin, BootstrapFormMixin, forms.Form):
    """The revision the user saw (optimistic locking) and the reason for a correction."""

    revision = PlainIntegerField(widget=forms.HiddenInput, min_value=1)
    change_reason = forms.CharField(
        label=_("Grund der Änderung"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        help_text=_("Pflicht, wenn sich Beträge oder Daten des Bescheids ändern; erscheint im Änderungsverlauf."),
    )


class AmendmentForm(VersionFiguresForm):
    """An amendment (Änderungsbescheid): a new letter with its date, reason and (changed) figures."""

    reason = forms.CharField(label=_("Grund der Änderung"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    dated_on = LocalizedDateField(label=_("Datum des Änderungsbescheids"))
    received_on = LocalizedDateField(label=_("Eingang"), required=False)
    revision = PlainIntegerField(widget=forms.HiddenInput, min_value=1)
    take_master_rates = forms.BooleanField(
        label=_("Pauschalen aus den Stammdaten übernehmen"),
        required=False,
        help_text=_(
            "Nur wenn der Änderungsbescheid die Pauschale ändert: die im Bescheid festgeschriebenen Pauschalen "
            "werden durch die heutigen der Stammdaten ersetzt."
        ),
    )

    class Meta(VersionFiguresForm.Meta):
        fields = ["reason", "dated_on", "received_on", *VERSION_FIGURES]

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Ein Änderungsbescheid braucht einen Grund."))
        return reason


class WeightForm(BootstrapFormMixin, forms.Form):
    organisation = ScopedModelChoiceField(
        label=_("Organisation"), choices_from=Organisation.objects.all, required=False
    )
    weight = fte_field(label=_("Gewicht (VZÄ)"), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("organisation") and cleaned.get("weight") is None and "weight" not in self.errors:
            self.add_error("weight", _("Bitte ein Gewicht angeben, z. B. 1,5."))
        if cleaned.get("weight") is not None and not cleaned.get("organisation"):
            self.add_error("organisation", _("Bitte die Organisation wählen."))
        return cleaned


class BaseWeightFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        seen = set()
        for form in self.forms:
            organisation = form.cleaned_data.get("organisation")
            if organisation is None:
                continue
            if organisation.pk in seen:
                raise ValidationError(_("Jede Organisation bitte nur einmal aufführen."))
            seen.add(organisation.pk)
        if not seen:
            raise ValidationError(_("Bitte mindestens eine Organisation mit Gewicht angeben."))

    def weights(self) -> dict[Organisation, Decimal]:
        return {
            form.cleaned_data["organisation"]: form.cleaned_data["weight"]
            for form in self.forms
            if form.cleaned_data.get("organisation")
        }


WeightFormSet = forms.formset_factory(
    WeightForm, formset=BaseWeightFormSet, extra=2, max_num=20, absolute_max=20, validate_max=True
)


class CallOffForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    called_on = LocalizedDateField(label=_("abgerufen am"))
    amount = money_field(
        label=_("abgerufener Betrag"),
        min_value=Decimal("0.01"),
        error_messages={"min_value": _("Der abgerufene Betrag muss größer als 0 sein.")},
    )
    needed_on = LocalizedDateField(
        label=_("benötigt für Zahlungen ab"), required=False, help_text=CallOff._meta.get_field("needed_on").help_text
    )
    received_on = LocalizedDateField(label=_("eingegangen am"), required=False)
    received_amount = no_negative_money(label=_("eingegangener Betrag"), required=False)

    class Meta(ScopedModelForm.Meta):
        model = CallOff
        fields = [
            "called_on",
            "amount",
            "needed_on",
            "received_on",
            "received_amount",
            "reference",
            "note",
            "is_illustrative",
        ]


class PayoutForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    requested_on = LocalizedDateField(label=_("angefordert am"))
    amount = money_field(
        label=_("angeforderter Betrag"),
        min_value=Decimal("0.01"),
        error_messages={"min_value": _("Der angeforderte Betrag muss größer als 0 sein.")},
    )
    needed_on = LocalizedDateField(
        label=_("benötigt für Zahlungen ab"), required=False, help_text=Payout._meta.get_field("needed_on").help_text
    )
    paid_on = LocalizedDateField(
        label=_("ausgezahlt am"), required=False, help_text=_("Erst nach der Freigabe durch eine zweite Person.")
    )
    paid_amount = no_negative_money(label=_("ausgezahlter Betrag"), required=False)

    class Meta(ScopedModelForm.Meta):
        model = Payout
        fields = ["requested_on", "amount", "needed_on", "paid_on", "paid_amount", "reference", "note"]


class ProofOfUseForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    due_on = LocalizedDateField(label=_("Frist"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["pass_through"]
        field.queryset = PassThrough.objects.filter(decision_id=self.instance.decision_id).select_related("recipient")
        field.empty_label = _("– Nachweis des Kreises –")

    report_submitted_on = LocalizedDateField(label=_("Sachbericht eingereicht am"), required=False)
    statement_submitted_on = LocalizedDateField(label=_("zahlenmäßiger Nachweis eingereicht am"), required=False)
    receipts_submitted_on = LocalizedDateField(label=_("Belegliste eingereicht am"), required=False)

    class Meta(ScopedModelForm.Meta):
        model = ProofOfUse
        fields = [
            "kind",
            "pass_through",
            "covers_year",
            "due_on",
            "report_submitted_on",
            "statement_submitted_on",
            "receipts_required",
            "receipts_submitted_on",
            "note",
            "is_illustrative",
        ]


class PassThroughForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    amount = no_negative_money(label=_("weitergeleiteter Betrag"))
    decided_on = LocalizedDateField(label=_("Weiterleitungsbescheid / -vertrag vom"), required=False)
    period_start = LocalizedDateField(label=_("Zeitraum von"), required=False)
    period_end = LocalizedDateField(label=_("Zeitraum bis"), required=False)
    funded_fte = fte_field(label=_("geförderte VZÄ"), required=False)
    max_per_fte = no_negative_money(label=_("höchstens je VZÄ und Jahr"), required=False)
    top_up_per_fte = no_negative_money(
        label=_("Zuschuss des Kreises je VZÄ und Jahr (Eigenmittel)"),
        required=False,
        help_text=_("Was der Kreis aus eigenen Mitteln zusätzlich zur weitergeleiteten Zuwendung zahlt."),
    )
    month_counting = forms.ChoiceField(
        label=_("Monate zählen"),
        choices=MonthCounting.choices,
        required=False,
        help_text=_("Für die Höchstbeträge und den Zuschuss je VZÄ und Jahr; neu angelegt wie im Bescheid."),
    )

    class Meta(ScopedModelForm.Meta):
        model = PassThrough
        fields = [
            "recipient",
            "form",
            "amount",
            "decided_on",
            "period_start",
            "period_end",
            "funded_fte",
            "max_per_fte",
            "actual_cost_basis",
            "top_up_per_fte",
            "month_counting",
            "conditions",
            "proof_lead_months",
            "is_illustrative",
        ]
        field_classes = {"proof_lead_months": PlainIntegerField}

    def clean_month_counting(self):
        """Not sent (a form of before the field): as the record counts already."""
        return self.cleaned_data.get("month_counting") or self.instance.month_counting


class PlanItemForm(BootstrapFormMixin, ScopedModelForm):
    """One line of a financing plan, typed the German way ("57.000,00", "0,5")."""

    year = PlainIntegerField(label=_("nur im Jahr"), required=False, min_value=2000, max_value=2100)
    fte = fte_field(label=_("VZÄ"), required=False)
    amount = no_negative_money(label=_("Betrag"), required=False)
    percent = LocalizedDecimalField(
        label=_("Prozent"),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        error_messages={
            "min_value": _("Der Prozentsatz muss über 0 liegen."),
            "max_value": _("Der Prozentsatz darf höchstens 100 betragen."),
        },
    )

    class Meta(ScopedModelForm.Meta):
        model = PlanItem
        fields = ["kind", "label", "building_block", "organisation", "year", "fte", "amount", "percent", "sort_order"]

    def __init__(self, *args, decision=None, **kwargs):
        super().__init__(*args, **kwargs)
        # a rate taken over from the master data today: typing the letter's rate over it needs no reason
        self.frozen_on = self.instance.frozen_from_master_data_on
        if decision is not None:
            self.fields["building_block"].queryset = decision.building_blocks.select_related("programme")
        self.fields["sort_order"].widget = forms.HiddenInput()
        self.fields["sort_order"].required = False
        if self.instance.frozen_from_master_data_on:
            self.fields["amount"].help_text = _(
                "Aus den Stammdaten am %(day)s festgeschrieben; eine spätere Änderung der Stammdaten ändert "
                "diesen Betrag nicht."
            ) % {"day": date_format(self.instance.frozen_from_master_data_on, "SHORT_DATE_FORMAT")}

    def clean_sort_order(self):
        return self.cleaned_data.get("sort_order") or 0

    def clean(self):
        cleaned = super().clean()
        if self.instance.frozen_from_master_data_on and {"kind", "year", "fte", "amount"} & set(self.changed_data):
            # Typed by hand now: the rate is the letter's, no longer the master data's.
            self.instance.frozen_from_master_data_on = None
        return cleaned


class BasePlanItemFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args, decision=None, **kwargs):
        self.decision = decision
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "decision": self.decision}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            decision=self.decision,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form


PlanItemFormSet = forms.inlineformset_factory(
    DecisionVersion,
    PlanItem,
    form=PlanItemForm,
    formset=BasePlanItemFormSet,
    extra=3,
    max_num=200,
    absolute_max=200,
    validate_max=True,
    can_delete=True,
)


class EligibilityRuleForm(RevisionErrorOnTopMixin, BootstrapFormMixin, ScopedModelForm):
    """A decision's own eligibility rule (wins over its programme's)."""

    min_fte_per_position = fte_field(label=_("mindestens VZÄ je Stelle"), required=False)
    max_fte_per_position = fte_field(label=_("höchstens VZÄ je Stelle"), required=False)
    min_fte_per_recipient = fte_field(
        label=_("mindestens VZÄ je Träger"),
        required=False,
        help_text=_("Z. B. 0,5: Anteile eines Trägers unter 0,5 VZÄ sind nicht förderfähig."),
    )
    max_fte_per_recipient = fte_field(label=_("höchstens VZÄ je Träger"), required=False)
    interim_proof_months = PlainIntegerField(
        label=EligibilityRule._meta.get_field("interim_proof_months").verbose_name,
        help_text=EligibilityRule._meta.get_field("interim_proof_months").help_text,
        required=False,
        min_value=0,
        max_value=24,
    )
    final_proof_months = PlainIntegerField(
        label=EligibilityRule._meta.get_field("final_proof_months").verbose_name,
        help_text=EligibilityRule._meta.get_field("final_proof_months").help_text,
        required=False,
        min_value=0,
        max_value=36,
    )

    class Meta(ScopedModelForm.Meta):
        model = EligibilityRule
        fields = [
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


# --- the proof of use settled: receipts, their review, the repayment claim --------------------------


class ReceiptForm(BootstrapFormMixin, ScopedModelForm):
    """One receipt of a numerical proof of use; with a financing plan, its line must be named."""

    dated_on = LocalizedDateField(label=_("Belegdatum"))
    amount = money_field(
        label=_("Betrag"),
        min_value=Decimal("0.01"),
        error_messages={"min_value": _("Der Betrag eines Belegs muss größer als 0 sein.")},
    )
    paid_on = LocalizedDateField(label=_("bezahlt am"), required=False)

    class Meta(ScopedModelForm.Meta):
        model = Receipt
        fields = ["number", "dated_on", "payee", "purpose", "plan_item", "amount", "paid_on"]

    def __init__(self, *args, plan_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["plan_item"]
        field.queryset = PlanItem.objects.filter(pk__in=[item.pk for item in plan_items])
        field.label_from_instance = lambda item: f"{item} ({item.get_kind_display()})"
        field.required = bool(plan_items)
        if plan_items:
            field.error_messages["required"] = _("Bitte die Position des Finanzierungsplans wählen.")
        if (
            self.instance.pk
            and self.instance.plan_item_id
            and self.instance.plan_item_id not in {item.pk for item in plan_items}
        ):
            # a line of an earlier version: offer the same line of the current one
            key = (self.instance.plan_item.kind, self.instance.plan_item.label)
            match = next((item for item in plan_items if (item.kind, item.label) == key), None)
            self.initial["plan_item"] = match.pk if match else None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and "amount" in self.changed_data:
            # another amount is another receipt to review: the earlier review no longer holds
            self.instance.admitted_amount = None
            self.instance.cut_reason = ""
            self.instance.reviewed_by = None
            self.instance.reviewed_at = None
        return cleaned


class ReceiptReviewForm(BootstrapFormMixin, forms.Form):
    admitted_amount = money_field(
        label=_("anerkannt"), error_messages={"min_value": _("Beträge dürfen nicht negativ sein.")}
    )
    cut_reason = forms.CharField(label=_("Grund der Kürzung"), max_length=500, required=False)

    def __init__(self, *args, receipt: Receipt, **kwargs):
        self.receipt = receipt
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        admitted = cleaned.get("admitted_amount")
        if admitted is None:
            return cleaned
        if admitted > self.receipt.amount:
            self.add_error(
                "admitted_amount",
                _("Anerkannt werden kann höchstens der Betrag des Belegs (%(amount)s).")
                % {"amount": euro(self.receipt.amount)},
            )
        elif admitted < self.receipt.amount and not cleaned.get("cut_reason", "").strip():
            self.add_error(
                "cut_reason",
                _("Bitte begründen, warum %(cut)s nicht anerkannt werden.")
                % {"cut": euro(self.receipt.amount - admitted)},
            )
        return cleaned


class ThirdPartyActualForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    third_party_actual = no_negative_money(
        label=_("tatsächliche Drittmittel"),
        required=False,
        help_text=ProofOfUse._meta.get_field("third_party_actual").help_text,
    )

    class Meta(ScopedModelForm.Meta):
        model = ProofOfUse
        fields = ["third_party_actual"]


class ReopenForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Grund"), max_length=REASON_MAX_LENGTH, help_text=_("Z. B. „Widerspruch vom 03.05.2024“.")
    )


class RepaymentClaimForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    due_on = LocalizedDateField(label=_("zurückzuzahlen bis"), required=False)
    repaid_on = LocalizedDateField(label=_("zurückgezahlt am"), required=False)
    points_above_base = LocalizedDecimalField(
        label=_("Prozentpunkte über dem Basiszinssatz"), max_digits=5, decimal_places=2, min_value=Decimal("0")
    )

    class Meta(ScopedModelForm.Meta):
        model = RepaymentClaim
        fields = ["due_on", "repaid_on", "points_above_base", "legal_basis", "note"]

    def clean_repaid_on(self):
        repaid_on = self.cleaned_data.get("repaid_on")
        parts = list(self.instance.parts.all()) if self.instance.pk else []
        first = min((part.interest_from for part in parts), default=None)
        if repaid_on and first and repaid_on < first:
            raise ValidationError(
                _("Zurückgezahlt kann erst nach der Überzahlung werden (%(day)s).")
                % {"day": date_format(first, "SHORT_DATE_FORMAT")}
            )
        return repaid_on


class ReceiptImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Belegliste (XLSX oder CSV)"),
        help_text=_(
            "Eine Kopfzeile mit Beleg-Nr., Belegdatum, Empfänger, Zweck, Position (des Finanzierungsplans), "
            "Betrag und bezahlt am; deutsche Zahlen und Daten. Nur wenn alle Zeilen stimmen, wird gespeichert."
        ),
    )
