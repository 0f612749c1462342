"""A decision version's financing plan (cost and resource items, with the rates frozen into it) and
the eligibility rules of a programme or a decision.

A letter states its money as items: "Koordinierungsstellen: 3 VZÄ x 57.000 € je Jahr",
"Verwaltungskraft: 0,5 VZÄ x 45.000 €", "Arbeitsplatzausstattung einmalig 5.700 € je VZÄ",
"Eigenmittel des Kreises". One letter is entered once: its items, and the financing type
computes the grant from them (:meth:`DecisionVersion.apply_plan`). The rates live in the items,
so a later change of a master-data rate cannot touch a decision already issued.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from funding import money
from funding.models.base import MONEY, NON_NEGATIVE, PERCENT
from integration_admin.core.scopes import body_scoped, shared_or_own


class PlanItemKind(models.TextChoices):
    PERSONNEL = money.PERSONNEL, _("Personalkosten je VZÄ und Jahr")
    ONE_OFF = money.ONE_OFF, _("einmaliger Betrag je VZÄ")
    FIXED = money.FIXED, _("Festbetrag")
    MATERIAL = money.MATERIAL, _("Sachkostenpauschale in % der Personalkosten")
    OWN_FUNDS = money.OWN_FUNDS, _("Eigenmittel")
    THIRD_PARTY = money.THIRD_PARTY, _("Drittmittel")


PER_FTE_KINDS = (PlanItemKind.PERSONNEL, PlanItemKind.ONE_OFF)
AMOUNT_KINDS = (PlanItemKind.PERSONNEL, PlanItemKind.ONE_OFF, PlanItemKind.FIXED, *money.RESOURCE_KINDS)


class PlanItemQuerySet(models.QuerySet):
    def costs(self) -> "PlanItemQuerySet":
        return self.filter(kind__in=money.COST_KINDS)

    def resources(self) -> "PlanItemQuerySet":
        return self.filter(kind__in=money.RESOURCE_KINDS)


class PlanItem(models.Model):
    """One line of a financing plan: a cost (personnel at a rate per FTE and year, a one-off amount
    per FTE, a fixed amount, a material flat rate) or a resource (own funds, third-party funds)."""

    version = models.ForeignKey(
        "funding.DecisionVersion",
        verbose_name=_("Bescheidfassung"),
        on_delete=models.CASCADE,
        related_name="plan_items",
    )
    kind = models.CharField(_("Art"), max_length=20, choices=PlanItemKind.choices)
    label = models.CharField(
        _("Bezeichnung"), max_length=200, blank=True, help_text=_("Z. B. „Koordinierungsstelle (E 11)“.")
    )
    building_block = models.ForeignKey(
        "programs.BuildingBlock",
        verbose_name=_("Baustein"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_items",
    )
    organisation = models.ForeignKey(
        "staffing.Organisation",
        verbose_name=_("Organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_items",
    )
    year = models.PositiveSmallIntegerField(
        _("nur im Jahr"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("Leer: jedes Jahr des Bewilligungszeitraums (einmalige Beträge: im ersten Jahr)."),
    )
    fte = models.DecimalField(
        _("VZÄ"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    amount = models.DecimalField(
        _("Betrag"),
        **MONEY,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Je VZÄ und Jahr, je VZÄ einmalig oder als Festbetrag, je nach Art."),
    )
    percent = models.DecimalField(
        _("Prozent"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    frozen_from_master_data_on = models.DateField(
        _("aus den Stammdaten übernommen am"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Die Pauschale galt an diesem Tag in den Stammdaten und ist seitdem im Bescheid festgeschrieben."),
    )
    sort_order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    history = HistoricalRecords()

    objects = body_scoped("version__decision__body", PlanItemQuerySet)

    class Meta:
        verbose_name = _("Position des Finanzierungsplans")
        verbose_name_plural = _("Finanzierungsplan")
        ordering = ["version", "sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="plan_item_amount_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=PER_FTE_KINDS) | Q(fte__gt=0, amount__isnull=False),
                name="plan_item_per_fte_complete",
                violation_error_message=_("Beträge je VZÄ brauchen VZÄ und Betrag."),
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=AMOUNT_KINDS) | Q(amount__isnull=False),
                name="plan_item_has_amount",
                violation_error_message=_("Bitte einen Betrag angeben."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=PlanItemKind.MATERIAL) | Q(percent__gt=0, percent__lte=100),
                name="plan_item_material_percent",
                violation_error_message=_("Eine Sachkostenpauschale braucht einen Prozentsatz über 0 und bis 100."),
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=2000, year__lte=2100),
                name="plan_item_year_range",
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.get_kind_display()

    def get_absolute_url(self) -> str:
        return self.version.decision.get_absolute_url() + "#finanzierungsplan"

    @property
    def is_cost(self) -> bool:
        return self.kind in money.COST_KINDS

    def as_line(self) -> money.PlanLine:
        return money.PlanLine(
            kind=self.kind,
            amount=self.amount,
            fte=self.fte,
            percent=self.percent,
            year=self.year,
            block=self.building_block_id,
        )

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.kind in PER_FTE_KINDS and not self.fte:
            errors["fte"] = _("Bitte die VZÄ angeben, z. B. 1,5.")
        if self.kind in AMOUNT_KINDS and self.amount is None:
            errors["amount"] = (
                _("Bitte den Betrag je VZÄ und Jahr angeben.")
                if self.kind == PlanItemKind.PERSONNEL
                else _("Bitte einen Betrag angeben.")
            )
        if self.kind == PlanItemKind.MATERIAL and not self.percent:
            errors["percent"] = _("Bitte den Prozentsatz der Sachkostenpauschale angeben, z. B. 10.")
        if self.kind not in PER_FTE_KINDS and self.fte is not None:
            errors["fte"] = _("VZÄ gehören nur zu Beträgen je VZÄ.")
        if self.kind != PlanItemKind.MATERIAL and self.percent is not None:
            errors["percent"] = _("Ein Prozentsatz gehört nur zur Sachkostenpauschale.")
        if self.kind == PlanItemKind.MATERIAL and self.amount is not None:
            errors["amount"] = _("Die Sachkostenpauschale wird aus den Personalkosten berechnet; bitte keinen Betrag.")
        if errors:
            raise ValidationError(errors)


class MonthCounting(models.TextChoices):
    STARTED_MONTHS = money.STARTED_MONTHS, _("angefangene Monate zählen voll")
    BY_DAY = money.BY_DAY, _("taggenau (Monatsanteile nach Tagen)")


class RateBasis(models.TextChoices):
    FUNDED = "funded", _("geförderte VZÄ")
    FILLED = "filled", _("besetzte VZÄ")


class EligibilityRule(models.Model):
    """What a programme's guideline or a decision says is eligible, as data the administrator edits.

    A decision's own rule wins over its programme's; without either the defaults apply (started
    months count in full, flat rates on funded FTE, no FTE limits)."""

    programme = models.OneToOneField(
        "programs.Programme",
        verbose_name=_("Förderprogramm"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="eligibility_rule",
    )
    decision = models.OneToOneField(
        "funding.GrantDecision",
        verbose_name=_("Zuwendungsbescheid"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="eligibility_rule",
    )
    min_fte_per_position = models.DecimalField(
        _("mindestens VZÄ je Stelle"), max_digits=6, decimal_places=3, null=True, blank=True, validators=NON_NEGATIVE
    )
    max_fte_per_position = models.DecimalField(
        _("höchstens VZÄ je Stelle"), max_digits=6, decimal_places=3, null=True, blank=True, validators=NON_NEGATIVE
    )
    min_fte_per_recipient = models.DecimalField(
        _("mindestens VZÄ je Träger"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Z. B. 0,5: Anteile eines Trägers unter 0,5 VZÄ sind nicht förderfähig."),
    )
    max_fte_per_recipient = models.DecimalField(
        _("höchstens VZÄ je Träger"), max_digits=6, decimal_places=3, null=True, blank=True, validators=NON_NEGATIVE
    )
    month_counting = models.CharField(
        _("Monate zählen"), max_length=20, choices=MonthCounting.choices, default=MonthCounting.STARTED_MONTHS
    )
    rate_basis = models.CharField(
        _("Pauschale richtet sich nach"),
        max_length=10,
        choices=RateBasis.choices,
        default=RateBasis.FILLED,
        help_text=_(
            "Besetzte VZÄ: unbesetzte Monate gefährden die Pauschale (Warnung); geförderte VZÄ: sie werden "
            "nur als Hinweis gezeigt."
        ),
    )
    interim_proof_months = models.PositiveSmallIntegerField(
        _("Zwischennachweis binnen Monaten nach Jahresende"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(24)],
        help_text=_(
            "Z. B. 4: über jedes Jahr, in dem der Zweck noch nicht erfüllt ist, bis 30.04. des Folgejahres "
            "(Nr. 7.1 ANBest-G NRW). Leer: keine Zwischennachweise."
        ),
    )
    final_proof_months = models.PositiveSmallIntegerField(
        _("Verwendungsnachweis binnen Monaten nach dem Bewilligungszeitraum"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(36)],
        help_text=_("Z. B. 6: bis zum Ende des sechsten Monats nach dem Bewilligungszeitraum (Nr. 7.1 ANBest-G NRW)."),
    )
    source = models.CharField(
        _("Quelle"),
        max_length=300,
        blank=True,
        help_text=_("Z. B. „Förderrichtlinie KIM Nr. 5.3“ oder „Bescheid, Nebenbestimmung 4“."),
    )

    history = HistoricalRecords()

    objects = shared_or_own("decision__body")

    class Meta:
        verbose_name = _("Förderregel")
        verbose_name_plural = _("Förderregeln")
        constraints = [
            models.CheckConstraint(
                condition=Q(programme__isnull=True, decision__isnull=False)
                | Q(programme__isnull=False, decision__isnull=True),
                name="eligibility_rule_one_owner",
                violation_error_message=_("Eine Förderregel gilt entweder für ein Programm oder für einen Bescheid."),
            ),
            models.CheckConstraint(
                condition=Q(min_fte_per_position__isnull=True)
                | Q(max_fte_per_position__isnull=True)
                | Q(min_fte_per_position__lte=models.F("max_fte_per_position")),
                name="eligibility_rule_position_range",
                violation_error_message=_("Das Minimum je Stelle liegt über dem Maximum."),
            ),
            models.CheckConstraint(
                condition=Q(min_fte_per_recipient__isnull=True)
                | Q(max_fte_per_recipient__isnull=True)
                | Q(min_fte_per_recipient__lte=models.F("max_fte_per_recipient")),
                name="eligibility_rule_recipient_range",
                violation_error_message=_("Das Minimum je Träger liegt über dem Maximum."),
            ),
        ]

    def __str__(self) -> str:
        owner = self.decision if self.decision_id else self.programme
        return _("Förderregel für %(owner)s") % {"owner": owner}

    def get_absolute_url(self) -> str:
        if self.decision_id:
            return self.decision.get_absolute_url() + "#foerderregeln"
        return self.programme.get_absolute_url()

    def clean(self) -> None:
        super().clean()
        errors = {}
        if (
            self.min_fte_per_position is not None
            and self.max_fte_per_position is not None
            and self.min_fte_per_position > self.max_fte_per_position
        ):
            errors["max_fte_per_position"] = _("Das Maximum je Stelle liegt unter dem Minimum.")
        if (
            self.min_fte_per_recipient is not None
            and self.max_fte_per_recipient is not None
            and self.min_fte_per_recipient > self.max_fte_per_recipient
        ):
            errors["max_fte_per_recipient"] = _("Das Maximum je Träger liegt unter dem Minimum.")
        if errors:
            raise ValidationError(errors)

    @property
    def limits_fte(self) -> bool:
        """Whether the rule sets any FTE limit (else there is nothing to check positions against)."""
        return any(
            limit is not None
            for limit in (
                self.min_fte_per_position,
                self.max_fte_per_position,
                self.min_fte_per_recipient,
                self.max_fte_per_recipient,
            )
        )

    @classmethod
    def loaded_for(cls, decision) -> "EligibilityRule":
        """The rule in force for a decision read with ``select_related("eligibility_rule",
        "programme__eligibility_rule")``: no query of its own."""
        for owner in (decision, decision.programme):
            try:
                return owner.eligibility_rule
            except cls.DoesNotExist:
                continue
        return cls()
