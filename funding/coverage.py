"""Positions against the grant: funded FTE versus the positions and their holders, month by month.

Per current decision version and organisation:

- **funded FTE**: the own-share key (:attr:`CostShare.weight`) of the organisation where the version
  has own shares, else the version's ``funded_fte`` for the decision as a whole; a pass-through's
  ``funded_fte`` for its recipient in the months of its period, where given (an organisation
  with positions in the blocks but no own share is funded with 0 FTE);
- **planned FTE**: the FTE of the positions (approved, filled, vacant) in the decision's building
  blocks at the organisation, in the months they run;
- **filled FTE**: the shares of their assignments, in the months they run.

A month counts a position or an assignment if it runs on any day of it. The months are those of
the grant period; where the period has no recorded start, they start with the letter's month (its
date, else the day it was received; else the earliest start of a position or assignment; else the
period's last month alone) and the page says so. Without an end of the period there is nothing to
compare.

Findings: over-staffing (planned above funded: which months, by how much), positions that start
before or run past the grant period, and for flat rates per FTE the money at risk if the rate were
paid on filled instead of funded FTE (rate(year) x (funded - filled) / 12 per month, summed exactly,
rounded half-up to the cent per year). Vacancies (filled below funded: months and FTE-months) are
information. ``rate_follows_filled_fte`` says whether the money at risk is a warning (the rate
depends on filled FTE) or information; the decision's eligibility rule sets it (its rate basis;
without a rule, filled FTE: a flat rate pays for staff actually employed).

:func:`decision_coverage` reads a whole page's decisions in a fixed number of queries: the
positions with their assignments (one), the pass-throughs with FTE (one, unless given or the
versions carry them, :func:`with_coverage_rows`), the
own-share keys (one, unless the versions carry them, ``with_shares()``, or they are given) and
the flat rates (none where the versions carry them, :func:`with_coverage_rows`; else one where
there are flat-rate versions: a single version's :meth:`DecisionVersion.flat_rates`, for several
:func:`_load_rates`, the same rule in one query).
"""

import datetime
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from funding import money
from funding.models import CostShare, EligibilityRule, FinancingType, PassThrough, PlanItem, PlanItemKind, RateBasis
from integration_admin.core.db import JsonRows, cents, from_cents, from_thousandths, thousandths
from integration_admin.core.formats import euro, fte, round_money
from programs.models import FlatRate
from staffing.models import STAFFABLE_STATUSES, Assignment, Position

ZERO = Decimal("0")
TWELVE = Decimal("12")


def month_range(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first days of the calendar months that start..end (inclusive) touches."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_end(first: datetime.date) -> datetime.date:
    return money.add_months(first, 1) - datetime.timedelta(days=1)


def runs_in(start: datetime.date | None, end: datetime.date | None, first: datetime.date) -> bool:
    """Whether start..end (an open start or end is unbounded) has a day in the month beginning ``first``."""
    return (start is None or start <= month_end(first)) and (end is None or end >= first)


def month_label(first: datetime.date) -> str:
    return f"{first:%m/%Y}"


def month_spans(months: Iterable[datetime.date]) -> str:
    """ "08/2020–12/2020, 03/2021": consecutive months joined into spans."""
    spans: list[list[datetime.date]] = []
    for first in sorted(months):
        last = spans[-1][-1] if spans else None
        if last is not None and (first.year * 12 + first.month) - (last.year * 12 + last.month) == 1:
            spans[-1].append(first)
        else:
            spans.append([first])
    return ", ".join(
        month_label(span[0]) if len(span) == 1 else f"{month_label(span[0])}–{month_label(span[-1])}" for span in spans
    )


def short_date(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


@dataclass(frozen=True)
class PlannedPosition:
    """A position in a decision's building blocks, with the shares of its assignments."""

    pk: int
    title: str
    organisation_id: int
    organisation: str
    fte: Decimal
    start: datetime.date | None
    end: datetime.date | None
    assignments: tuple[tuple[Decimal, datetime.date, datetime.date | None], ...]

    @property
    def label(self) -> str:
        return _("„%(title)s“ (%(organisation)s, %(fte)s VZÄ)") % {
            "title": self.title,
            "organisation": self.organisation,
            "fte": fte(self.fte),
        }


@dataclass(frozen=True)
class FundedPart:
    """FTE funded for an organisation from ``start`` to ``end`` (open: the whole grant period)."""

    fte: Decimal
    start: datetime.date | None = None
    end: datetime.date | None = None


@dataclass
class MonthFigures:
    month: datetime.date  # the first day
    funded: Decimal
    planned: Decimal
    filled: Decimal

    @property
    def label(self) -> str:
        return month_label(self.month)

    @property
    def over(self) -> Decimal:
        """FTE of positions above the funded FTE (0 where none)."""
        return max(self.planned - self.funded, ZERO)

    @property
    def vacant(self) -> Decimal:
        """Funded FTE that nobody holds (0 where none)."""
        return max(self.funded - self.filled, ZERO)


@dataclass
class Finding:
    """One sentence about a decision's positions; ``warning`` or information."""

    text: str
    warning: bool = True


@dataclass
class OrganisationCoverage:
    """One organisation's funded, planned and filled FTE over the grant period (or the decision as
    a whole, ``organisation_id`` ``None``, where the version has no own shares)."""

    organisation_id: int | None
    organisation: str
    months: list[MonthFigures]
    positions: list[PlannedPosition] = field(default_factory=list)
    outside: list[tuple[PlannedPosition, list[tuple[str, dict]]]] = field(default_factory=list)
    at_risk_by_year: dict[int, Decimal] = field(default_factory=dict)
    missing_rate_years: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.organisation or _("Bescheid insgesamt")

    @cached_property
    def over_months(self) -> list[MonthFigures]:
        return [m for m in self.months if m.over > 0]

    @cached_property
    def vacant_months(self) -> list[MonthFigures]:
        return [m for m in self.months if m.vacant > 0]

    @property
    def max_over(self) -> Decimal:
        return max((m.over for m in self.months), default=ZERO)

    @property
    def vacant_fte_months(self) -> Decimal:
        return sum((m.vacant for m in self.months), ZERO)

    @property
    def at_risk(self) -> Decimal | None:
        return sum(self.at_risk_by_year.values(), Decimal("0.00")) if self.at_risk_by_year else None

    def _range(self, attribute: str) -> tuple[Decimal, Decimal]:
        values = [getattr(m, attribute) for m in self.months]
        return (min(values), max(values)) if values else (ZERO, ZERO)

    @property
    def funded_range(self) -> tuple[Decimal, Decimal]:
        return self._range("funded")

    @property
    def planned_range(self) -> tuple[Decimal, Decimal]:
        return self._range("planned")

    @property
    def filled_range(self) -> tuple[Decimal, Decimal]:
        return self._range("filled")

    @property
    def has_warning(self) -> bool:
        return bool(self.over_months or self.outside)


@dataclass
class DecisionCoverage:
    """A decision's current version against its positions (see the module's description)."""

    version: object  # DecisionVersion
    start: datetime.date
    end: datetime.date
    start_assumed: bool
    organisations: list[OrganisationCoverage]
    is_flat_rate: bool
    rate_follows_filled_fte: bool = True

    @property
    def decision(self):
        return self.version.decision

    @property
    def month_count(self) -> int:
        return money.months_in_period(self.start, self.end)

    @property
    def at_risk(self) -> Decimal | None:
        amounts = [o.at_risk for o in self.organisations if o.at_risk is not None]
        return sum(amounts, Decimal("0.00")) if amounts else None

    def findings(self) -> list[Finding]:
        """Over-staffing, positions outside the period, money at risk (warnings), vacancies (information)."""
        return list(self.iter_findings())

    def warning_count(self) -> int:
        """How many warnings :meth:`warnings` would write, counted without writing them."""
        return sum(
            bool(org.over_months)
            + sum(len(reasons) for _, reasons in org.outside)
            + bool(org.at_risk and self.rate_follows_filled_fte)
            for org in self.organisations
        )

    def iter_findings(self):
        for org in self.organisations:
            over = org.over_months
            if over:
                yield (
                    Finding(
                        ngettext(
                            "%(organisation)s: Die Stellen haben bis zu %(planned)s VZÄ, gefördert sind %(funded)s "
                            "VZÄ; %(over)s VZÄ zu viel in %(count)s Monat (%(months)s).",
                            "%(organisation)s: Die Stellen haben bis zu %(planned)s VZÄ, gefördert sind %(funded)s "
                            "VZÄ; %(over)s VZÄ zu viel in %(count)s Monaten (%(months)s).",
                            len(over),
                        )
                        % {
                            "organisation": org.name,
                            "planned": fte(max(m.planned for m in over)),
                            "funded": fte(min(m.funded for m in over)),
                            "over": fte(org.max_over),
                            "count": len(over),
                            "months": month_spans(m.month for m in over),
                        }
                    )
                )
            for position, reasons in org.outside:
                for kind, values in reasons:
                    yield (Finding(_outside_sentence(kind, values, organisation=org.name, position=position.label)))
            if org.at_risk:
                years = "; ".join(f"{year}: {euro(amount)}" for year, amount in sorted(org.at_risk_by_year.items()))
                yield (
                    Finding(
                        _(
                            "%(organisation)s: Würde die Pauschale nach besetzten statt nach geförderten VZÄ gezahlt, "
                            "stünden %(amount)s auf dem Spiel (%(years)s)."
                        )
                        % {"organisation": org.name, "amount": euro(org.at_risk), "years": years},
                        warning=self.rate_follows_filled_fte,
                    )
                )
            if org.missing_rate_years and org.vacant_months:
                yield (
                    Finding(
                        _(
                            "%(organisation)s: Für %(years)s ist keine Pauschale je VZÄ erfasst; das Geld, das "
                            "wegen unbesetzter Stellen auf dem Spiel steht, ist dort nicht berechnet."
                        )
                        % {"organisation": org.name, "years": ", ".join(map(str, org.missing_rate_years))},
                        warning=False,
                    )
                )
            vacant = org.vacant_months
            if vacant:
                yield (
                    Finding(
                        _("%(organisation)s: %(fte_months)s VZÄ-Monate gefördert, aber nicht besetzt (%(months)s).")
                        % {
                            "organisation": org.name,
                            "fte_months": fte(org.vacant_fte_months),
                            "months": month_spans(m.month for m in vacant),
                        },
                        warning=False,
                    )
                )

    def warnings(self, limit: int | None = None) -> list[str]:
        """The warnings' sentences (the first ``limit`` of them: each is written only when asked for)."""
        texts = (finding.text for finding in self.iter_findings() if finding.warning)
        return list(texts if limit is None else itertools.islice(texts, limit))

    @property
    def has_warning(self) -> bool:
        return self.warning_count() > 0

    def for_position(self, position_id: int) -> list[str]:
        """What a position contributes to the warnings: its organisation above the funded FTE in
        months the position runs, the position outside the grant period."""
        result = []
        for org in self.organisations:
            position = next((p for p in org.positions if p.pk == position_id), None)
            if position is None:
                continue
            over = [m for m in org.over_months if runs_in(position.start, position.end, m.month)]
            if over:
                result.append(
                    _(
                        "Mit dieser Stelle haben die Stellen von %(organisation)s bis zu %(planned)s VZÄ, gefördert "
                        "sind %(funded)s VZÄ (%(months)s)."
                    )
                    % {
                        "organisation": org.name,
                        "planned": fte(max(m.planned for m in over)),
                        "funded": fte(min(m.funded for m in over)),
                        "months": month_spans(m.month for m in over),
                    }
                )
            for outside, reasons in org.outside:
                if outside.pk == position_id:
                    result.extend(_outside_sentence(kind, values) for kind, values in reasons)
        return result


def _outside_reasons(position: PlannedPosition, version) -> list[tuple[str, dict]]:
    """How the position lies outside the grant period: ("early" | "late" | "open", the dates; they
    are formatted only where a sentence is written)."""
    reasons = []
    if version.period_start is not None and position.start is not None and position.start < version.period_start:
        reasons.append(("early", {"start": position.start, "period_start": version.period_start}))
    if version.period_end is not None:
        if position.end is None:
            reasons.append(("open", {"period_end": version.period_end}))
        elif position.end > version.period_end:
            reasons.append(("late", {"end": position.end, "period_end": version.period_end}))
    return reasons


def _outside_sentence(kind: str, values: dict, *, organisation: str = "", position: str = "") -> str:
    """One whole sentence per way a position lies outside the period: on the decision (with the
    organisation and the position's label) or on the position's own page (without)."""
    values = {name: short_date(day) for name, day in values.items()} | {
        "organisation": organisation,
        "position": position,
    }
    if organisation:
        sentences = {
            "early": _(
                "%(organisation)s: Die Stelle %(position)s beginnt am %(start)s, vor dem Bewilligungszeitraum "
                "(ab %(period_start)s)."
            ),
            "late": _(
                "%(organisation)s: Die Stelle %(position)s endet am %(end)s, nach dem Bewilligungszeitraum "
                "(bis %(period_end)s)."
            ),
            "open": _(
                "%(organisation)s: Die Stelle %(position)s hat kein Ende, der Bewilligungszeitraum endet am "
                "%(period_end)s."
            ),
        }
    else:
        sentences = {
            "early": _("Die Stelle beginnt am %(start)s, vor dem Bewilligungszeitraum (ab %(period_start)s)."),
            "late": _("Die Stelle endet am %(end)s, nach dem Bewilligungszeitraum (bis %(period_end)s)."),
            "open": _("Die Stelle hat kein Ende, der Bewilligungszeitraum endet am %(period_end)s."),
        }
    return sentences[kind] % values


def _funded_in(parts: list[FundedPart], first: datetime.date) -> Decimal:
    return sum((part.fte for part in parts if runs_in(part.start, part.end, first)), ZERO)


def _month_indices(months: list[datetime.date], start: datetime.date | None, end: datetime.date | None) -> range:
    """The indices of ``months`` (first days, consecutive) in which start..end runs on some day."""
    first = 0 if start is None else max(0, (start.year - months[0].year) * 12 + start.month - months[0].month)
    last = len(months) - 1
    if end is not None:
        last = min(last, (end.year - months[0].year) * 12 + end.month - months[0].month)
    return range(first, last + 1)


def _coverage_row(
    organisation_id, name, months, funded_parts, positions, version, rates, flat_rate
) -> OrganisationCoverage:
    # each position and assignment added to the months it runs in: positions x months at most
    funded = [ZERO] * len(months)
    planned = [ZERO] * len(months)
    filled = [ZERO] * len(months)
    for part in funded_parts:
        for index in _month_indices(months, part.start, part.end):
            funded[index] += part.fte
    for position in positions:
        for index in _month_indices(months, position.start, position.end):
            planned[index] += position.fte
        for share, start, end in position.assignments:
            for index in _month_indices(months, start, end):
                filled[index] += share
    figures = [MonthFigures(first, funded[index], planned[index], filled[index]) for index, first in enumerate(months)]
    row = OrganisationCoverage(organisation_id, name, figures, positions=list(positions))
    row.outside = [(p, reasons) for p in positions if (reasons := _outside_reasons(p, version))]
    if flat_rate:
        exact: dict[int, Decimal] = defaultdict(lambda: ZERO)
        missing = set()
        for month in row.vacant_months:
            year = month.month.year
            if rates is None or year not in rates:
                missing.add(year)
                continue
            exact[year] += rates[year] * month.vacant / TWELVE
        row.at_risk_by_year = {year: round_money(amount) for year, amount in sorted(exact.items())}
        row.missing_rate_years = sorted(missing)
    return row


def coverage_of(
    version,
    positions: list[PlannedPosition],
    shares: list[tuple[int, str, Decimal]],
    pass_throughs: list[tuple[int, str, Decimal, datetime.date | None, datetime.date | None]],
    rates: dict[int, Decimal] | None,
    *,
    rate_follows_filled_fte: bool = True,
) -> DecisionCoverage | None:
    """One version's coverage from its positions, own-share keys (organisation id, short name,
    weight) and pass-throughs with FTE (recipient id, short name, FTE, start, end); ``None``
    where the grant period has no end or nothing is funded.

    Without a recorded start the months begin with the letter's date (else the day it was
    received; else the earliest start of a position or assignment; else the period's last month)."""
    end = version.period_end
    if end is None:
        return None
    known_starts = [p.start for p in positions if p.start] + [a[1] for p in positions for a in p.assignments]
    start = (
        version.period_start
        or version.dated_on
        or version.received_on
        or min([day for day in known_starts if day <= end], default=None)
        or datetime.date(end.year, end.month, 1)
    )
    start = min(start, end)
    months = month_range(start, end)
    flat_rate = version.financing_type == FinancingType.FLAT_RATE
    names: dict[int, str] = {p.organisation_id: p.organisation for p in positions}
    funded: dict[int, list[FundedPart]] = {}
    for organisation_id, name, weight in shares:
        names[organisation_id] = name
        funded[organisation_id] = [FundedPart(weight)]
    by_recipient: dict[int, list[FundedPart]] = defaultdict(list)
    for recipient_id, name, recipient_fte, pt_start, pt_end in pass_throughs:
        names[recipient_id] = name
        by_recipient[recipient_id].append(FundedPart(recipient_fte, pt_start, pt_end))
    rows = []
    # Without own shares the version's funded FTE is the decision's as a whole: one row for all
    # positions, which names the positions outside the period and counts the money at risk; rows
    # of pass-through recipients beside it compare their part only.
    whole = not shares and version.funded_fte is not None
    if whole:
        whole_funded = [FundedPart(version.funded_fte)]
        rows.append(_coverage_row(None, "", months, whole_funded, positions, version, rates, flat_rate))
    by_organisation: dict[int, list[PlannedPosition]] = defaultdict(list)
    for position in positions:
        by_organisation[position.organisation_id].append(position)
    organisation_ids = set(by_recipient) | (set(names) if shares else set())
    for organisation_id in sorted(organisation_ids, key=lambda pk: names[pk]):
        parts = list(by_recipient.get(organisation_id, []))
        if parts:
            # months that no pass-through covers keep the own-share key
            covered = {m for m in months if _funded_in(parts, m)}
            parts += [FundedPart(s.fte, m, month_end(m)) for s in funded.get(organisation_id, []) for m in months
                      if m not in covered]  # fmt: skip
        else:
            parts = funded.get(organisation_id, [])
        at_organisation = by_organisation.get(organisation_id, [])
        row = _coverage_row(
            organisation_id, names[organisation_id], months, parts, at_organisation, version, rates,
            flat_rate and not whole,
        )  # fmt: skip
        if whole:
            row.outside = []
        rows.append(row)
    if not rows:
        return None
    return DecisionCoverage(
        version=version,
        start=start,
        end=end,
        start_assumed=version.period_start is None,
        organisations=rows,
        is_flat_rate=flat_rate,
        rate_follows_filled_fte=rate_follows_filled_fte,
    )


def _load_positions(decision_ids) -> dict[int, list[PlannedPosition]]:
    """The positions in the decisions' building blocks with their assignments: one query."""
    assignments = (
        Assignment.objects.filter(position=OuterRef("pk"))
        .order_by()
        .values("position")
        .annotate(rows=JsonRows(thousandths("fte_share"), "start", "end"))
        .values("rows")
    )
    rows = (
        Position.objects.filter(building_block__decisions__in=decision_ids, status__in=STAFFABLE_STATUSES)
        .annotate(
            decision_id=F("building_block__decisions"),
            assignment_rows=Subquery(assignments, output_field=models.TextField()),
        )
        .order_by("organisation__short_name", "title", "pk")
        .values_list(
            "decision_id", "pk", "title", "organisation_id", "organisation__short_name", "fte", "start", "end",
            "assignment_rows",
        )
    )  # fmt: skip
    by_decision: dict[int, list[PlannedPosition]] = defaultdict(list)
    for decision_id, pk, title, organisation_id, short_name, position_fte, start, end, assignment_rows in rows:
        shares = tuple(
            (
                from_thousandths(share),
                _date(a_start),
                _date(a_end),
            )
            for share, a_start, a_end in json.loads(assignment_rows or "[]")
        )
        by_decision[decision_id].append(
            PlannedPosition(pk, title, organisation_id, short_name, position_fte, start, end, shares)
        )
    return by_decision


def _rates_from_rows(found: dict[int, set]) -> dict[int, Decimal]:
    """The rule of :meth:`DecisionVersion.flat_rates`: one rate per year; a year with different
    rates in the decision's blocks has none here (the decision page says why)."""
    return {year: next(iter(amounts)) for year, amounts in found.items() if len(amounts) == 1}


def _load_rates(decision_ids) -> dict[int, dict[int, Decimal]]:
    """Flat rates per FTE and year of the decisions' blocks, in one query."""
    found: dict[int, dict[int, set]] = defaultdict(lambda: defaultdict(set))
    rows = FlatRate.objects.filter(building_block__decisions__in=decision_ids).values_list(
        "building_block__decisions", "year", "amount_per_fte"
    )
    for decision_id, year, amount in rows:
        found[decision_id][year].add(amount)
    return {decision_id: _rates_from_rows(years) for decision_id, years in found.items()}


def with_coverage_rows(versions):
    """Annotate a queryset of versions with what :func:`decision_coverage` needs besides the
    positions, as JSON read with the versions instead of queries of their own:
    ``pass_through_rows`` (the pass-throughs of their decisions that give FTE) and
    ``flat_rate_rows`` (the flat rates per FTE and year of their decisions' blocks)."""
    pass_throughs = (
        PassThrough.objects.filter(decision=OuterRef("decision"), funded_fte__isnull=False)
        .order_by()
        .values("decision")
        .annotate(
            rows=JsonRows(
                "recipient_id", "recipient__short_name", thousandths("funded_fte"), "period_start", "period_end"
            )
        )
        .values("rows")
    )
    rates = (
        FlatRate.objects.filter(building_block__decisions=OuterRef("decision"))
        .order_by()
        .values("building_block__decisions")
        .annotate(rows=JsonRows("year", cents("amount_per_fte")))
        .values("rows")
    )
    frozen = (
        PlanItem.objects.filter(
            version=OuterRef("pk"), kind=PlanItemKind.PERSONNEL, frozen_from_master_data_on__isnull=False
        )
        .order_by()
        .values("version")
        .annotate(rows=JsonRows("year", cents("amount")))
        .values("rows")
    )
    return versions.annotate(
        pass_through_rows=Subquery(pass_throughs, output_field=models.TextField()),
        flat_rate_rows=Subquery(rates, output_field=models.TextField()),
        frozen_rate_rows=Subquery(frozen, output_field=models.TextField()),
        rate_basis=Coalesce(
            Subquery(EligibilityRule.objects.filter(decision=OuterRef("decision")).values("rate_basis")[:1]),
            Subquery(
                EligibilityRule.objects.filter(programme=OuterRef("decision__programme")).values("rate_basis")[:1]
            ),
            Value(RateBasis.FILLED),
            output_field=models.CharField(),
        ),
    )


def rate_bases(versions) -> dict[int, str]:
    """Whether each version's flat rate follows funded or filled FTE (its eligibility rule; without
    one, filled FTE: a flat rate pays for staff actually employed), by version id; from
    :func:`with_coverage_rows` where annotated, else one query."""
    if all(hasattr(v, "rate_basis") for v in versions):
        return {v.pk: v.rate_basis for v in versions}
    decision_ids = {v.decision_id for v in versions}
    own: dict[int, str] = {}
    by_programme: dict[int, str] = {}
    rows = EligibilityRule.objects.filter(Q(decision__in=decision_ids) | Q(programme__decisions__in=decision_ids))
    for decision_id, programme_decision, basis in rows.values_list("decision_id", "programme__decisions", "rate_basis"):
        if decision_id is not None:
            own[decision_id] = basis
        elif programme_decision is not None:
            by_programme[programme_decision] = basis
    return {v.pk: own.get(v.decision_id) or by_programme.get(v.decision_id) or RateBasis.FILLED for v in versions}


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def shares_of(version) -> list[tuple[int, str, Decimal]]:
    """The own-share keys of a version whose ``cost_shares`` (with organisations) are loaded."""
    return [(share.organisation_id, share.organisation.short_name, share.weight) for share in version.cost_shares.all()]


def decision_coverage(
    versions,
    *,
    shares: dict[int, list[tuple[int, str, Decimal]]] | None = None,
    pass_throughs: Iterable | None = None,
    rate_follows_filled_fte: bool | None = None,
) -> dict[int, DecisionCoverage]:
    """The coverage of each current version in ``versions``, by decision id (see the module).

    ``shares``: the own-share keys by version id, where the caller has them; otherwise read from
    ``with_shares()``'s annotation, or in one query. ``pass_throughs``: the decisions' pass-throughs
    (with ``recipient`` loaded), where the caller has them; otherwise one query.
    """
    versions = [v for v in versions if v.period_end is not None]
    if not versions:
        return {}
    decision_ids = [v.decision_id for v in versions]
    if shares is None:
        if all(hasattr(v, "share_rows") for v in versions):
            shares = {
                v.pk: [(s.organisation.pk, s.organisation.short_name, s.weight) for s in v.shares] for v in versions
            }
        else:
            shares = defaultdict(list)
            for version_id, organisation_id, short_name, weight in CostShare.objects.filter(
                version__in=[v.pk for v in versions]
            ).values_list("version_id", "organisation_id", "organisation__short_name", "weight"):
                shares[version_id].append((organisation_id, short_name, weight))
    by_decision: dict[int, list] = defaultdict(list)
    if pass_throughs is None and all(hasattr(v, "pass_through_rows") for v in versions):
        pass_throughs = []
        for version in versions:
            by_decision[version.decision_id] = [
                (recipient_id, name, from_thousandths(milli), _date(start), _date(end))
                for recipient_id, name, milli, start, end in json.loads(version.pass_through_rows or "[]")
            ]
    elif pass_throughs is None:
        pass_throughs = PassThrough.objects.filter(decision__in=decision_ids, funded_fte__isnull=False).select_related(
            "recipient"
        )
    for pt in pass_throughs:
        if pt.funded_fte is not None:
            by_decision[pt.decision_id].append(
                (pt.recipient_id, pt.recipient.short_name, pt.funded_fte, pt.period_start, pt.period_end)
            )
    positions = _load_positions(decision_ids)
    flat = [v for v in versions if v.financing_type == FinancingType.FLAT_RATE]
    if all(hasattr(v, "flat_rate_rows") for v in flat):
        rates = {}
        for version in flat:
            found: dict[int, set] = defaultdict(set)
            for year, amount_cents in json.loads(version.flat_rate_rows or "[]"):
                found[year].add(from_cents(amount_cents))
            rates[version.decision_id] = _rates_from_rows(found)
            # the rates frozen into the version win over today's master data
            for year, amount_cents in json.loads(getattr(version, "frozen_rate_rows", None) or "[]"):
                rates[version.decision_id][year] = from_cents(amount_cents)
    elif len(flat) == 1:  # one decision's page: the version's own rates
        try:
            rates = {flat[0].decision_id: flat[0].flat_rates()}
        except ValidationError:  # different rates in its blocks for a year: the others still count
            rates = _load_rates([flat[0].decision_id])
    else:
        rates = _load_rates([v.decision_id for v in flat]) if flat else {}
        if flat:  # the rates frozen into the versions win over today's master data
            frozen = PlanItem.objects.filter(
                version__in=[v.pk for v in flat], kind=PlanItemKind.PERSONNEL, frozen_from_master_data_on__isnull=False
            ).values_list("version__decision_id", "year", "amount")
            for decision_id, year, amount in frozen:
                rates.setdefault(decision_id, {})[year] = amount
    bases = rate_bases(versions) if rate_follows_filled_fte is None else {}
    result = {}
    for version in versions:
        coverage = coverage_of(
            version,
            positions.get(version.decision_id, []),
            shares.get(version.pk, []),
            by_decision.get(version.decision_id, []),
            rates.get(version.decision_id, {}),
            rate_follows_filled_fte=(
                rate_follows_filled_fte
                if rate_follows_filled_fte is not None
                else bases[version.pk] == RateBasis.FILLED
            ),
        )
        if coverage is not None:
            result[version.decision_id] = coverage
    return result
