"""After the decision (DOMAIN.md section 4): call-offs and payments, proofs of use, pass-through."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from funding import money
from funding.models.base import DEADLINE_HORIZON_DAYS, MONEY, NON_NEGATIVE, ZERO, GrantForm, GrantRecordDocuments
from funding.models.plan import MonthCounting
from integration_admin.core.db import CentsSum, MoneySum, from_cents
from integration_admin.core.formats import euro
from integration_admin.core.formats import fte as format_fte
from integration_admin.core.models import Approvable, Illustrative, Revisioned
from integration_admin.core.scopes import body_scoped


class CallOffQuerySet(models.QuerySet):
    def totals(self) -> dict[str, Decimal]:
        result = self.aggregate(called=MoneySum("amount"), received=MoneySum("received_amount"))
        return {key: value if value is not None else ZERO for key, value in result.items()}


class CallOff(Revisioned, Illustrative, Approvable):
    """A call-off of funds (Mittelabruf) and the payment it brought (Zahlungseingang).

    Four eyes: a recorded call-off awaits a second person's approval; recording the payment
    received does not withdraw it, changing what was called does."""

    APPROVED_FIELDS = ("decision", "called_on", "amount", "needed_on")

    decision = models.ForeignKey(
        "funding.GrantDecision",
        verbose_name=_("Zuwendungsbescheid"),
        on_delete=models.PROTECT,
        related_name="call_offs",
    )
    called_on = models.DateField(_("abgerufen am"))
    amount = models.DecimalField(_("abgerufener Betrag"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    needed_on = models.DateField(
        _("benötigt für Zahlungen ab"),
        null=True,
        blank=True,
        help_text=_(
            "Mittel dürfen nur für Zahlungen abgerufen werden, die binnen zwei Monaten fällig werden "
            "(VV Nr. 7.2 zu § 44 LHO NRW)."
        ),
    )
    received_on = models.DateField(_("eingegangen am"), null=True, blank=True)
    received_amount = models.DecimalField(
        _("eingegangener Betrag"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    reference = models.CharField(_("Kassenzeichen / Aktenzeichen"), max_length=100, blank=True)
    note = models.TextField(_("Bemerkung"), blank=True)
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    history = HistoricalRecords()

    objects = body_scoped("decision__body", CallOffQuerySet)

    class Meta:
        verbose_name = _("Mittelabruf")
        verbose_name_plural = _("Mittelabrufe")
        ordering = ["decision", "called_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="call_off_amount_positive",
                violation_error_message=_("Der abgerufene Betrag muss größer als 0 sein."),
            ),
            models.CheckConstraint(
                condition=Q(received_amount__isnull=True) | Q(received_amount__gte=0, received_amount__lte=F("amount")),
                name="call_off_received_within_called",
                violation_error_message=_("Es kann nicht mehr eingehen, als abgerufen wurde."),
            ),
            models.CheckConstraint(
                condition=Q(received_on__isnull=True, received_amount__isnull=True)
                | Q(received_on__isnull=False, received_amount__isnull=False),
                name="call_off_receipt_complete",
                violation_error_message=_("Zahlungseingang bitte mit Datum und Betrag erfassen."),
            ),
            models.CheckConstraint(
                condition=Q(received_on__isnull=True) | Q(received_on__gte=F("called_on")),
                name="call_off_received_after_called",
                violation_error_message=_("Das Geld kann nicht vor dem Abruf eingegangen sein."),
            ),
            *Approvable.Meta.constraints,
        ]

    def __str__(self) -> str:
        return f"{_('Mittelabruf')} {_('vom')} {date_format(self.called_on, 'SHORT_DATE_FORMAT')}"

    def get_absolute_url(self) -> str:
        return self.decision.get_absolute_url() + "#mittelabrufe"

    @property
    def called_too_early(self) -> bool:
        return money.called_too_early(self.called_on, self.needed_on)

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.received_amount is not None and self.received_on is None:
            errors["received_on"] = _("Bitte das Datum des Zahlungseingangs angeben.")
        if self.received_on is not None and self.received_amount is None:
            errors["received_amount"] = _("Bitte den eingegangenen Betrag angeben.")
        if self.received_on and self.called_on and self.received_on < self.called_on:
            errors["received_on"] = _("Das Geld kann nicht vor dem Abruf eingegangen sein.")
        if self.received_amount is not None and self.amount is not None and self.received_amount > self.amount:
            errors["received_amount"] = _("Es kann nicht mehr eingehen, als abgerufen wurde.")
        if errors:
            raise ValidationError(errors)
        if self.decision_id is not None and self.amount is not None:
            self.check_within_grant()

    def check_within_grant(self) -> None:
        """All call-offs of the decision together may not exceed the current grant."""
        version = self.decision.versions.filter(is_current=True).first()
        if version is None or version.granted_amount is None:
            raise ValidationError(
                {"amount": _("Solange die Zuwendung nicht berechnet ist, können keine Mittel abgerufen werden.")}
            )
        others = CallOff.objects.filter(decision_id=self.decision_id).exclude(pk=self.pk).totals()["called"]
        if others + self.amount > version.granted_amount:
            raise ValidationError(
                {
                    "amount": _(
                        "Mit diesem Abruf wären %(total)s abgerufen, bewilligt sind aber nur %(granted)s "
                        "(%(version)s). Höchstens %(left)s können noch abgerufen werden."
                    )
                    % {
                        "total": euro(others + self.amount),
                        "granted": euro(version.granted_amount),
                        "version": version.label,
                        "left": euro(max(version.granted_amount - others, ZERO)),
                    }
                }
            )


class ProofKind(models.TextChoices):
    INTERIM = "interim", _("Zwischennachweis")
    FINAL = "final", _("Verwendungsnachweis")


class ProofOfUseQuerySet(models.QuerySet):
    def open(self) -> "ProofOfUseQuerySet":
        """Not yet complete: narrative report, numerical statement or a required receipt list missing."""
        return self.filter(
            Q(report_submitted_on__isnull=True)
            | Q(statement_submitted_on__isnull=True)
            | Q(receipts_required=True, receipts_submitted_on__isnull=True)
        )

    def overdue(self, today: datetime.date) -> "ProofOfUseQuerySet":
        return self.filter(due_on__lt=today)

    def due_within(self, today: datetime.date, days: int = DEADLINE_HORIZON_DAYS) -> "ProofOfUseQuerySet":
        return self.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=days))


class ProofOfUse(Revisioned, Illustrative, Approvable, GrantRecordDocuments):
    """A proof-of-use deadline (Verwendungsnachweis, interim or final) and what has been submitted.

    Four eyes on its settlement: closing the review (the settled grant) makes the one who closed it
    the recorder; a second person approves it. Only the settlement's fields withdraw an approval;
    a proof that is not settled has nothing to approve.
    """

    APPROVED_FIELDS = ("settled_on", "settled_grant")

    decision = models.ForeignKey(
        "funding.GrantDecision", verbose_name=_("Zuwendungsbescheid"), on_delete=models.CASCADE, related_name="proofs"
    )
    kind = models.CharField(_("Art"), max_length=20, choices=ProofKind.choices)
    pass_through = models.ForeignKey(
        "funding.PassThrough",
        verbose_name=_("Nachweis des Empfängers der Weiterleitung"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recipient_proofs",
        help_text=_(
            "Leer: der Nachweis des Kreises gegenüber dem Land. Sonst der Nachweis, den der Empfänger dem Kreis "
            "vorlegt; er ist vor dem Nachweis des Kreises fällig und wird vorher geprüft."
        ),
    )
    covers_year = models.PositiveSmallIntegerField(
        _("Berichtsjahr"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("Bei Zwischennachweisen das Jahr, über das berichtet wird."),
    )
    due_on = models.DateField(_("Frist"))
    report_submitted_on = models.DateField(_("Sachbericht eingereicht am"), null=True, blank=True)
    statement_submitted_on = models.DateField(_("zahlenmäßiger Nachweis eingereicht am"), null=True, blank=True)
    receipts_required = models.BooleanField(
        _("Belegliste erforderlich"), default=False, help_text=_("Z. B. bei Weiterleitung an einen privaten Träger.")
    )
    receipts_submitted_on = models.DateField(_("Belegliste eingereicht am"), null=True, blank=True)
    note = models.TextField(_("Bemerkung"), blank=True)
    third_party_actual = models.DecimalField(
        _("tatsächliche Drittmittel"),
        **MONEY,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Laut Nachweis; leer: wie im Bescheid. Mehr Drittmittel mindern eine Fehlbedarfsfinanzierung."),
    )
    settled_on = models.DateField(_("Prüfung abgeschlossen am"), null=True, blank=True, editable=False)
    settled_grant = models.DecimalField(
        _("Zuwendung nach Prüfung"),
        **MONEY,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Aus den anerkannten Ausgaben nach der Finanzierungsart des Bescheids berechnet."),
    )

    history = HistoricalRecords()

    objects = body_scoped("decision__body", ProofOfUseQuerySet)

    class Meta:
        verbose_name = _("Verwendungsnachweis")
        verbose_name_plural = _("Verwendungsnachweise")
        ordering = ["due_on", "pk"]
        constraints = [
            *Approvable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(covers_year__isnull=True) | Q(covers_year__gte=2000, covers_year__lte=2100),
                name="proof_year_range",
            ),
        ]

    def __str__(self) -> str:
        year = f" {self.covers_year}" if self.covers_year else ""
        recipient = f" ({self.pass_through.recipient.short_name})" if self.pass_through_id else ""
        return (
            f"{self.get_kind_display()}{year}{recipient}, {_('Frist')} {date_format(self.due_on, 'SHORT_DATE_FORMAT')}"
        )

    def get_absolute_url(self) -> str:
        return reverse("funding:proof-detail", args=[self.pk])

    @property
    def is_settled(self) -> bool:
        return self.settled_on is not None

    @property
    def is_complete(self) -> bool:
        return (
            self.report_submitted_on is not None
            and self.statement_submitted_on is not None
            and (not self.receipts_required or self.receipts_submitted_on is not None)
        )

    def missing_parts(self) -> list[str]:
        parts = []
        if self.report_submitted_on is None:
            parts.append(str(_("Sachbericht")))
        if self.statement_submitted_on is None:
            parts.append(str(_("zahlenmäßiger Nachweis")))
        if self.receipts_required and self.receipts_submitted_on is None:
            parts.append(str(_("Belegliste")))
        return parts

    @property
    def state_today(self) -> str:
        return self.state(timezone.localdate())

    def state(self, today: datetime.date) -> str:
        """One of ``done``, ``overdue``, ``due`` (within the horizon) or ``open``."""
        if self.is_complete:
            return "done"
        if self.due_on < today:
            return "overdue"
        if self.due_on <= today + datetime.timedelta(days=DEADLINE_HORIZON_DAYS):
            return "due"
        return "open"

    def clean(self) -> None:
        super().clean()
        if self.receipts_submitted_on and not self.receipts_required:
            raise ValidationError(
                {"receipts_required": _("Eine eingereichte Belegliste setzt voraus, dass sie erforderlich ist.")}
            )
        if self.kind == ProofKind.INTERIM and self.covers_year is None:
            raise ValidationError({"covers_year": _("Bitte das Berichtsjahr des Zwischennachweises angeben.")})
        if self.pass_through_id is not None:
            if self.pass_through.decision_id != self.decision_id:
                raise ValidationError({"pass_through": _("Die Weiterleitung gehört zu einem anderen Bescheid.")})
            own = (
                ProofOfUse.objects.filter(decision_id=self.decision_id, kind=self.kind, pass_through__isnull=True)
                .exclude(pk=self.pk)
                .order_by("due_on")
                .first()
            )
            if own is not None and self.due_on is not None and self.due_on >= own.due_on:
                raise ValidationError(
                    {
                        "due_on": _(
                            "Der Nachweis des Empfängers muss vor dem des Kreises (Frist %(day)s) fällig sein, "
                            "damit er vorher geprüft werden kann."
                        )
                        % {"day": date_format(own.due_on, "SHORT_DATE_FORMAT")}
                    }
                )


class PassThroughQuerySet(models.QuerySet):
    def with_paid_out(self) -> "PassThroughQuerySet":
        """Each with ``paid_out_cents``: its payouts paid so far, in cents (a subquery in the same
        query; :attr:`PassThrough.paid_out` gives the amount)."""
        paid = (
            Payout.objects.filter(pass_through=OuterRef("pk"), paid_amount__isnull=False)
            .order_by()
            .values("pass_through")
            .annotate(total=CentsSum("paid_amount"))
            .values("total")
        )
        return self.annotate(paid_out_cents=Coalesce(Subquery(paid, output_field=models.BigIntegerField()), Value(0)))

    def of_decisions(self, decision_ids) -> "PassThroughQuerySet":
        """All pass-throughs of these decisions with their recipients, in one query."""
        return (
            self.filter(decision__in=decision_ids)
            .select_related("recipient")
            .order_by("decision_id", "recipient__short_name", "pk")
        )

    def of_programmes(self, programme_ids) -> "PassThroughQuerySet":
        """All pass-throughs of the programmes' decisions with their recipients, in one query."""
        return (
            self.filter(decision__programme__in=programme_ids)
            .select_related("recipient")
            .order_by("decision_id", "recipient__short_name", "pk")
        )


def attach_ceilings(pass_throughs, *, granted: Decimal | None, grant_by_organisation: dict[int, Decimal]) -> None:
    """Set ``ceiling`` and ``claim_back`` on each of a decision's pass-throughs (loaded records, no query).

    The ceiling is what the current version leaves for the pass-through: the recipient's part of
    the grant (its own share's ``grant_amount``) where the version has one for it, else the grant;
    either way less what the decision's other pass-throughs (to the same recipient, where it has
    a part) take. ``claim_back`` is what was passed on above it (Rückforderung), after an
    amendment that lowered the grant or the share. Without a computed grant both are None.
    """
    pass_throughs = list(pass_throughs)
    for item in pass_throughs:
        if item.recipient_id in grant_by_organisation:
            limit = grant_by_organisation[item.recipient_id]
            others = [o for o in pass_throughs if o is not item and o.recipient_id == item.recipient_id]
        elif granted is not None:
            limit = granted
            others = [o for o in pass_throughs if o is not item]
        else:
            item.ceiling = item.claim_back = None
            continue
        item.ceiling = max(limit - sum((o.amount for o in others), ZERO), ZERO)
        item.claim_back = money.claim_back(item.amount, item.ceiling)


class PassThrough(Revisioned, Illustrative, GrantRecordDocuments):
    """Part of a grant passed on to another organisation (Weiterleitung), e.g. to the DRK as Zuschuss."""

    decision = models.ForeignKey(
        "funding.GrantDecision",
        verbose_name=_("Zuwendungsbescheid"),
        on_delete=models.CASCADE,
        related_name="pass_throughs",
    )
    recipient = models.ForeignKey(
        "staffing.Organisation",
        verbose_name=_("Empfänger"),
        on_delete=models.PROTECT,
        related_name="pass_throughs_received",
    )
    form = models.CharField(_("Form"), max_length=30, choices=GrantForm.choices, default=GrantForm.ZUSCHUSS)
    amount = models.DecimalField(_("weitergeleiteter Betrag"), **MONEY, validators=NON_NEGATIVE)
    decided_on = models.DateField(_("Weiterleitungsbescheid / -vertrag vom"), null=True, blank=True)
    period_start = models.DateField(_("Zeitraum von"), null=True, blank=True)
    period_end = models.DateField(_("Zeitraum bis"), null=True, blank=True)
    funded_fte = models.DecimalField(
        _("geförderte VZÄ"), max_digits=6, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
    )  # fmt: skip
    max_per_fte = models.DecimalField(
        _("höchstens je VZÄ und Jahr"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    actual_cost_basis = models.BooleanField(
        _("in Höhe der tatsächlichen Personalkosten"),
        default=False,
        help_text=_("Ausgezahlt wird, was die Stelle tatsächlich kostet, höchstens der Betrag oben."),
    )
    top_up_per_fte = models.DecimalField(
        _("Zuschuss des Kreises je VZÄ und Jahr (Eigenmittel)"),
        **MONEY,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Was der Kreis aus eigenen Mitteln zusätzlich zur weitergeleiteten Zuwendung zahlt."),
    )
    conditions = models.TextField(_("Bedingungen und Auflagen"), blank=True)
    month_counting = models.CharField(
        _("Monate zählen"),
        max_length=20,
        choices=MonthCounting.choices,
        default=MonthCounting.STARTED_MONTHS,
        help_text=_("Für die Höchstbeträge und den Zuschuss je VZÄ und Jahr; neu angelegt wie im Bescheid."),
    )
    proof_lead_months = models.PositiveSmallIntegerField(
        _("Nachweise des Empfängers: Monate vor den Fristen des Kreises"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_(
            "Z. B. 2: Der Empfänger legt jeden Nachweis bis zum Ende des Monats vor, der zwei Monate vor "
            "der Frist des Kreises liegt. Leer: seine Fristen werden einzeln erfasst."
        ),
    )

    history = HistoricalRecords()

    objects = body_scoped("decision__body", PassThroughQuerySet)

    class Meta:
        verbose_name = _("Weiterleitung")
        verbose_name_plural = _("Weiterleitungen")
        ordering = ["decision", "recipient__short_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="pass_through_amount_non_negative",
                violation_error_message=_("Der Betrag darf nicht negativ sein."),
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lte=F("period_end")),
                name="pass_through_period_ordered",
                violation_error_message=_("Das Ende des Zeitraums liegt vor seinem Beginn."),
            ),
            models.CheckConstraint(
                condition=(Q(max_per_fte__isnull=True) | Q(max_per_fte__gte=0))
                & (Q(funded_fte__isnull=True) | Q(funded_fte__gt=0)),
                name="pass_through_limits_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(top_up_per_fte__isnull=True) | Q(top_up_per_fte__gte=0),
                name="pass_through_top_up_non_negative",
                violation_error_message=_("Der Zuschuss des Kreises darf nicht negativ sein."),
            ),
            models.CheckConstraint(
                condition=Q(proof_lead_months__isnull=True) | Q(proof_lead_months__range=(1, 12)),
                name="pass_through_proof_lead_in_a_year",
            ),
        ]

    def __str__(self) -> str:
        return _("Weiterleitung an %(recipient)s") % {"recipient": self.recipient.short_name}

    def get_absolute_url(self) -> str:
        return self.decision.get_absolute_url() + "#weiterleitungen"

    def get_detail_url(self) -> str:
        """Its own page: terms, years, contract and payouts."""
        return reverse("funding:passthrough-detail", args=[self.pk])

    @property
    def paid_out(self) -> Decimal:
        """Paid out to the recipient so far (read with :meth:`PassThroughQuerySet.with_paid_out`)."""
        return from_cents(self.paid_out_cents)

    @property
    def still_to_pay(self) -> Decimal:
        """What the recipient is still to get: its total less what was paid out."""
        return max(self.recipient_total - self.paid_out, ZERO)

    @property
    def cap(self) -> Decimal | None:
        """The ceiling from "at most X per FTE and year" over the period, if all parts are known."""
        if None in (self.max_per_fte, self.funded_fte, self.period_start, self.period_end):
            return None
        return money.per_fte_cap(
            self.max_per_fte, self.funded_fte, self.period_start, self.period_end, self.month_counting
        )

    @property
    def by_year(self) -> list[dict]:
        """Per year of the period: cap, the Land's money passed on, the Kreis' top-up and the total
        the recipient gets (:func:`funding.money.pass_through_by_year`); empty without a period."""
        if self.period_start is None or self.period_end is None or self.amount is None:
            return []
        if self.period_end < self.period_start:
            return []
        return money.pass_through_by_year(
            amount=self.amount,
            start=self.period_start,
            end=self.period_end,
            fte=self.funded_fte,
            max_per_fte=self.max_per_fte,
            top_up_per_fte=self.top_up_per_fte,
            counting=self.month_counting,
        )

    @property
    def top_up_total(self) -> Decimal:
        """The Kreis' own top-up over the whole period (the sum of the yearly amounts)."""
        return sum((row["top_up"] for row in self.by_year), ZERO)

    @property
    def recipient_total(self) -> Decimal:
        """What the recipient gets in all: the money passed on plus the Kreis' top-up."""
        return self.amount + self.top_up_total

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("Das Ende des Zeitraums liegt vor seinem Beginn.")
        elif self.max_per_fte is not None:
            if self.funded_fte is None:
                errors["funded_fte"] = _("Für eine Obergrenze je VZÄ bitte die geförderten VZÄ angeben.")
            if self.period_start is None or self.period_end is None:
                errors["period_start"] = _("Für eine Obergrenze je VZÄ und Jahr bitte den Zeitraum angeben.")
            cap = self.cap
            if cap is not None and self.amount is not None and self.amount > cap:
                errors["amount"] = _(
                    "Höchstens %(cap)s: %(max)s je VZÄ und Jahr x %(fte)s VZÄ x %(months)s/12 Monate."
                ) % {
                    "cap": euro(cap),
                    "max": euro(self.max_per_fte),
                    "fte": format_fte(self.funded_fte),
                    "months": money.months_in_period(self.period_start, self.period_end),
                }
        if self.top_up_per_fte and (self.funded_fte is None or not (self.period_start and self.period_end)):
            errors["top_up_per_fte"] = _(
                "Für einen Zuschuss je VZÄ und Jahr bitte die geförderten VZÄ und den Zeitraum angeben."
            )
        if self.recipient_id is not None and self.recipient.is_kreis_unit:
            errors["recipient"] = _(
                "Weitergeleitet wird an einen anderen Träger, nicht an eine Einrichtung des Kreises selbst."
            )
        if errors:
            raise ValidationError(errors)
        if self.decision_id is not None and self.amount is not None:
            self.check_within_grant()

    def check_within_grant(self) -> None:
        """Everything passed on from a decision together may not exceed its current grant."""
        version = self.decision.versions.filter(is_current=True).first()
        if version is None or version.granted_amount is None:
            raise ValidationError(
                {"amount": _("Solange die Zuwendung nicht berechnet ist, kann nichts weitergeleitet werden.")}
            )
        others = (
            PassThrough.objects.filter(decision_id=self.decision_id).exclude(pk=self.pk).aggregate(s=MoneySum("amount"))
        )["s"] or ZERO
        if others + self.amount > version.granted_amount:
            raise ValidationError(
                {
                    "amount": _(
                        "Zusammen würden %(total)s weitergeleitet, bewilligt sind aber nur %(granted)s (%(version)s)."
                    )
                    % {
                        "total": euro(others + self.amount),
                        "granted": euro(version.granted_amount),
                        "version": version.label,
                    }
                }
            )


class PayoutQuerySet(models.QuerySet):
    def totals(self) -> dict[str, Decimal]:
        result = self.aggregate(requested=MoneySum("amount"), paid=MoneySum("paid_amount"))
        return {key: value if value is not None else ZERO for key, value in result.items()}


class Payout(Revisioned, Approvable):
    """The recipient's call-off of a pass-through (Mittelanforderung) and the Kreis' payout to it.

    Four eyes: a recorded payout awaits a second person's approval and is paid only after it
    (a check constraint); all payouts of a pass-through together stay within what it provides
    (the money passed on plus the Kreis' top-up, :attr:`PassThrough.recipient_total`).
    """

    APPROVED_FIELDS = ("pass_through", "requested_on", "amount", "needed_on")

    pass_through = models.ForeignKey(
        PassThrough, verbose_name=_("Weiterleitung"), on_delete=models.PROTECT, related_name="payouts"
    )
    requested_on = models.DateField(_("angefordert am"))
    amount = models.DecimalField(_("angeforderter Betrag"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    needed_on = models.DateField(
        _("benötigt für Zahlungen ab"),
        null=True,
        blank=True,
        help_text=_("Mittel dürfen nur für Zahlungen angefordert werden, die binnen zwei Monaten fällig werden."),
    )
    paid_on = models.DateField(_("ausgezahlt am"), null=True, blank=True)
    paid_amount = models.DecimalField(_("ausgezahlter Betrag"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE)
    reference = models.CharField(_("Kassenzeichen / Aktenzeichen"), max_length=100, blank=True)
    note = models.TextField(_("Bemerkung"), blank=True)

    history = HistoricalRecords()

    objects = body_scoped("pass_through__decision__body", PayoutQuerySet)

    class Meta:
        verbose_name = _("Auszahlung")
        verbose_name_plural = _("Auszahlungen")
        ordering = ["pass_through", "requested_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payout_amount_positive",
                violation_error_message=_("Der angeforderte Betrag muss größer als 0 sein."),
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True) | Q(paid_amount__gte=0, paid_amount__lte=F("amount")),
                name="payout_paid_within_requested",
                violation_error_message=_("Es kann nicht mehr ausgezahlt werden, als angefordert wurde."),
            ),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True, paid_amount__isnull=True)
                | Q(paid_on__isnull=False, paid_amount__isnull=False),
                name="payout_payment_complete",
                violation_error_message=_("Die Auszahlung bitte mit Datum und Betrag erfassen."),
            ),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(approved_at__isnull=False),
                name="payout_paid_only_when_approved",
                violation_error_message=_("Ausgezahlt werden kann erst nach der Freigabe durch eine zweite Person."),
            ),
            *Approvable.Meta.constraints,
        ]

    def __str__(self) -> str:
        return _("Auszahlung an %(recipient)s, angefordert am %(day)s") % {
            "recipient": self.pass_through.recipient.short_name,
            "day": date_format(self.requested_on, "SHORT_DATE_FORMAT"),
        }

    def get_absolute_url(self) -> str:
        return self.pass_through.get_detail_url() + "#auszahlungen"

    @property
    def called_too_early(self) -> bool:
        return money.called_too_early(self.requested_on, self.needed_on)

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.paid_amount is not None and self.paid_on is None:
            errors["paid_on"] = _("Bitte das Datum der Auszahlung angeben.")
        if self.paid_on is not None and self.paid_amount is None:
            errors["paid_amount"] = _("Bitte den ausgezahlten Betrag angeben.")
        if self.paid_amount is not None and self.amount is not None and self.paid_amount > self.amount:
            errors["paid_amount"] = _("Es kann nicht mehr ausgezahlt werden, als angefordert wurde.")
        if errors:
            raise ValidationError(errors)
        if self.pass_through_id is not None and self.amount is not None:
            self.check_within_pass_through()

    def check_within_pass_through(self) -> None:
        """All payouts of the pass-through together may not exceed what it provides the recipient."""
        pass_through = self.pass_through
        others = Payout.objects.filter(pass_through_id=self.pass_through_id).exclude(pk=self.pk).totals()["requested"]
        limit = pass_through.recipient_total
        if others + self.amount > limit:
            raise ValidationError(
                {
                    "amount": _(
                        "Mit dieser Auszahlung würden %(total)s an %(recipient)s ausgezahlt; die Weiterleitung "
                        "sieht aber nur %(limit)s vor (%(amount)s weitergeleitet, %(top_up)s Zuschuss des "
                        "Kreises). Höchstens %(left)s können noch ausgezahlt werden."
                    )
                    % {
                        "total": euro(others + self.amount),
                        "recipient": pass_through.recipient.short_name,
                        "limit": euro(limit),
                        "amount": euro(pass_through.amount),
                        "top_up": euro(pass_through.top_up_total),
                        "left": euro(max(limit - others, ZERO)),
                    }
                }
            )
