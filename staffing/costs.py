"""Annual employer cost of positions (Arbeitgeberbrutto) and the coverage gap of flat rates.

DOMAIN.md section 5: monthly pay x months + annual bonus (Jahressonderzahlung) + employer social
insurance + supplementary pension levy, all from data the administrator keeps per year:

- the pay table (:class:`~staffing.models.PayTableEntry`): monthly pay per grade and step, valid
  from a date, so a pay round on 01.04. changes the pay from April on;
- the annual bonus rate per grade group and year (:class:`~staffing.models.AnnualBonusRate`),
  applied to the monthly pay valid on 1 September (TVöD: the average of July to September);
- the employer contribution rates per year (:class:`~staffing.models.EmployerContributionRate`).

A position counts in every calendar month it touches (angefangene Monate, as for flat rates),
times its FTE. The bonus is pro rata: months / 12.

:func:`load_cost_tables` reads all rate data in three queries; computing the cost of any number
of positions then needs no further query.
"""

import datetime
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, Subquery, Value
from django.utils import timezone

from integration_admin.core.formats import round_money
from programs.models import FlatRate
from staffing.models import AnnualBonusRate, EmployerContributionRate, PayGrade, PayTableEntry, Position, PositionCost

HUNDRED = Decimal("100")
TWELVE = Decimal("12")
BONUS_REFERENCE_MONTH = 9


@dataclass
class CostTables:
    """Everything the cost rules read, loaded once."""

    # (pay_grade_id, step) -> sorted [(valid_from, monthly_amount)]
    pay: dict[tuple[int, int], list[tuple[datetime.date, Decimal]]] = field(default_factory=dict)
    grade_group: dict[int, int] = field(default_factory=dict)  # pay_grade_id -> group_id
    bonus: dict[tuple[int, int], Decimal] = field(default_factory=dict)  # (year, group_id) -> rate %
    employer: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)  # year -> (social, pension) %
    # Which of those figures are illustrative (examples, not from a real pay table or decision).
    illustrative_pay: set[tuple[int, int, datetime.date]] = field(default_factory=set)  # (grade, step, valid_from)
    illustrative_bonus: set[tuple[int, int]] = field(default_factory=set)  # (year, group_id)
    illustrative_employer: set[int] = field(default_factory=set)  # year
    _pay_dates: dict[tuple[int, int], list[datetime.date]] = field(default_factory=dict, repr=False)

    def pay_entry(self, pay_grade_id: int, step: int, day: datetime.date) -> tuple[datetime.date, Decimal] | None:
        """The pay-table entry valid on ``day``: (valid_from, monthly amount)."""
        entries = self.pay.get((pay_grade_id, step))
        if not entries:
            return None
        dates = self._pay_dates.get((pay_grade_id, step))
        if dates is None:
            dates = self._pay_dates[(pay_grade_id, step)] = [valid_from for valid_from, _ in entries]
        index = bisect_right(dates, day)
        return entries[index - 1] if index else None

    def years(self) -> list[int]:
        """Years for which employer rates exist (without them no cost can be computed)."""
        return sorted(self.employer)


def cost_years(today: datetime.date | None = None) -> tuple[list[int], int]:
    """The years with employer rates (one query) and the year lists show by default.

    The default is this year, or the latest year with rates before it, or the first one after.
    """
    years = list(EmployerContributionRate.objects.order_by("year").values_list("year", flat=True))
    return years, default_cost_year(years, today)


def cost_year_annotations(requested: int | None, today: datetime.date | None = None) -> dict:
    """Annotations that let the caller's own query choose the cost year as :func:`cost_years`
    does (see :func:`annotated_cost_year`): whether ``requested`` has employer rates, the latest
    year with rates up to this year and the first year with rates."""
    this_year = (today or timezone.localdate()).year
    years = EmployerContributionRate.objects.order_by().values("year")
    has_rates = Exists(years.filter(year=requested)) if requested is not None else Value(False)
    return {
        "cost_year_has_rates": has_rates,
        "cost_year_latest": Subquery(years.filter(year__lte=this_year).order_by("-year")[:1]),
        "cost_year_first": Subquery(years.order_by("year")[:1]),
    }


def annotated_cost_year(obj, requested: int | None, today: datetime.date | None = None) -> int:
    """The cost year for ``obj`` annotated with :func:`cost_year_annotations`: ``requested`` if it
    has employer rates, else the default of :func:`default_cost_year`."""
    if requested is not None and obj.cost_year_has_rates:
        return requested
    # the two candidates of the rule are enough for it: the latest up to this year, else the first
    return default_cost_year(sorted({obj.cost_year_first, obj.cost_year_latest} - {None}), today)


def default_cost_year(years: list[int], today: datetime.date | None = None) -> int:
    """Of ``years`` (ascending): this year, or the latest one before it, or the first one after."""
    this_year = (today or timezone.localdate()).year
    past = [year for year in years if year <= this_year]
    return past[-1] if past else (years[0] if years else this_year)


def load_cost_tables(years: Iterable[int] | None = None) -> CostTables:
    """Pay table, bonus rates and employer rates (optionally only for ``years``), in four queries."""
    tables = CostTables()
    pay: dict[tuple[int, int], list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    for grade_id, step, valid_from, amount, illustrative in PayTableEntry.objects.order_by("valid_from").values_list(
        "pay_grade_id", "step", "valid_from", "monthly_amount", "is_illustrative"
    ):
        pay[(grade_id, step)].append((valid_from, amount))
        if illustrative:
            tables.illustrative_pay.add((grade_id, step, valid_from))
    tables.pay = dict(pay)
    tables.grade_group = dict(PayGrade.objects.values_list("pk", "group_id"))
    bonus = AnnualBonusRate.objects.all()
    employer = EmployerContributionRate.objects.all()
    if years is not None:
        years = list(years)
        bonus, employer = bonus.filter(year__in=years), employer.filter(year__in=years)
    for year, group, rate, illustrative in bonus.values_list("year", "group_id", "rate", "is_illustrative"):
        tables.bonus[(year, group)] = rate
        if illustrative:
            tables.illustrative_bonus.add((year, group))
    for year, social, pension, illustrative in employer.values_list(
        "year", "social_insurance_rate", "pension_levy_rate", "is_illustrative"
    ):
        tables.employer[year] = (social, pension)
        if illustrative:
            tables.illustrative_employer.add(year)
    return tables


def active_months(position: Position, year: int) -> list[int]:
    """The calendar months of ``year`` the position touches."""
    months = []
    for month in range(1, 13):
        first = datetime.date(year, month, 1)
        last = (datetime.date(year + month // 12, month % 12 + 1, 1)) - datetime.timedelta(days=1)
        if (position.start is None or position.start <= last) and (position.end is None or position.end >= first):
            months.append(month)
    return months


@dataclass
class AnnualCost:
    year: int
    months: int
    gross_pay: Decimal
    annual_bonus: Decimal
    employer_contributions: Decimal
    is_illustrative: bool = False  # computed from illustrative pay data or an illustrative pay grade

    @property
    def total(self) -> Decimal:
        return self.gross_pay + self.annual_bonus + self.employer_contributions


def annual_cost(position: Position, year: int, tables: CostTables) -> AnnualCost | None:
    """The employer cost of ``position`` in ``year``; ``None`` where pay data are missing.

    Missing data (no pay grade or step, no pay-table entry, no bonus or employer rates for the
    year) give ``None`` rather than a wrong figure.
    """
    if position.pay_grade_id is None or position.pay_step is None:
        return None
    months = active_months(position, year)
    if not months:
        return AnnualCost(year, 0, Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
    group = tables.grade_group.get(position.pay_grade_id)
    bonus_rate = tables.bonus.get((year, group))
    employer = tables.employer.get(year)
    if bonus_rate is None or employer is None:
        return None
    illustrative = (
        getattr(position, "pay_grade_is_illustrative", False)
        or (year, group) in tables.illustrative_bonus
        or year in tables.illustrative_employer
    )
    gross = Decimal("0")
    for month in months:
        entry = tables.pay_entry(position.pay_grade_id, position.pay_step, datetime.date(year, month, 1))
        if entry is None:
            return None
        gross += entry[1] * position.fte
        illustrative = illustrative or (position.pay_grade_id, position.pay_step, entry[0]) in tables.illustrative_pay
    reference = tables.pay_entry(
        position.pay_grade_id, position.pay_step, datetime.date(year, BONUS_REFERENCE_MONTH, 1)
    )
    if reference is None:
        return None
    illustrative = illustrative or (position.pay_grade_id, position.pay_step, reference[0]) in tables.illustrative_pay
    gross = round_money(gross)
    bonus = round_money(reference[1] * bonus_rate / HUNDRED * position.fte * len(months) / TWELVE)
    social, pension = employer
    contributions = round_money((gross + bonus) * (social + pension) / HUNDRED)
    return AnnualCost(year, len(months), gross, bonus, contributions, illustrative)


def flat_rate_share(rate: Decimal, fte: Decimal, months: int) -> Decimal:
    """What a flat rate per FTE and year pays for ``fte`` over ``months`` months of a year."""
    return round_money(rate * fte * months / TWELVE)


@dataclass
class PositionYear:
    """One year of a position's page: its stored cost, the flat rate of its block, the gap."""

    year: int
    cost: AnnualCost | None  # None: pay data of the year missing
    flat_rate: Decimal | None
    flat_rate_illustrative: bool
    funding: Decimal | None
    gap: Decimal | None


def position_years(position: Position) -> list[PositionYear]:
    """The position's cost per year in which it runs, as stored (:class:`PositionCost`), in one query.

    The years are those with employer rates (the years any cost can be computed for); each comes
    with the position's stored cost of that year (missing where pay data are missing) and the flat
    rate of its building block, which funds ``rate x FTE x months / 12``.
    """
    stored = PositionCost.objects.filter(position=position.pk, year=OuterRef("year")).order_by()
    flat = FlatRate.objects.filter(year=OuterRef("year"), building_block=position.building_block_id).order_by()
    fields = ("months", "gross_pay", "annual_bonus", "employer_contributions", "is_illustrative")
    rows = (
        EmployerContributionRate.objects.order_by("year")
        .annotate(
            **{f"cost_{name}": Subquery(stored.values(name)[:1]) for name in fields},
            flat_rate=Subquery(flat.values("amount_per_fte")[:1]),
            flat_illustrative=Subquery(flat.values("is_illustrative")[:1]),
        )
        .values("year", *(f"cost_{name}" for name in fields), "flat_rate", "flat_illustrative")
    )
    years = []
    for row in rows:
        months = len(active_months(position, row["year"]))
        if not months:
            continue
        cost = None
        if row["cost_months"] is not None:
            cost = AnnualCost(row["year"], *(row[f"cost_{name}"] for name in fields))
        rate = row["flat_rate"]
        funding = None if rate is None else flat_rate_share(rate, position.fte, months)
        years.append(
            PositionYear(
                year=row["year"],
                cost=cost,
                flat_rate=rate,
                flat_rate_illustrative=bool(row["flat_illustrative"]),
                funding=funding,
                gap=cost.total - funding if cost is not None and funding is not None else None,
            )
        )
    return years


@dataclass
class YearCost:
    """The cost of several positions in one year, and what flat rates cover of it."""

    year: int
    cost: Decimal = Decimal("0.00")
    positions: int = 0
    is_illustrative: bool = False
    funded_positions: int = 0  # positions whose building block pays a flat rate that year
    funded_cost: Decimal = Decimal("0.00")
    flat_rate_funding: Decimal = Decimal("0.00")
    flat_rate_illustrative: bool = False

    def add(self, other: "YearCost") -> None:
        """Add the figures of ``other`` (the same year, other positions) to these."""
        self.cost += other.cost
        self.positions += other.positions
        self.is_illustrative = self.is_illustrative or other.is_illustrative
        self.funded_positions += other.funded_positions
        self.funded_cost += other.funded_cost
        self.flat_rate_funding += other.flat_rate_funding
        self.flat_rate_illustrative = self.flat_rate_illustrative or other.flat_rate_illustrative

    @property
    def coverage_gap(self) -> Decimal | None:
        """Cost of the flat-rate positions minus the flat rates: what the organisations carry."""
        if not self.funded_positions:
            return None
        return self.funded_cost - self.flat_rate_funding


def costs_by_year(position_costs, key=lambda row: None) -> dict:
    """Sum stored position costs per ``key(row)`` and year, with flat-rate funding and coverage gap.

    ``position_costs`` is a queryset of :class:`~staffing.models.PositionCost`; it is read once,
    with its position's block and FTE and the flat rate of that block and year (joined on the
    unique block and year): one query in all. Returns ``{key: {year: YearCost}}``, years ascending.
    """
    # A join, not a subquery per row: on a small table the planner scanned the flat rates once per row;
    # the join hashes the table once.
    flat = FilteredRelation(
        "position__building_block__flat_rates", condition=Q(position__building_block__flat_rates__year=F("year"))
    )
    rows = list(
        position_costs.annotate(
            flat=flat, flat_rate=F("flat__amount_per_fte"), flat_rate_illustrative=F("flat__is_illustrative")
        )
        .order_by("year")
        .values(
            "year",
            "months",
            "total",
            "is_illustrative",
            "position__building_block_id",
            "position__fte",
            "position__organisation_id",
            "position__organisation__short_name",
            "position__building_block__programme_id",
            "flat_rate",
            "flat_rate_illustrative",
        )
    )
    result: dict = defaultdict(dict)
    for row in rows:
        group = result[key(row)]
        summary = group.get(row["year"])
        if summary is None:
            summary = group[row["year"]] = YearCost(row["year"])
        summary.cost += row["total"]
        summary.positions += 1
        summary.is_illustrative = summary.is_illustrative or row["is_illustrative"]
        rate = row["flat_rate"]
        if rate is not None:
            summary.funded_positions += 1
            summary.funded_cost += row["total"]
            summary.flat_rate_funding += flat_rate_share(rate, row["position__fte"], row["months"])
            summary.flat_rate_illustrative = summary.flat_rate_illustrative or bool(row["flat_rate_illustrative"])
    return dict(result)
