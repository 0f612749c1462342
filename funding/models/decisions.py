"""Applications, grant decisions with their versions (amendments) and own shares.

A :class:`GrantDecision` is one grant case (one Zuwendungsbescheid and its later amendments).
Its figures live in :class:`DecisionVersion` rows: number 0 is the original decision, 1, 2 ...
are amendments (Änderungsbescheide). Exactly one version is current; earlier ones stay
readable, and every figure knows which version it comes from.
"""

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import connection, models
from django.db.models import Case, Exists, F, FilteredRelation, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, Round
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from funding import money
from funding.models.after_decision import CallOff, PassThrough, ProofOfUse
from funding.models.base import (
    MONEY,
    NON_NEGATIVE,
    PERCENT,
    ZERO,
    DecisionStatus,
    FinancingType,
    GrantForm,
    GrantRecordDocuments,
)
from funding.models.plan import MonthCounting, PlanItem, PlanItemKind
from integration_admin.core.db import (
    NAME_SEPARATOR,
    CentsSum,
    JoinedText,
    JsonRows,
    MoneySum,
    cents,
    from_cents,
    from_thousandths,
    orders_rows_in_json,
    thousandths,
)
from integration_admin.core.models import BodyOwned, Illustrative, Revisioned
from integration_admin.core.scopes import body_scoped
from programs.models import FlatRate


class Application(Revisioned, BodyOwned):
    """An application for a grant (Antrag auf Landeszuwendung)."""

    programme = models.ForeignKey(
        "programs.Programme", verbose_name=_("Förderprogramm"), on_delete=models.PROTECT, related_name="applications"
    )
    building_blocks = models.ManyToManyField(
        "programs.BuildingBlock", verbose_name=_("Bausteine"), related_name="applications", blank=True
    )
    submitted_on = models.DateField(_("Antragsdatum"))
    reference = models.CharField(_("Aktenzeichen"), max_length=100, blank=True)
    requested_amount = models.DecimalField(
        _("beantragter Betrag"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    note = models.TextField(_("Bemerkung"), blank=True)

    history = HistoricalRecords()

    body = models.ForeignKey(
        "core.Body",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="applications",
    )
    objects = body_scoped()

    class Meta:
        verbose_name = _("Antrag")
        verbose_name_plural = _("Anträge")
        ordering = ["-submitted_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__isnull=True) | Q(requested_amount__gte=0),
                name="application_amount_non_negative",
            ),
        ]

    def __str__(self) -> str:
        day = date_format(self.submitted_on, "SHORT_DATE_FORMAT")
        return f"{_('Antrag')} {self.programme.short_name} {_('vom')} {day}"

    def get_absolute_url(self) -> str:
        return reverse("funding:application-detail", args=[self.pk])


def call_off_cents(outer: str, field: str) -> Subquery:
    """Subquery: the sum of ``field`` of the call-offs of the decision ``outer`` points to, in cents."""
    return Subquery(
        CallOff.objects.filter(decision=OuterRef(outer))
        .order_by()
        .values("decision")
        .annotate(total=CentsSum(field))
        .values("total"),
        output_field=models.BigIntegerField(),
    )


class GrantDecisionQuerySet(models.QuerySet):
    def with_block_labels(self) -> "GrantDecisionQuerySet":
        """Annotate ``block_labels_joined``, "number: title" of each building block, joined.

        The decision page shows only these labels: joined in the decision query instead of a
        second query for the blocks (see :attr:`GrantDecision.block_labels`).
        """
        label = Concat(
            Cast("building_blocks__number", models.TextField()),
            Value(": "),
            "building_blocks__title",
            output_field=models.TextField(),
        )
        # NULL without blocks (the aggregate skips it), not ": ".
        label = Case(When(building_blocks__isnull=False, then=label))
        return self.annotate(block_labels_joined=JoinedText(label))

    def with_current_version(self) -> "GrantDecisionQuerySet":
        return self.prefetch_related(
            models.Prefetch("versions", DecisionVersion.objects.filter(is_current=True), to_attr="current_versions")
        )

    def with_figures(self, today: datetime.date) -> "GrantDecisionQuerySet":
        """One row per decision with the figures of its current version and its call-off totals.

        The current version is joined once (a filtered relation); sums of call-offs and the
        overdue-proof flag are correlated subqueries, so a page of any size is one query.
        """
        return self.annotate(
            cur=FilteredRelation("versions", condition=Q(versions__is_current=True)),
            version_number=F("cur__number"),
            financing_type=F("cur__financing_type"),
            eligible=F("cur__eligible_expenditure"),
            granted=F("cur__granted_amount"),
            stated=F("cur__stated_amount"),
            own_share=F("cur__eligible_expenditure")
            - F("cur__granted_amount")
            - Coalesce(F("cur__third_party_funds"), Value(ZERO)),
            period_start=F("cur__period_start"),
            period_end=F("cur__period_end"),
            received_on=F("cur__received_on"),
            dated_on=F("cur__dated_on"),
            illustrative=F("cur__is_illustrative"),
            called_cents=Coalesce(call_off_cents("pk", "amount"), Value(0)),
            received_cents=Coalesce(call_off_cents("pk", "received_amount"), Value(0)),
            proof_overdue=Exists(ProofOfUse.objects.filter(decision=OuterRef("pk")).open().overdue(today)),
            proof_open=Exists(ProofOfUse.objects.filter(decision=OuterRef("pk")).open()),
        )

    def active_on(self, day: datetime.date) -> "GrantDecisionQuerySet":
        """Decisions whose current version's grant period contains ``day`` (open ends count as unbounded)."""
        return self.filter(
            Q(versions__is_current=True),
            Q(versions__period_start__isnull=True) | Q(versions__period_start__lte=day),
            Q(versions__period_end__isnull=True) | Q(versions__period_end__gte=day),
        )

    def concerning(self, organisation_id: int) -> "GrantDecisionQuerySet":
        """Decisions that concern an organisation: it has a share of the current version, or part
        of the grant is passed on to it (the caseworkers' to-do lists and reminders)."""
        return self.filter(
            Exists(
                CostShare.objects.filter(
                    version__decision=OuterRef("pk"), version__is_current=True, organisation_id=organisation_id
                )
            )
            | Exists(PassThrough.objects.filter(decision=OuterRef("pk"), recipient_id=organisation_id))
        )

    def with_status(self, status: str, today: datetime.date) -> "GrantDecisionQuerySet":
        """Filter by :class:`DecisionStatus` (needs :meth:`with_figures`)."""
        if status == DecisionStatus.UPCOMING:
            return self.filter(period_start__gt=today)
        if status == DecisionStatus.RUNNING:
            return self.filter(
                Q(period_start__isnull=True) | Q(period_start__lte=today),
                Q(period_end__isnull=True) | Q(period_end__gte=today),
            )
        if status == DecisionStatus.ENDED:
            return self.filter(period_end__lt=today)
        if status == DecisionStatus.PROOF_OPEN:
            return self.filter(proof_open=True)
        if status == DecisionStatus.PROOF_OVERDUE:
            return self.filter(proof_overdue=True)
        return self


class GrantDecision(Revisioned, BodyOwned, GrantRecordDocuments):
    """One grant case: a Zuwendungsbescheid and all its amendments."""

    programme = models.ForeignKey(
        "programs.Programme", verbose_name=_("Förderprogramm"), on_delete=models.PROTECT, related_name="decisions"
    )
    building_blocks = models.ManyToManyField(
        "programs.BuildingBlock", verbose_name=_("Bausteine"), related_name="decisions"
    )
    funder = models.ForeignKey(
        "programs.Funder", verbose_name=_("Zuwendungsgeber"), on_delete=models.PROTECT, related_name="decisions"
    )
    application = models.ForeignKey(
        Application,
        verbose_name=_("Antrag"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        help_text=_("Leer lassen, wenn der Bescheid ohne Antrag eingegangen ist."),
    )
    title = models.CharField(_("Bezeichnung"), max_length=200)
    reference = models.CharField(_("Aktenzeichen"), max_length=100, blank=True)
    form = models.CharField(_("Form"), max_length=30, choices=GrantForm.choices)

    history = HistoricalRecords()

    body = models.ForeignKey(
        "core.Body",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="grant_decisions",
    )
    objects = body_scoped("body", GrantDecisionQuerySet)

    class Meta:
        verbose_name = _("Zuwendungsbescheid")
        verbose_name_plural = _("Zuwendungsbescheide")
        ordering = ["programme", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("funding:decision-detail", args=[self.pk])

    @property
    def block_labels(self) -> list[str]:
        """ "1: Coaching", … by block number; from ``with_block_labels()`` where annotated."""
        if hasattr(self, "block_labels_joined"):
            labels = self.block_labels_joined.split(NAME_SEPARATOR) if self.block_labels_joined else []
        else:
            labels = [f"{block.number}: {block.title}" for block in self.building_blocks.all()]
        return sorted(labels, key=lambda label: int(label.partition(":")[0]))

    @staticmethod
    def version_in_force(day: datetime.date, versions: list["DecisionVersion"]) -> "DecisionVersion | None":
        """The letter in force on ``day``: the highest-numbered version in force from that day or
        earlier (see :attr:`DecisionVersion.effective_on`), whatever was recorded when."""
        in_force = [v for v in versions if v.effective_on is not None and v.effective_on <= day]
        return max(in_force, key=lambda v: v.number, default=None)

    @property
    def without_application(self) -> bool:
        return self.application_id is None

    def current_version(self) -> "DecisionVersion | None":
        """The version in force (uses ``with_current_version()``'s prefetch when present)."""
        if hasattr(self, "current_versions"):
            return self.current_versions[0] if self.current_versions else None
        return self.versions.filter(is_current=True).first()

    def status(self, today: datetime.date, version: "DecisionVersion | None" = None) -> str:
        """Upcoming, running or ended by the current version's grant period."""
        version = version if version is not None else self.current_version()
        if version is None:
            return DecisionStatus.RUNNING
        return DecisionStatus.of_period(version.period_start, version.period_end, today)

    @property
    def listed_status(self) -> DecisionStatus:
        """Today's status from the current version's period that ``with_figures()`` annotated."""
        return DecisionStatus.of_period(self.period_start, self.period_end, timezone.localdate())


# Which figures each financing type reads (besides the funded FTE, which every type may record).
FIGURES_BY_TYPE: dict[str, tuple[str, ...]] = {
    FinancingType.SHARE: ("eligible_expenditure", "rate", "cap"),
    FinancingType.FIXED: ("eligible_expenditure", "unit_amount", "units"),
    FinancingType.DEFICIT: ("eligible_expenditure", "own_funds", "third_party_funds", "cap"),
    FinancingType.FULL: ("eligible_expenditure", "full_financing_reason"),
    FinancingType.FLAT_RATE: ("eligible_expenditure",),
}
# What a financing type needs before the grant can be computed.
REQUIRED_BY_TYPE: dict[str, tuple[str, ...]] = {
    FinancingType.SHARE: ("eligible_expenditure", "rate"),
    FinancingType.FIXED: ("unit_amount", "units"),
    FinancingType.DEFICIT: ("eligible_expenditure",),
    FinancingType.FULL: ("eligible_expenditure", "full_financing_reason"),
    FinancingType.FLAT_RATE: ("funded_fte", "period_start", "period_end"),
}
TYPE_SPECIFIC_FIGURES = (
    "rate",
    "cap",
    "unit_amount",
    "units",
    "own_funds",
    "third_party_funds",
    "full_financing_reason",
)
# The figures of a letter: what an amendment copies and may change.
VERSION_FIGURES = (
    "financing_type",
    "eligible_expenditure",
    "rate",
    "cap",
    "unit_amount",
    "units",
    "own_funds",
    "third_party_funds",
    "funded_fte",
    "full_financing_reason",
    "stated_amount",
    "period_start",
    "period_end",
    "month_counting",
    "is_illustrative",
)


class DecisionVersionQuerySet(models.QuerySet):
    def current(self) -> "DecisionVersionQuerySet":
        return self.filter(is_current=True)

    def paying(self, position) -> "DecisionVersionQuerySet":
        """The current versions of the decisions for the position's building block, each with its
        organisation's part (``share_eligible``, ``share_grant``, ``share_own``; None without one)."""
        return (
            self.current()
            .filter(decision__building_blocks=position.building_block_id)
            .select_related("decision__funder", "decision__application")
            # The organisation's share (at most one per version) joined in rather than prefetched.
            .annotate(
                share=FilteredRelation("cost_shares", condition=Q(cost_shares__organisation=position.organisation_id)),
                share_eligible=F("share__eligible_amount"),
                share_grant=F("share__grant_amount"),
                share_own=F("share__own_share"),
            )
            .order_by("period_start", "decision__title")
        )

    def with_called_cents(self) -> "DecisionVersionQuerySet":
        """Annotate ``called_cents``: everything called off on the version's decision, in whole cents."""
        return self.annotate(called_cents=Coalesce(call_off_cents("decision", "amount"), Value(0)))

    def active_on(self, day: datetime.date) -> "DecisionVersionQuerySet":
        return self.filter(
            Q(period_start__isnull=True) | Q(period_start__lte=day), Q(period_end__isnull=True) | Q(period_end__gte=day)
        )

    def with_shares(self) -> "DecisionVersionQuerySet":
        """Annotate ``share_rows``, the version's own shares as JSON (see :attr:`DecisionVersion.shares`).

        Summaries of many decisions (dashboard, programme page, council paper) show every version's
        shares: read with the versions instead of a second query for them. A prefetch would be the
        plain way, but it is one query more than the programme page's budget of six (README,
        "Performance"); ``tests/funding/test_views.py`` pins that the JSON gives the stored shares.
        """
        rows = (
            CostShare.objects.filter(version=OuterRef("pk"))
            .order_by()
            .values("version")
            .annotate(
                rows=JsonRows(
                    "organisation_id",
                    "organisation__short_name",
                    thousandths("weight"),
                    cents("eligible_amount"),
                    cents("grant_amount"),
                    cents("own_share"),
                    ordering="organisation__short_name",  # as CostShare.Meta.ordering, in the database's collation
                )
            )
            .values("rows")
        )
        return self.annotate(share_rows=Subquery(rows, output_field=models.TextField()))

    def totals(self) -> dict[str, Decimal]:
        """Eligible expenditure, grant and own share, summed exactly in the database."""
        result = self.aggregate(
            eligible=MoneySum("eligible_expenditure"),
            granted=MoneySum("granted_amount"),
            own_share=MoneySum(
                F("eligible_expenditure") - F("granted_amount") - Coalesce(F("third_party_funds"), Value(ZERO))
            ),
        )
        return {key: value if value is not None else Decimal("0.00") for key, value in result.items()}


class DecisionVersion(Illustrative, GrantRecordDocuments):
    """The figures of a grant decision as one letter stated them: the original or an amendment."""

    decision = models.ForeignKey(
        "funding.GrantDecision", verbose_name=_("Zuwendungsbescheid"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(
        _("Fassung"), default=0, help_text=_("0 = Erstbescheid, 1, 2 … = Änderungsbescheide.")
    )
    is_current = models.BooleanField(_("geltende Fassung"), default=True)
    dated_on = models.DateField(_("Bescheiddatum"), null=True, blank=True)
    received_on = models.DateField(_("Eingang"), null=True, blank=True)
    reason = models.TextField(_("Grund der Änderung"), blank=True)
    financing_type = models.CharField(_("Finanzierungsart"), max_length=20, choices=FinancingType.choices)
    eligible_expenditure = models.DecimalField(
        _("zuwendungsfähige Ausgaben"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    rate = models.DecimalField(
        _("Fördersatz in %"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    cap = models.DecimalField(_("Höchstbetrag"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE)
    unit_amount = models.DecimalField(_("Betrag je Einheit"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE)
    units = models.DecimalField(
        _("Anzahl Einheiten"), max_digits=10, decimal_places=3, null=True, blank=True, validators=NON_NEGATIVE
    )
    own_funds = models.DecimalField(_("Eigenmittel"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE)
    third_party_funds = models.DecimalField(_("Drittmittel"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE)
    funded_fte = models.DecimalField(
        _("geförderte VZÄ"), max_digits=6, decimal_places=3, null=True, blank=True, validators=NON_NEGATIVE
    )
    full_financing_reason = models.TextField(_("Begründung der Vollfinanzierung"), blank=True)
    stated_amount = models.DecimalField(
        _("Betrag laut Bescheid"),
        **MONEY,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Wie im Bescheid genannt; eine Abweichung vom berechneten Betrag wird angezeigt."),
    )
    granted_amount = models.DecimalField(_("Zuwendung (berechnet)"), **MONEY, null=True, blank=True, editable=False)
    period_start = models.DateField(_("Bewilligungszeitraum von"), null=True, blank=True)
    period_end = models.DateField(_("Bewilligungszeitraum bis"), null=True, blank=True)
    month_counting = models.CharField(
        _("Monate zählen"),
        max_length=20,
        choices=MonthCounting.choices,
        default=MonthCounting.STARTED_MONTHS,
        help_text=_("Für Beträge je Jahr: angefangene Monate voll oder taggenau (wie der Bescheid es sagt)."),
    )
    plan_amount = models.DecimalField(
        _("Summe des Finanzierungsplans"),
        **MONEY,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Die Ausgaben des Finanzierungsplans, aus seinen Positionen berechnet."),
    )
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    history = HistoricalRecords()

    objects = body_scoped("decision__body", DecisionVersionQuerySet)

    class Meta:
        verbose_name = _("Bescheidfassung")
        verbose_name_plural = _("Bescheidfassungen")
        ordering = ["decision", "number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["decision", "number"], name="decision_version_number_unique"),
            models.UniqueConstraint(
                fields=["decision"], condition=Q(is_current=True), name="decision_one_current_version"
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lte=F("period_end")),
                name="decision_period_ordered",
                violation_error_message=_("Das Ende des Bewilligungszeitraums liegt vor seinem Beginn."),
            ),
            models.CheckConstraint(
                condition=Q(rate__isnull=True) | Q(rate__gt=0, rate__lte=100),
                name="decision_rate_range",
                violation_error_message=_("Der Fördersatz muss über 0 %% und höchstens 100 %% liegen."),
            ),
            models.CheckConstraint(
                condition=Q(number=0) | ~Q(reason=""),
                name="decision_amendment_has_reason",
                violation_error_message=_("Ein Änderungsbescheid braucht einen Grund."),
            ),
            models.CheckConstraint(
                condition=~Q(financing_type="full") | ~Q(full_financing_reason=""),
                name="decision_full_financing_has_reason",
                violation_error_message=_("Eine Vollfinanzierung braucht eine schriftliche Begründung."),
            ),
            models.CheckConstraint(
                condition=Q(granted_amount__isnull=True)
                | Q(eligible_expenditure__isnull=True)
                | ~Q(financing_type="share")
                | Q(granted_amount__lte=F("eligible_expenditure")),
                name="decision_share_grant_within_eligible",
            ),
            models.CheckConstraint(
                condition=Q(eligible_expenditure__isnull=True) | Q(eligible_expenditure__gte=0),
                name="decision_eligible_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(granted_amount__isnull=True) | Q(granted_amount__gte=0),
                name="decision_grant_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} – {self.label}"

    def save(self, *args, **kwargs) -> None:
        # The grant is derived from the figures, never typed in; keep the stored copy in step so
        # that totals can be summed in the database.
        self.granted_amount = self.compute_grant()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return self.decision.get_absolute_url() + f"#fassung-{self.number}"

    @property
    def label(self) -> str:
        """ "Bescheid vom 15.02.2023" by the letter's date; without it "Bescheid, eingegangen am
        10.08.2020": the receipt date is never passed off as the letter's date."""
        # Whole sentences with placeholders, so that the catalogue has them (words inside an
        # f-string are not extracted) and each language orders them its own way.
        values = {"number": self.number}
        if self.dated_on:
            values["day"] = date_format(self.dated_on, "SHORT_DATE_FORMAT")
            if self.number == 0:
                return _("Bescheid vom %(day)s") % values
            return _("%(number)s. Änderungsbescheid vom %(day)s") % values
        if self.received_on:
            values["day"] = date_format(self.received_on, "SHORT_DATE_FORMAT")
            if self.number == 0:
                return _("Bescheid, eingegangen am %(day)s") % values
            return _("%(number)s. Änderungsbescheid, eingegangen am %(day)s") % values
        if self.number == 0:
            return str(_("Bescheid"))
        return _("%(number)s. Änderungsbescheid") % values

    @property
    def effective_on(self) -> datetime.date | None:
        """From when this letter is in force: its receipt (a decision takes effect when it is made
        known, § 43 VwVfG NRW), else its date; the original letter without either from the start
        of its grant period."""
        return self.received_on or self.dated_on or (self.period_start if self.number == 0 else None)

    @property
    def shares(self) -> list["CostShare | ShareFigures"]:
        """The own shares by organisation; from ``with_shares()`` where annotated (then
        :class:`ShareFigures`, the figures and the organisation's short name, for reading only)."""
        if not hasattr(self, "share_rows"):
            return list(self.cost_shares.all())
        shares = [
            ShareFigures(
                OrganisationName(organisation_id, short_name),
                from_thousandths(weight),
                from_cents(eligible),
                from_cents(granted),
                from_cents(own),
            )
            for organisation_id, short_name, weight, eligible, granted, own in json.loads(self.share_rows or "[]")
        ]
        if not orders_rows_in_json(connection):  # SQLite orders text by code point, as Python does
            shares.sort(key=lambda share: share.organisation.short_name)
        return shares

    @property
    def own_share(self) -> Decimal | None:
        """What the Land does not pay and no third party carries: eligible expenditure minus the
        grant minus third-party funds (which are not the recipient's own money)."""
        if self.eligible_expenditure is None or self.granted_amount is None:
            return None
        return self.eligible_expenditure - self.granted_amount - (self.third_party_funds or ZERO)

    @property
    def over_financing(self) -> Decimal | None:
        """How far grant, own and third-party funds together exceed the eligible expenditure
        (Überfinanzierung); ``None`` when they do not or the figures are incomplete."""
        if self.eligible_expenditure is None or self.granted_amount is None:
            return None
        excess = self.granted_amount + (self.own_funds or ZERO) + (self.third_party_funds or ZERO)
        excess -= self.eligible_expenditure
        return excess if excess > 0 else None

    def grant_above_eligible(self) -> Decimal | None:
        """A fixed amount or flat rate above the eligible expenditure: the excess, else ``None``.

        A fixed amount may never exceed the eligible expenditure (VV Nr. 2.2.3 zu § 44 LHO): the
        own share would turn negative."""
        if self.eligible_expenditure is None or self.granted_amount is None:
            return None
        excess = self.granted_amount - self.eligible_expenditure
        return excess if excess > 0 else None

    @property
    def stated_difference(self) -> Decimal | None:
        """Stated amount on the letter minus the computed grant; non-zero means a warning."""
        if self.stated_amount is None or self.granted_amount is None:
            return None
        return self.stated_amount - self.granted_amount

    def missing_figures(self) -> list[str]:
        """Names (German) of the figures still needed to compute the grant."""
        missing = [
            str(self._meta.get_field(name).verbose_name)
            for name in REQUIRED_BY_TYPE.get(self.financing_type, ())
            if getattr(self, name) in (None, "")
        ]
        if self.plan_amount is not None and self.financing_type in (FinancingType.FIXED, FinancingType.FLAT_RATE):
            return []  # the financing plan states the grant item by item
        # (all(): the items the page prefetched, if it did)
        if (
            self.plan_amount is None
            and self.pk is not None
            and any(item.is_cost and item.frozen_from_master_data_on is None for item in self.plan_items.all())
        ):
            if self.period_start is None or self.period_end is None:
                return [str(_("Bewilligungszeitraum (für die Beträge je Jahr des Finanzierungsplans)"))]
            return [name for name in missing if self.financing_type != FinancingType.FIXED]
        if not missing and self.financing_type == FinancingType.FLAT_RATE and self.granted_amount is None:
            years = self.missing_flat_rate_years()
            missing.append(
                str(_("Pauschale je VZÄ für %(years)s (Stammdaten)") % {"years": ", ".join(map(str, years))})
                if years
                else str(_("Pauschale je VZÄ für jedes Jahr des Zeitraums"))
            )
        return missing

    def missing_flat_rate_years(self) -> list[int]:
        if self.period_start is None or self.period_end is None:
            return []
        try:
            rates = self.flat_rates()
        except ValidationError:
            return []
        return [year for year in range(self.period_start.year, self.period_end.year + 1) if year not in rates]

    # Set by a form before the decision's blocks are saved, so flat rates come from the chosen blocks.
    building_block_ids: list[int] | None = None
    # Set by the amendment form: the rates the new version will take over from the current one.
    frozen_rates_override: dict[int, Decimal] | None = None

    def frozen_rates(self) -> dict[int, Decimal]:
        """The flat rates per FTE and year frozen into this version (from master data when it was
        issued); a later change of the master data does not touch them."""
        if self.frozen_rates_override is not None:
            return self.frozen_rates_override
        if self.pk is None:
            return {}
        rows = self.plan_items.filter(kind=PlanItemKind.PERSONNEL, frozen_from_master_data_on__isnull=False)
        return {year: amount for year, amount in rows.values_list("year", "amount") if year is not None}

    def master_rates(self) -> dict[int, Decimal]:
        """Flat rates per FTE and year in the master data of this decision's building blocks (proposals)."""
        if self.building_block_ids is not None:
            rows = FlatRate.objects.filter(building_block__in=self.building_block_ids)
        elif self.decision_id is not None:
            rows = FlatRate.objects.filter(building_block__decisions=self.decision_id)
        else:
            return {}
        rows = rows.values_list("year", "amount_per_fte")
        rates: dict[int, Decimal] = {}
        for year, amount in rows:
            if year in rates and rates[year] != amount:
                raise ValidationError(
                    _("Für %(year)s gibt es verschiedene Pauschalen in den Bausteinen des Bescheids.") % {"year": year}
                )
            rates[year] = amount
        return rates

    def flat_rates(self) -> dict[int, Decimal]:
        """Flat rates per FTE and year for this version: the frozen ones, and for years not yet
        frozen the master data's (they are frozen when the version is saved)."""
        frozen = self.frozen_rates()
        if (
            self.period_start
            and self.period_end
            and all(year in frozen for year in range(self.period_start.year, self.period_end.year + 1))
        ):
            return frozen
        return {**self.master_rates(), **frozen}

    def flat_rate_by_year(self) -> dict[int, Decimal] | None:
        if self.period_start is None or self.period_end is None or self.funded_fte is None:
            return None
        try:
            return money.flat_rate_grant_by_year(
                self.period_start, self.period_end, self.funded_fte, self.flat_rates(), self.month_counting
            )
        except KeyError:
            return None

    def plan_sets(self, items: list[PlanItem]) -> set[str]:
        """The figures a financing plan typed by hand states (and the figures form then shows
        without letting them be typed): its cost is the eligible expenditure of share, deficit and
        full financing and the unit figures' replacement for fixed amounts; personnel lines give
        the funded FTE; resource lines the own and third-party funds. Rates frozen from master
        data are no plan typed by hand: they follow the funded FTE typed on the figures."""
        typed = [item for item in items if item.frozen_from_master_data_on is None]
        names: set[str] = set()
        if any(item.is_cost for item in typed):
            names.add("plan_amount")
            if self.financing_type in (FinancingType.SHARE, FinancingType.DEFICIT, FinancingType.FULL):
                names.add("eligible_expenditure")
            if self.financing_type == FinancingType.FIXED:
                names |= {"unit_amount", "units"}
        if any(item.kind == PlanItemKind.PERSONNEL for item in typed):
            names.add("funded_fte")
        if any(not item.is_cost for item in typed):
            names |= {"own_funds", "third_party_funds"}
        return names

    def apply_plan(self, items: list[PlanItem]) -> None:
        """Take the figures a financing plan typed by hand states (:meth:`plan_sets`); the cost of
        all its lines (typed and frozen) is ``plan_amount``, the grant of fixed amounts and flat
        rates. Without the grant period nothing can be counted per year: ``plan_amount`` stays empty."""
        names = self.plan_sets(items)
        self.plan_amount = None
        if not names or self.period_start is None or self.period_end is None:
            return
        lines = [item.as_line() for item in items]
        totals = money.plan_totals(
            lines, money.plan_by_year(lines, self.period_start, self.period_end, self.month_counting)
        )
        if "plan_amount" in names:
            self.plan_amount = totals["cost"]
        if "eligible_expenditure" in names:
            self.eligible_expenditure = totals["cost"]
        if "unit_amount" in names:
            self.unit_amount = self.units = None  # the plan's lines replace "unit amount x units"
        if "own_funds" in names:
            self.own_funds = totals[money.OWN_FUNDS]
            self.third_party_funds = totals[money.THIRD_PARTY]
        if "funded_fte" in names:
            self.funded_fte = money.plan_fte(lines, self.period_start, self.period_end)

    def plan_table(self, items: list[PlanItem]) -> dict | None:
        """The financing plan as the decision page shows it: each item with its amount per year
        and in total, and the totals of costs and resources per year (``None`` without items)."""
        if not items:
            return None
        if self.period_start is None or self.period_end is None:
            return {"years": [], "rows": [{"item": item, "by_year": [], "total": None} for item in items]}
        years = list(range(self.period_start.year, self.period_end.year + 1))
        # a rate frozen for a year the period no longer covers is kept (should it come back) but not shown
        items = [item for item in items if item.frozen_from_master_data_on is None or item.year in years]
        if not items:
            return None
        lines = [item.as_line() for item in items]
        by_year = money.plan_by_year(lines, self.period_start, self.period_end, self.month_counting)
        rows = [
            {
                "item": item,
                "by_year": [amounts.get(year) for year in years],
                "total": sum(amounts.values(), ZERO),
            }
            for item, amounts in zip(items, by_year, strict=True)
        ]
        costs = [row for row in rows if row["item"].is_cost]
        resources = [row for row in rows if not row["item"].is_cost]

        def year_totals(selected):
            return [sum((row["by_year"][i] or ZERO for row in selected), ZERO) for i in range(len(years))]

        cost_by_year = year_totals(costs)
        resource_by_year = year_totals(resources)
        grant_by_year = self.grant_by_year(cost_by_year, resource_by_year) if costs else None
        return {
            "years": years,
            "rows": rows,
            "costs": costs,
            "resources": resources,
            "cost_by_year": cost_by_year,
            "cost_total": sum((row["total"] for row in costs), ZERO),
            "resource_by_year": resource_by_year,
            "resource_total": sum((row["total"] for row in resources), ZERO),
            "grant_by_year": grant_by_year,
            "frozen_only": all(row["item"].frozen_from_master_data_on for row in rows),
        }

    def grant_by_year(self, cost_by_year: list[Decimal], resource_by_year: list[Decimal]) -> list[Decimal] | None:
        """The grant split over the plan's years so that the years add up to it to the cent: fixed
        amounts and flat rates as their yearly cost; deficit financing by each year's gap (cost
        less own and third-party funds); share and full financing by each year's cost."""
        if self.granted_amount is None:
            return None
        if self.plan_amount is None and self.financing_type != FinancingType.FLAT_RATE:
            return None  # the grant does not come from the plan's lines
        if self.financing_type == FinancingType.DEFICIT:
            weights = [
                max(cost - resources, ZERO) for cost, resources in zip(cost_by_year, resource_by_year, strict=True)
            ]
        else:
            weights = list(cost_by_year)
        if not any(weights):
            return None
        if sum(weights, ZERO) == self.granted_amount:
            return weights
        parts = money.split_proportionally(self.granted_amount, dict(enumerate(weights)))
        return [parts[index] for index in range(len(weights))]

    def compute_grant(self) -> Decimal | None:
        """The grant as the financing type computes it; ``None`` while figures are missing.

        A financing plan entered item by item (``plan_amount``) is the eligible expenditure of
        share, deficit and full financing (the service copies it there) and the grant itself of
        fixed-amount and flat-rate financing."""
        t = self.financing_type
        if t == FinancingType.SHARE:
            if self.eligible_expenditure is None or self.rate is None:
                return None
            return money.share_grant(self.eligible_expenditure, self.rate, self.cap)
        if t == FinancingType.FIXED:
            if self.plan_amount is not None:
                return self.plan_amount
            if self.unit_amount is None or self.units is None:
                return None
            return money.fixed_grant(self.unit_amount, self.units)
        if t == FinancingType.DEFICIT:
            if self.eligible_expenditure is None:
                return None
            return money.deficit_grant(
                self.eligible_expenditure,
                self.own_funds or Decimal("0"),
                self.third_party_funds or Decimal("0"),
                self.cap,
            )
        if t == FinancingType.FULL:
            return self.eligible_expenditure
        if t == FinancingType.FLAT_RATE:
            if self.plan_amount is not None:
                return self.plan_amount
            by_year = self.flat_rate_by_year()
            return None if by_year is None else sum(by_year.values(), Decimal("0.00"))
        return None

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("Das Ende des Bewilligungszeitraums liegt vor seinem Beginn.")
        if self.number and not self.reason.strip():
            errors["reason"] = _("Ein Änderungsbescheid braucht einen Grund.")
        if self.financing_type == FinancingType.FULL and not self.full_financing_reason.strip():
            errors["full_financing_reason"] = _("Eine Vollfinanzierung braucht eine schriftliche Begründung.")
        if self.financing_type == FinancingType.SHARE and self.rate is not None and self.rate <= 0:
            # The message is shown as it is (not %-formatted): "0 % l" is no placeholder.
            # xgettext:no-python-format
            errors["rate"] = _("Der Fördersatz muss über 0 % liegen.")
        if errors:
            raise ValidationError(errors)


@dataclass(frozen=True, slots=True)
class OrganisationName:
    """An organisation as a share read with its version names it."""

    pk: int
    short_name: str


@dataclass(frozen=True, slots=True)
class ShareFigures:
    """One organisation's own share of a version as ``with_shares()`` reads it: the figures of a
    :class:`CostShare`, for reading."""

    organisation: OrganisationName
    weight: Decimal
    eligible_amount: Decimal
    grant_amount: Decimal
    own_share: Decimal

    @property
    def organisation_id(self) -> int:
        return self.organisation.pk


class CostShareQuerySet(models.QuerySet):
    def by_organisation(self):
        return (
            self.values("organisation_id", "organisation__short_name")
            .annotate(
                eligible=MoneySum("eligible_amount"), granted=MoneySum("grant_amount"), own_share=MoneySum("own_share")
            )
            .order_by("organisation__short_name")
        )


class CostShare(models.Model):
    """One organisation's part of a decision version: eligible cost, grant and own share (Eigenanteil)."""

    version = models.ForeignKey(
        DecisionVersion, verbose_name=_("Bescheidfassung"), on_delete=models.CASCADE, related_name="cost_shares"
    )
    organisation = models.ForeignKey(
        "staffing.Organisation", verbose_name=_("Organisation"), on_delete=models.PROTECT, related_name="cost_shares"
    )
    weight = models.DecimalField(
        _("Gewicht (VZÄ)"),
        max_digits=8,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("Anteil an den zuwendungsfähigen Kosten, hier nach Stellenumfang."),
    )
    eligible_amount = models.DecimalField(_("zuwendungsfähige Ausgaben"), **MONEY, validators=NON_NEGATIVE)
    grant_amount = models.DecimalField(_("Zuwendung"), **MONEY, validators=NON_NEGATIVE)
    third_party_amount = models.DecimalField(
        _("Drittmittel"), **MONEY, default=ZERO, validators=NON_NEGATIVE, help_text=_("Nicht Teil des Eigenanteils.")
    )
    own_share = models.DecimalField(_("Eigenanteil"), **MONEY, validators=NON_NEGATIVE)

    history = HistoricalRecords()

    objects = body_scoped("version__decision__body", CostShareQuerySet)

    class Meta:
        verbose_name = _("Kostenanteil")
        verbose_name_plural = _("Kostenanteile")
        ordering = ["version", "organisation__short_name"]
        constraints = [
            models.UniqueConstraint(fields=["version", "organisation"], name="cost_share_unique"),
            models.CheckConstraint(
                # In whole cents: SQLite keeps decimals as floats, where 374696.16 + 93674.04 is not
                # 468370.2; PostgreSQL's NUMERIC gives the same answer either way.
                condition=Exact(
                    Round(F("eligible_amount") * 100),
                    Round(F("grant_amount") * 100) + Round(F("third_party_amount") * 100) + Round(F("own_share") * 100),
                ),
                name="cost_share_adds_up",
                violation_error_message=_(
                    "Zuwendung, Drittmittel und Eigenanteil ergeben nicht die zuwendungsfähigen Ausgaben."
                ),
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(grant_amount__gte=0) & Q(third_party_amount__gte=0) & Q(own_share__gte=0),
                name="cost_share_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.short_name}: {self.own_share}"

    def get_absolute_url(self) -> str:
        return self.version.get_absolute_url()
