"""The proof of use settled to the cent (DOMAIN.md section 4): its receipts, each admitted or cut
with a reason; the repayment claim an overpayment becomes, with interest at the base rate
(§ 247 BGB) kept as data."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from funding import money
from funding.models.base import MONEY, NON_NEGATIVE, ZERO
from integration_admin.core.formats import euro, format_decimal
from integration_admin.core.models import Approvable, Revisioned
from integration_admin.core.scopes import body_scoped

# § 49a Abs. 3 VwVfG NRW: a sum to be repaid bears interest at five percentage points above the
# base rate a year; VV Nr. 8.5 zu § 44 LHO NRW applies the same to money called too early.
DEFAULT_POINTS_ABOVE_BASE = Decimal("5.00")
DEFAULT_LEGAL_BASIS = "§ 49a Abs. 3 VwVfG NRW"


class BaseRate(Revisioned):
    """The base rate (Basiszinssatz, § 247 BGB) from a day on, as the Deutsche Bundesbank publishes
    it every 1 January and 1 July."""

    valid_from = models.DateField(_("gilt ab"), unique=True)
    rate = models.DecimalField(_("Basiszinssatz in %"), max_digits=5, decimal_places=2)
    source = models.CharField(_("Quelle"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Basiszinssatz")
        verbose_name_plural = _("Basiszinssätze")
        ordering = ["valid_from"]

    def __str__(self) -> str:
        return _("%(rate)s %% ab %(day)s") % {
            "rate": format_decimal(self.rate, places=2),
            "day": date_format(self.valid_from, "SHORT_DATE_FORMAT"),
        }


class Receipt(models.Model):
    """One line of a numerical proof of use (Belegliste): a receipt as the recipient listed it and
    what the review admitted of it."""

    proof = models.ForeignKey(
        "funding.ProofOfUse", verbose_name=_("Verwendungsnachweis"), on_delete=models.CASCADE, related_name="receipts"
    )
    number = models.CharField(_("Beleg-Nr."), max_length=50)
    dated_on = models.DateField(_("Belegdatum"))
    payee = models.CharField(_("Empfänger"), max_length=200)
    purpose = models.CharField(_("Zweck"), max_length=300)
    plan_item = models.ForeignKey(
        "funding.PlanItem",
        verbose_name=_("Position des Finanzierungsplans"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="receipts",
    )
    amount = models.DecimalField(_("Betrag"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    paid_on = models.DateField(_("bezahlt am"), null=True, blank=True)
    admitted_amount = models.DecimalField(
        _("anerkannt"),
        **MONEY,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Leer, solange der Beleg nicht geprüft ist."),
    )
    cut_reason = models.CharField(_("Grund der Kürzung"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("geprüft von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("geprüft am"), null=True, blank=True)

    history = HistoricalRecords()

    objects = body_scoped("proof__decision__body")

    class Meta:
        verbose_name = _("Beleg")
        verbose_name_plural = _("Belege")
        ordering = ["proof", "dated_on", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proof", "number"],
                name="receipt_number_unique_in_proof",
                violation_error_message=_("Diese Beleg-Nr. gibt es in diesem Nachweis schon."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="receipt_amount_positive",
                violation_error_message=_("Der Betrag eines Belegs muss größer als 0 sein."),
            ),
            models.CheckConstraint(
                condition=Q(admitted_amount__isnull=True) | Q(admitted_amount__gte=0, admitted_amount__lte=F("amount")),
                name="receipt_admitted_within_amount",
                violation_error_message=_("Anerkannt werden kann höchstens der Betrag des Belegs."),
            ),
            models.CheckConstraint(
                condition=Q(admitted_amount__isnull=True) | Q(admitted_amount=F("amount")) | ~Q(cut_reason=""),
                name="receipt_cut_has_reason",
                violation_error_message=_("Eine Kürzung braucht einen Grund."),
            ),
        ]

    def __str__(self) -> str:
        return _("Beleg %(number)s vom %(day)s") % {
            "number": self.number,
            "day": date_format(self.dated_on, "SHORT_DATE_FORMAT"),
        }

    def get_absolute_url(self) -> str:
        return self.proof.get_absolute_url()

    @property
    def is_reviewed(self) -> bool:
        return self.admitted_amount is not None

    @property
    def cut(self) -> Decimal:
        return self.amount - self.admitted_amount if self.admitted_amount is not None else ZERO

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.admitted_amount is not None and self.amount is not None:
            if self.admitted_amount > self.amount:
                errors["admitted_amount"] = _("Anerkannt werden kann höchstens der Betrag des Belegs (%(amount)s).") % {
                    "amount": euro(self.amount)
                }
            elif self.admitted_amount < self.amount and not self.cut_reason.strip():
                errors["cut_reason"] = _("Bitte begründen, warum %(cut)s nicht anerkannt werden.") % {
                    "cut": euro(self.amount - self.admitted_amount)
                }
        if self.proof_id is not None and self.dated_on is not None:
            version = self.proof.decision.versions.filter(is_current=True).first()
            start, end = (version.period_start, version.period_end) if version else (None, None)
            if start and end and not start <= self.dated_on <= end:
                errors["dated_on"] = _(
                    "Der Beleg vom %(day)s liegt außerhalb des Bewilligungszeitraums (%(start)s–%(end)s)."
                ) % {
                    "day": date_format(self.dated_on, "SHORT_DATE_FORMAT"),
                    "start": date_format(start, "SHORT_DATE_FORMAT"),
                    "end": date_format(end, "SHORT_DATE_FORMAT"),
                }
        if self.proof_id is not None and self.number:
            twin = (
                Receipt.objects.filter(proof__decision_id=self.proof.decision_id, number=self.number)
                .exclude(pk=self.pk)
                .select_related("proof")
                .first()
            )
            if twin is not None:
                errors["number"] = _("Die Beleg-Nr. %(number)s ist schon erfasst (%(proof)s).") % {
                    "number": self.number,
                    "proof": twin.proof,
                }
        if errors:
            raise ValidationError(errors)


class RepaymentClaimQuerySet(models.QuerySet):
    def open(self) -> "RepaymentClaimQuerySet":
        return self.filter(repaid_on__isnull=True)


class RepaymentClaim(Revisioned, Approvable):
    """What the settlement of a final proof of use claims back (Rückforderung), with interest from
    the day each overpaid part was received (:class:`RepaymentPart`).

    Four eyes: the claim is recorded by the one who closed the review; a second person approves
    it before it goes out. Recording the repayment does not withdraw the approval."""

    APPROVED_FIELDS = ("amount", "points_above_base", "legal_basis", "due_on")

    decision = models.ForeignKey(
        "funding.GrantDecision",
        verbose_name=_("Zuwendungsbescheid"),
        on_delete=models.PROTECT,
        related_name="repayment_claims",
    )
    proof = models.OneToOneField(
        "funding.ProofOfUse",
        verbose_name=_("Verwendungsnachweis"),
        on_delete=models.PROTECT,
        related_name="repayment_claim",
    )
    amount = models.DecimalField(_("Rückforderung"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    points_above_base = models.DecimalField(
        _("Prozentpunkte über dem Basiszinssatz"), max_digits=5, decimal_places=2, default=DEFAULT_POINTS_ABOVE_BASE
    )
    legal_basis = models.CharField(_("Rechtsgrundlage der Zinsen"), max_length=200, default=DEFAULT_LEGAL_BASIS)
    due_on = models.DateField(_("zurückzuzahlen bis"), null=True, blank=True)
    repaid_on = models.DateField(_("zurückgezahlt am"), null=True, blank=True)
    note = models.TextField(_("Bemerkung"), blank=True)
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)

    history = HistoricalRecords()

    objects = body_scoped("decision__body", RepaymentClaimQuerySet)

    class Meta:
        verbose_name = _("Rückforderung")
        verbose_name_plural = _("Rückforderungen")
        ordering = ["decision", "pk"]
        constraints = [
            *Approvable.Meta.constraints,
            models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_claim_positive"),
        ]

    def __str__(self) -> str:
        return _("Rückforderung über %(amount)s") % {"amount": euro(self.amount)}

    def get_absolute_url(self) -> str:
        return self.proof.get_absolute_url()

    def interest(self, until: datetime.date, base_rates: list[tuple[datetime.date, Decimal]]) -> Decimal | None:
        """Interest up to ``until`` (or the repayment, if earlier); ``None`` without any base rate."""
        if not base_rates:
            return None
        if self.repaid_on is not None:
            until = min(until, self.repaid_on)
        parts = [(part.interest_from, part.amount) for part in self.parts.all()]
        return money.interest(parts, until, base_rates, self.points_above_base)


class RepaymentPart(models.Model):
    """A part of a repayment claim and the day from which it bears interest (its receipt)."""

    claim = models.ForeignKey(RepaymentClaim, on_delete=models.CASCADE, related_name="parts")
    interest_from = models.DateField(_("verzinst ab"))
    amount = models.DecimalField(_("Betrag"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])

    objects = body_scoped("claim__decision__body")

    class Meta:
        verbose_name = _("Teil einer Rückforderung")
        verbose_name_plural = _("Teile einer Rückforderung")
        ordering = ["claim", "interest_from", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_part_positive")]

    def __str__(self) -> str:
        return _("%(amount)s ab %(day)s") % {
            "amount": euro(self.amount),
            "day": date_format(self.interest_from, "SHORT_DATE_FORMAT"),
        }


def base_rates() -> list[tuple[datetime.date, Decimal]]:
    """All base rates as (valid from, rate), oldest first (one query)."""
    return list(BaseRate.objects.order_by("valid_from").values_list("valid_from", "rate"))
