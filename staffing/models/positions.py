"""Organisations, positions (Stellen), assignments (Besetzungen) and the stored cost of positions."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from integration_admin.core.db import (
    FteSum,
    JoinedText,
    MoneySum,
    cents,
    from_cents,
    from_thousandths,
    split_joined,
    thousandths,
)
from integration_admin.core.formats import fte as format_fte
from integration_admin.core.models import BodyOwned, Illustrative, Revisioned
from integration_admin.core.scopes import body_scoped
from integration_admin.core.text import contains_word
from staffing.models.pay import PayGrade

FTE_MAX_DIGITS = 6
FTE_PLACES = 3


class OrganisationKind(models.TextChoices):
    KREIS_UNIT = "kreis_unit", _("Einrichtung des Kreises")
    WELFARE = "welfare", _("Wohlfahrtsverband")
    OTHER = "other", _("Sonstige")


class OrganisationQuerySet(models.QuerySet):
    def with_figures(self, day: datetime.date, year: int) -> "OrganisationQuerySet":
        """Annotate positions, FTE, FTE held and free on ``day`` and the cost of ``year``.

        FTE in thousandths and cost in cents (exact sums); one correlated subquery each, so the
        list stays one query whatever its length.
        """
        positions = Position.objects.filter(organisation=OuterRef("pk")).order_by().values("organisation")
        staffable = positions.filter(active_on_condition(day), status__in=STAFFABLE_STATUSES)
        held = (
            Assignment.objects.filter(position__organisation=OuterRef("pk"), position__status__in=STAFFABLE_STATUSES)
            .filter(active_on_condition(day, prefix="position__"))
            .active_on(day)
            .order_by()
            .values("position__organisation")
            .annotate(total=Sum(thousandths(F("fte_share"))))
            .values("total")
        )
        cost = (
            PositionCost.objects.filter(position__organisation=OuterRef("pk"), year=year)
            .order_by()
            .values("position__organisation")
            .annotate(total=Sum(cents(F("total"))))
            .values("total")
        )
        integer = models.BigIntegerField()
        return self.annotate(
            position_count=Coalesce(Subquery(positions.annotate(n=Count("pk")).values("n"), output_field=integer), 0),
            fte_milli=Coalesce(
                Subquery(positions.annotate(total=Sum(thousandths(F("fte")))).values("total"), output_field=integer), 0
            ),
            staffable_milli=Coalesce(
                Subquery(staffable.annotate(total=Sum(thousandths(F("fte")))).values("total"), output_field=integer), 0
            ),
            assigned_milli=Coalesce(Subquery(held, output_field=integer), 0),
            cost_cents=Subquery(cost, output_field=integer),
        ).annotate(vacant_milli=F("staffable_milli") - F("assigned_milli"))


class Organisation(Revisioned, BodyOwned):
    """Where positions sit: the KI, the ABH, the DRK, the VHS ... (master data, kept by the
    administrator on the master-data pages; ``revision`` guards against lost updates)."""

    short_name = models.CharField(_("Kurzbezeichnung"), max_length=30)
    name = models.CharField(_("Name"), max_length=300)
    kind = models.CharField(_("Art"), max_length=20, choices=OrganisationKind.choices)

    body = models.ForeignKey(
        "core.Body",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="organisations",
    )
    objects = body_scoped("body", OrganisationQuerySet)

    class Meta:
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisationen")
        ordering = ["short_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "short_name"],
                name="organisation_short_name_unique_per_body",
                violation_error_message=_("Eine Organisation mit dieser Kurzbezeichnung gibt es schon."),
            ),
        ]

    def __str__(self) -> str:
        return self.short_name

    def get_absolute_url(self) -> str:
        return reverse("staffing:organisation-detail", args=[self.pk])

    @property
    def is_kreis_unit(self) -> bool:
        return self.kind == OrganisationKind.KREIS_UNIT


class PositionStatus(models.TextChoices):
    APPLICABLE = "applicable", _("beantragbar")
    APPLIED = "applied", _("beantragt")
    APPROVED = "approved", _("bewilligt")
    FILLED = "filled", _("besetzt")
    VACANT = "vacant", _("unbesetzt")
    ENDED = "ended", _("beendet")


class Occupancy(models.TextChoices):
    """How much of a position is held on a day: a fact of its assignments, not a status
    (:meth:`PositionQuerySet.with_staffing`); only a position that can be held on the day has one."""

    HELD = "held", _("besetzt")
    PARTLY = "partly", _("teilweise besetzt")
    FREE = "free", _("unbesetzt")


# Statuses in which a position exists and can be held by people; only these can be vacant.
STAFFABLE_STATUSES = (PositionStatus.APPROVED, PositionStatus.FILLED, PositionStatus.VACANT)
# Statuses of a position that is only planned: no grant pays for it (yet).
PLANNED_STATUSES = (PositionStatus.APPLICABLE, PositionStatus.APPLIED)


def active_on_condition(day: datetime.date, prefix: str = "") -> Q:
    return (
        (Q(**{f"{prefix}start__isnull": True}) | Q(**{f"{prefix}start__lte": day}))
        & (Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": day}))
        & ~Q(**{f"{prefix}status": PositionStatus.ENDED})
    )


# What the position search looks in (besides the names of holders that the reader may read).
POSITION_SEARCH_FIELDS = (
    "title",
    "note",
    "organisation__short_name",
    "organisation__name",
    "building_block__title",
    "building_block__short_title",
    "building_block__programme__short_name",
    "building_block__programme__name",
    "pay_grade__code",
)


class PositionQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date) -> "PositionQuerySet":
        """Positions whose period contains ``day`` (an open start or end counts as unbounded)."""
        return self.filter(active_on_condition(day))

    def search(self, text: str, *, reader) -> "PositionQuerySet":
        """Every word must appear in the title, note, organisation, programme, block, pay grade or
        the name of a holder whose name ``reader`` may read (:meth:`AssignmentQuerySet.readable_by`)."""
        qs = self
        for word in text.split():
            holders = Assignment.objects.readable_by(reader).filter(
                contains_word(["holder_name"], word), position=OuterRef("pk")
            )
            qs = qs.filter(contains_word(POSITION_SEARCH_FIELDS, word) | Exists(holders))
        return qs

    def with_staffing(self, day: datetime.date) -> "PositionQuerySet":
        """Annotate the FTE held on ``day`` and what is free, in thousandths (see :func:`thousandths`).

        ``staffable_on_day`` is true where the position exists on ``day`` in a status that people
        can hold; only there does a vacancy mean something, and only there is ``occupancy`` (an
        :class:`Occupancy`: held, partly held, free) set; elsewhere it is ``None``.
        """
        shares = (
            Assignment.objects.filter(position=OuterRef("pk"))
            .active_on(day)
            .order_by()
            .values("position")
            .annotate(total=Sum(thousandths(F("fte_share"))))
            .values("total")
        )
        return self.annotate(
            assigned_milli=Coalesce(Subquery(shares, output_field=models.BigIntegerField()), 0),
            staffable_on_day=Case(
                When(active_on_condition(day) & Q(status__in=STAFFABLE_STATUSES), then=True),
                default=False,
                output_field=models.BooleanField(),
            ),
        ).alias(
            vacant_milli=thousandths(F("fte")) - F("assigned_milli"),
            occupancy=Case(
                When(Q(staffable_on_day=False), then=Value(None)),
                When(Q(assigned_milli__lte=0), then=Value(Occupancy.FREE)),
                When(Q(vacant_milli__lte=0), then=Value(Occupancy.HELD)),
                default=Value(Occupancy.PARTLY),
                output_field=models.CharField(),
            ),
        )
        # (aliases: the free share and the occupancy are in the SQL only where a filter or the
        # sort asks for them; the rows work them out in Python, Position.vacant_milli and
        # Position.occupancy, instead of running the held-FTE subquery again per row)

    def with_holders(self, day: datetime.date, *, reader) -> "PositionQuerySet":
        """Annotate the names of the people holding the position on ``day`` (see :func:`split_joined`),
        as far as ``reader`` may read them (need to know: :meth:`AssignmentQuerySet.readable_by`);
        ``holders_hidden`` is true on the rows whose names ``reader`` may not read."""
        names = (
            Assignment.objects.readable_by(reader)
            .filter(position=OuterRef("pk"))
            .active_on(day)
            .order_by()
            .values("position")
            .annotate(names=JoinedText("holder_name"))
            .values("names")
        )
        readable = reader.holder_organisation_ids()
        hidden = (
            Value(False)
            if readable is None
            else Case(When(organisation_id__in=readable, then=Value(False)), default=Value(True))
        )
        return self.annotate(
            holder_names=Subquery(names, output_field=models.TextField()),
            holders_hidden=ExpressionWrapper(hidden, output_field=models.BooleanField()),
        )

    def with_labels(self) -> "PositionQuerySet":
        """Annotate the names the position tables show (programme, block, organisation, pay grade).

        The same joins as ``select_related`` but plain values: a 50-row page builds 50 model
        instances instead of 250.
        """
        return self.annotate(
            programme_short_name=F("building_block__programme__short_name"),
            block_number=F("building_block__number"),
            block_title=F("building_block__title"),
            organisation_short_name=F("organisation__short_name"),
            pay_grade_code=F("pay_grade__code"),
        )

    def with_occupancy(self, *occupancies: str) -> "PositionQuerySet":
        """After :meth:`with_staffing`: the positions held, partly held or free (:class:`Occupancy`) on its day."""
        return self.filter(occupancy__in=occupancies)

    def with_cost(self, year: int) -> "PositionQuerySet":
        """Annotate the stored annual employer cost of ``year`` (``None`` where it is unknown)."""
        return self.annotate(cost_row=FilteredRelation("costs", condition=Q(costs__year=year))).annotate(
            annual_cost=F("cost_row__total"), cost_is_illustrative=F("cost_row__is_illustrative")
        )

    def totals(self) -> dict:
        """Count, FTE, held and free FTE and cost of the whole (filtered) set, in one query.

        Needs :meth:`with_staffing` and :meth:`with_cost`.
        """
        result = self.order_by().aggregate(
            count=Count("pk"),
            fte_total=FteSum("fte"),
            # (aliases must differ from the annotations they sum, or Django replaces the annotation)
            assigned_total=Sum(Case(When(staffable_on_day=True, then=F("assigned_milli")), default=0)),
            # free = staffable FTE - held FTE (summing each row's free share again would run the
            # held-FTE subquery a second time per row)
            staffable_total=Sum(Case(When(staffable_on_day=True, then=thousandths(F("fte"))), default=0)),
            cost=MoneySum("annual_cost"),
            cost_known=Count("annual_cost"),
            cost_illustrative=Count("pk", filter=Q(cost_is_illustrative=True)),
        )
        return _totals(
            count=result["count"],
            fte=result["fte_total"] or Decimal("0.000"),
            assigned_milli=result["assigned_total"] or 0,
            vacant_milli=(result["staffable_total"] or 0) - (result["assigned_total"] or 0),
            cost=result["cost"],
            cost_known=result["cost_known"],
            cost_illustrative=result["cost_illustrative"],
        )

    def with_set_totals(self) -> "PositionQuerySet":
        """Annotate every row with the totals of the whole (filtered) set, as :meth:`totals` gives them.

        Window aggregates over all rows the filters leave, computed before the page's LIMIT: the
        rows of a page bring the list's totals and count along, without a query of their own
        (read them with :func:`set_totals`). Needs :meth:`with_staffing` and :meth:`with_cost`.
        """
        staffable = Q(staffable_on_day=True)
        return self.annotate(
            set_count=Window(Count("pk")),
            set_fte_milli=Window(Sum(thousandths(F("fte")))),
            set_assigned_milli=Window(Sum(Case(When(staffable, then=F("assigned_milli")), default=0))),
            set_staffable_milli=Window(Sum(Case(When(staffable, then=thousandths(F("fte"))), default=0))),
            set_cost_cents=Window(Sum(cents(F("annual_cost")))),
            set_cost_known=Window(Count("annual_cost")),
            set_cost_illustrative=Window(Sum(Case(When(cost_is_illustrative=True, then=1), default=0))),
        )

    def total_fte(self) -> Decimal:
        return self.aggregate(total=FteSum("fte"))["total"] or Decimal("0")

    def fte_by_organisation(self):
        """Rows of (programme, block, organisation, status) with their summed FTE, in the database."""
        return (
            self.values(
                "building_block__programme_id",
                "building_block_id",
                "organisation_id",
                "organisation__short_name",
                "status",
            )
            .annotate(fte_total=FteSum("fte"), positions=models.Count("id"))
            .order_by("building_block__programme_id", "building_block__number", "organisation__short_name", "status")
        )


def listed_positions(day: datetime.date, year: int, *, rows: bool = False, reader=None) -> PositionQuerySet:
    """Every position with what the position tables show: labels, staffing on ``day``, cost of ``year``.

    Filter it further as usual. ``rows=True`` adds the holders on ``day`` whose names ``reader``
    (the user) may read and, on every row, the totals of the whole filtered set
    (:meth:`~PositionQuerySet.with_holders`, :meth:`~PositionQuerySet.with_set_totals`) for a page
    of a table: filters added afterwards still come first, as SQL applies WHERE before window functions.
    """
    queryset = Position.objects.with_labels().with_staffing(day).with_cost(year)
    if not rows:
        return queryset
    if reader is None:
        raise TypeError("listed_positions(rows=True) needs the reader whose need to know limits the names.")
    return queryset.with_holders(day, reader=reader).with_set_totals()


def _totals(*, count, fte, assigned_milli, vacant_milli, cost, cost_known, cost_illustrative) -> dict:
    return {
        "count": count,
        "fte": fte,
        "assigned": from_thousandths(assigned_milli),
        "vacant": from_thousandths(vacant_milli),
        "cost": cost if cost_known else None,
        "cost_known": cost_known,
        "cost_missing": count - cost_known,
        "cost_illustrative": cost_illustrative > 0,
    }


def empty_totals() -> dict:
    """The totals of a set without positions (what :meth:`PositionQuerySet.totals` gives for it)."""
    return _totals(
        count=0, fte=Decimal("0.000"), assigned_milli=0, vacant_milli=0, cost=None, cost_known=0, cost_illustrative=0
    )


def set_totals(position) -> dict:
    """The totals that :meth:`PositionQuerySet.with_set_totals` put on a row (any row of the set)."""
    return _totals(
        count=position.set_count,
        fte=from_thousandths(position.set_fte_milli or 0),
        assigned_milli=position.set_assigned_milli or 0,
        vacant_milli=(position.set_staffable_milli or 0) - (position.set_assigned_milli or 0),
        cost=from_cents(position.set_cost_cents),
        cost_known=position.set_cost_known,
        cost_illustrative=position.set_cost_illustrative or 0,
    )


class Position(Revisioned):
    """A staff position (Stelle) paid by a building block, at an organisation, of a size in FTE."""

    building_block = models.ForeignKey(
        "programs.BuildingBlock", verbose_name=_("Baustein"), on_delete=models.PROTECT, related_name="positions"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("Organisation"), on_delete=models.PROTECT, related_name="positions"
    )
    title = models.CharField(_("Bezeichnung"), max_length=200)
    fte = models.DecimalField(
        _("VZÄ"),
        max_digits=FTE_MAX_DIGITS,
        decimal_places=FTE_PLACES,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("Vollzeitäquivalente, z. B. 1,5 oder 0,5."),
    )
    pay_grade = models.ForeignKey(
        PayGrade, verbose_name=_("Entgeltgruppe"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pay_step = models.PositiveSmallIntegerField(
        _("Stufe (Kostenplanung)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    pay_grade_is_illustrative = models.BooleanField(
        _("Entgeltgruppe/Stufe illustrativ"),
        default=False,
        help_text=_("Beispielangabe der Demo; wird beim Ändern von Entgeltgruppe oder Stufe zurückgesetzt."),
    )
    start = models.DateField(_("Beginn"), null=True, blank=True)
    end = models.DateField(_("Ende"), null=True, blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=PositionStatus.choices)
    fixed_term = models.BooleanField(_("befristet"), default=True)
    lapses_when_vacant = models.BooleanField(
        _("kw-Vermerk"), default=False, help_text=_("Die Stelle fällt weg, sobald sie frei wird.")
    )
    note = models.TextField(_("Bemerkung"), blank=True)
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    history = HistoricalRecords()

    objects = body_scoped("organisation__body", PositionQuerySet)

    class Meta:
        verbose_name = _("Stelle")
        verbose_name_plural = _("Stellen")
        ordering = ["building_block__programme", "building_block__number", "organisation__short_name", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fte__gt=0),
                name="position_fte_positive",
                violation_error_message=_("Der Stellenumfang (VZÄ) muss größer als 0 sein."),
            ),
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(start__lte=F("end")),
                name="position_period_ordered",
                violation_error_message=_("Das Ende der Stelle liegt vor ihrem Beginn."),
            ),
            models.CheckConstraint(
                condition=Q(pay_step__isnull=True) | Q(pay_step__gte=1, pay_step__lte=6),
                name="position_pay_step_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.organisation.short_name}, {format_fte(self.fte)} {_('VZÄ')})"

    def get_absolute_url(self) -> str:
        return reverse("staffing:position-detail", args=[self.pk])

    @property
    def vacant_milli(self) -> int:
        """The free share on the day of :meth:`PositionQuerySet.with_staffing`, in thousandths:
        the FTE less the held FTE (``fte`` has three decimal places, so this is exact)."""
        return int(self.fte * 1000) - self.assigned_milli

    @property
    def assigned(self) -> Decimal:
        """The FTE held on the day of :meth:`PositionQuerySet.with_staffing`."""
        return from_thousandths(self.assigned_milli)

    @property
    def vacant(self) -> Decimal:
        """The FTE free on the day of :meth:`PositionQuerySet.with_staffing`."""
        return from_thousandths(self.vacant_milli)

    @property
    def occupancy(self) -> str | None:
        """Held, partly held or free (:class:`Occupancy`) on the day of :meth:`PositionQuerySet.with_staffing`;
        ``None`` where the position cannot be held that day. The same rule as the database's alias
        that :meth:`PositionQuerySet.with_occupancy` filters on."""
        if not self.staffable_on_day:
            return None
        if self.assigned_milli <= 0:
            return Occupancy.FREE
        if self.vacant_milli <= 0:
            return Occupancy.HELD
        return Occupancy.PARTLY

    @property
    def occupancy_label(self) -> str:
        """Held, partly held or free on the day of :meth:`PositionQuerySet.with_staffing`, in words."""
        return Occupancy(self.occupancy).label if self.occupancy else ""

    @property
    def holder_list(self) -> list[str]:
        """The names of the people holding it on the day of :meth:`PositionQuerySet.with_holders`."""
        return split_joined(self.holder_names)

    def contains(self, day: datetime.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def clean(self) -> None:
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("Das Ende der Stelle liegt vor ihrem Beginn.")})
        if self.pk and self.fte:
            peak = peak_assigned_fte(self.assignments.all())
            if peak > self.fte:
                raise ValidationError(
                    {
                        "fte": _(
                            "Der Stelle sind an einem Tag bereits %(peak)s VZÄ zugeordnet; "
                            "der Umfang kann nicht kleiner werden."
                        )
                        % {"peak": format_fte(peak)}
                    }
                )


class AssignmentQuerySet(models.QuerySet):
    def readable_by(self, user) -> "AssignmentQuerySet":
        """The assignments whose holder's name ``user`` may read (``User.holder_organisation_ids``:
        a caseworker their own organisation's, the department head and the administrator all)."""
        readable = user.holder_organisation_ids()
        return self if readable is None else self.filter(position__organisation_id__in=readable)

    def active_on(self, day: datetime.date) -> "AssignmentQuerySet":
        return self.filter(start__lte=day).filter(Q(end__isnull=True) | Q(end__gte=day))

    def overlapping(self, start: datetime.date, end: datetime.date | None) -> "AssignmentQuerySet":
        qs = self.filter(Q(end__isnull=True) | Q(end__gte=start))
        if end is not None:
            qs = qs.filter(start__lte=end)
        return qs


def peak_assigned_fte(assignments) -> Decimal:
    """The largest sum of FTE shares held on any single day by the given assignments.

    Sweeps over start and end dates: a share counts from its start day to its end day inclusive.
    """
    events: list[tuple[datetime.date, int, Decimal]] = []
    for a in assignments:
        events.append((a.start, 0, a.fte_share))
        if a.end is not None:
            events.append((a.end + datetime.timedelta(days=1), -1, -a.fte_share))
    # On the same day, ends (-1) are processed before starts (0).
    events.sort(key=lambda event: (event[0], event[1]))
    peak = running = Decimal("0")
    for _day, _order, delta in events:
        running += delta
        peak = max(peak, running)
    return peak


class Assignment(Revisioned, Illustrative):
    """A person holds an FTE share of a position from a date, possibly to a date (Besetzung)."""

    position = models.ForeignKey(
        Position, verbose_name=_("Stelle"), on_delete=models.CASCADE, related_name="assignments"
    )
    holder_name = models.CharField(_("Stelleninhaber/-in"), max_length=200)
    fte_share = models.DecimalField(
        _("Stellenanteil (VZÄ)"),
        max_digits=FTE_MAX_DIGITS,
        decimal_places=FTE_PLACES,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    start = models.DateField(_("von"))
    end = models.DateField(_("bis"), null=True, blank=True)
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    history = HistoricalRecords()

    objects = body_scoped("position__organisation__body", AssignmentQuerySet)

    class Meta:
        verbose_name = _("Besetzung")
        verbose_name_plural = _("Besetzungen")
        ordering = ["position", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fte_share__gt=0),
                name="assignment_share_positive",
                violation_error_message=_("Der Stellenanteil muss größer als 0 sein."),
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__lte=F("end")),
                name="assignment_period_ordered",
                violation_error_message=_("Das Ende der Besetzung liegt vor ihrem Beginn."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name} ({format_fte(self.fte_share)} {_('VZÄ')})"

    def get_absolute_url(self) -> str:
        return self.position.get_absolute_url() + "#besetzungen"

    def clean(self) -> None:
        """Shares never exceed the position's FTE on any day; the assignment lies inside the position."""
        super().clean()
        if self.start is None or self.fte_share is None or self.position_id is None:
            return
        if self.end is not None and self.end < self.start:
            raise ValidationError({"end": _("Das Ende der Besetzung liegt vor ihrem Beginn.")})
        position = self.position
        if position.start and self.start < position.start:
            raise ValidationError(
                {"start": _("Die Besetzung beginnt vor der Stelle (%(day)s).") % {"day": f"{position.start:%d.%m.%Y}"}}
            )
        if position.end and (self.end is None or self.end > position.end):
            raise ValidationError(
                {"end": _("Die Besetzung endet nach der Stelle (%(day)s).") % {"day": f"{position.end:%d.%m.%Y}"}}
            )
        others = position.assignments.overlapping(self.start, self.end).exclude(pk=self.pk)
        peak = peak_assigned_fte([*others, self])
        if peak > position.fte:
            raise ValidationError(
                {
                    "fte_share": _(
                        "Zusammen mit den anderen Besetzungen wären %(peak)s VZÄ zugeordnet, "
                        "die Stelle hat aber nur %(fte)s VZÄ."
                    )
                    % {"peak": format_fte(peak), "fte": format_fte(position.fte)}
                }
            )


@dataclass
class StaffingPeriod:
    """A stretch of days on which the same FTE of a position is held (``None`` = open end)."""

    start: datetime.date | None
    end: datetime.date | None
    assigned: Decimal
    fte: Decimal

    @property
    def vacant(self) -> Decimal:
        return self.fte - self.assigned


def staffing_periods(position: Position, assignments) -> list[StaffingPeriod]:
    """The position's period cut into stretches of equal held FTE, from its assignments.

    Stretches with a free share are vacancies. An open start or end of the position stays open.
    """
    one_day = datetime.timedelta(days=1)
    assignments = list(assignments)
    cuts = {a.start for a in assignments} | {a.end + one_day for a in assignments if a.end is not None}
    if position.start is not None:
        cuts = {day for day in cuts if day > position.start} | {position.start}
    if position.end is not None:
        cuts = {day for day in cuts if day <= position.end}
    bounds: list[datetime.date | None] = sorted(cuts)
    if position.start is None:
        bounds.insert(0, None)
    periods: list[StaffingPeriod] = []
    for index, start in enumerate(bounds):
        following = bounds[index + 1] if index + 1 < len(bounds) else None
        end = following - one_day if following is not None else position.end
        probe = start if start is not None else (end if end is not None else datetime.date.min)
        assigned = sum(
            (a.fte_share for a in assignments if a.start <= probe and (a.end is None or a.end >= probe)),
            Decimal("0"),
        )
        if periods and periods[-1].assigned == assigned:
            periods[-1].end = end
        else:
            periods.append(StaffingPeriod(start, end, assigned, position.fte))
    if not periods:
        periods.append(StaffingPeriod(position.start, position.end, Decimal("0"), position.fte))
    return periods


class PositionCostQuerySet(models.QuerySet):
    def of_granted_positions(self, block_ids) -> "PositionCostQuerySet":
        """The costs of the positions in the building blocks that a grant pays for, i.e. not merely
        planned (applicable, applied for): what a flat rate covers, and its coverage gap."""
        return self.filter(position__building_block__in=block_ids).exclude(position__status__in=PLANNED_STATUSES)


class PositionCost(models.Model):
    """The annual employer cost of one position in one year, as :mod:`staffing.costs` computes it.

    Derived data, never typed in: :func:`staffing.services.refresh_costs` writes it whenever a
    position or the pay data change (``manage.py refresh_costs`` rebuilds all of it). It is
    stored so that lists can show, sort and sum the cost of any number of positions in the
    database. A year without the data to compute it has no row.
    """

    position = models.ForeignKey(Position, verbose_name=_("Stelle"), on_delete=models.CASCADE, related_name="costs")
    year = models.PositiveSmallIntegerField(_("Jahr"))
    months = models.PositiveSmallIntegerField(_("Monate"), validators=[MaxValueValidator(12)])
    gross_pay = models.DecimalField(_("Entgelt"), max_digits=12, decimal_places=2)
    annual_bonus = models.DecimalField(_("Jahressonderzahlung"), max_digits=12, decimal_places=2)
    employer_contributions = models.DecimalField(_("Arbeitgeberanteile"), max_digits=12, decimal_places=2)
    total = models.DecimalField(_("Arbeitgeberbrutto"), max_digits=12, decimal_places=2)
    is_illustrative = models.BooleanField(_("illustrativ"), default=False)

    objects = body_scoped("position__organisation__body", PositionCostQuerySet)

    class Meta:
        verbose_name = _("Personalkosten einer Stelle")
        verbose_name_plural = _("Personalkosten der Stellen")
        ordering = ["position", "year"]
        constraints = [
            models.UniqueConstraint(fields=["position", "year"], name="position_cost_unique"),
            models.CheckConstraint(condition=Q(months__lte=12), name="position_cost_months_range"),
        ]

    def __str__(self) -> str:
        return f"{self.position_id} {self.year}: {self.total}"
