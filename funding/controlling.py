"""Controlling overview: per programme, decision and year, what was granted, called, received and
what remains, the own share by organisation and the coverage gap of flat rates.

Everything is read in a fixed number of queries whatever the data size: programmes (unless the
caller has them), the current versions with their decisions' building blocks, their own
shares, call-offs (called and received per decision and year), flat rates and the stored cost
per position and year with its block's flat rate (for the coverage gap, two queries, only where
a decision is financed by flat rates) and the positions that are applicable but not yet applied
for. The rest is computed in Python from those rows.
"""

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Subquery, Sum, TextField, Value
from django.db.models.functions import Cast, ExtractYear, Greatest

from funding import money
from funding.eligibility import RuleFinding, positions_for, rule_findings, rules_for
from funding.models import (
    ZERO,
    CallOff,
    CostShare,
    DecisionVersion,
    FinancingType,
    GrantDecision,
    PassThrough,
    attach_ceilings,
)
from integration_admin.core.cache import content_key
from integration_admin.core.db import FteSum, JoinedText, JsonRows, MoneySum, cents, from_cents, split_joined
from programs.models import FlatRate, GuidelineStatus, Programme
from staffing.costs import costs_by_year
from staffing.models import Organisation, Position, PositionCost, PositionStatus


def _add(total: Decimal | None, value: Decimal | None) -> Decimal | None:
    if value is None:
        return total
    return value if total is None else total + value


@dataclass
class YearRow:
    year: int
    granted: Decimal | None  # known per year for flat rates only
    called: Decimal
    received: Decimal
    called_total: Decimal
    received_total: Decimal
    remaining: Decimal | None
    coverage_gap: Decimal | None
    gap_by_organisation: dict[str, Decimal] = field(default_factory=dict)

    @property
    def available(self) -> Decimal | None:
        """Noch abrufbar: never below zero (what was called above the grant is ``overpaid``)."""
        return None if self.remaining is None else max(self.remaining, ZERO)

    @property
    def overpaid(self) -> Decimal:
        return ZERO if self.remaining is None else max(-self.remaining, ZERO)


@dataclass
class DecisionRow:
    version: DecisionVersion
    own_share_by_organisation: dict[str, Decimal]
    called: Decimal
    received: Decimal
    years: list[YearRow]
    pass_throughs: list[PassThrough] = field(default_factory=list)
    rule_findings: list[RuleFinding] = field(default_factory=list)

    @property
    def decision(self) -> GrantDecision:
        return self.version.decision

    @property
    def available(self) -> Decimal | None:
        """Noch abrufbar: never below zero (what was called above the grant is ``overpaid``)."""
        remaining = self.remaining
        return None if remaining is None else max(remaining, ZERO)

    @property
    def overpaid(self) -> Decimal:
        remaining = self.remaining
        return ZERO if remaining is None else max(-remaining, ZERO)

    @property
    def claim_back(self) -> Decimal:
        """What to claim back from recipients of pass-throughs above their ceiling (Rückforderung)."""
        return sum((item.claim_back or ZERO for item in self.pass_throughs), ZERO)

    @property
    def flagged_pass_throughs(self) -> list[PassThrough]:
        return [item for item in self.pass_throughs if item.claim_back]

    @property
    def remaining(self) -> Decimal | None:
        granted = self.version.granted_amount
        return None if granted is None else granted - self.called

    @property
    def coverage_gap(self) -> Decimal | None:
        total = None
        for row in self.years:
            total = _add(total, row.coverage_gap)
        return total


@dataclass
class ApplicableBlock:
    """Positions that may be applied for but are not yet (e.g. under a draft guideline)."""

    number: int
    title: str
    guideline_status: str
    guideline_expected_on: datetime.date | None
    organisation: str
    fte: Decimal

    @property
    def guideline_is_draft(self) -> bool:
        return self.guideline_status == GuidelineStatus.DRAFT


@dataclass
class ProgrammeRow:
    programme: Programme
    decisions: list[DecisionRow] = field(default_factory=list)
    applicable: list[ApplicableBlock] = field(default_factory=list)

    def _total(self, getter) -> Decimal | None:
        total = None
        for row in self.decisions:
            total = _add(total, getter(row))
        return total

    @property
    def eligible(self):
        return self._total(lambda r: r.version.eligible_expenditure)

    @property
    def granted(self):
        return self._total(lambda r: r.version.granted_amount)

    @property
    def own_share(self):
        return self._total(lambda r: r.version.own_share)

    @property
    def called(self):
        return self._total(lambda r: r.called)

    @property
    def received(self):
        return self._total(lambda r: r.received)

    @property
    def remaining(self):
        return self._total(lambda r: r.remaining)

    @property
    def available(self):
        return self._total(lambda r: r.available)

    @property
    def overpaid(self) -> Decimal:
        return sum((r.overpaid for r in self.decisions), ZERO)

    @property
    def claim_back(self) -> Decimal:
        return sum((r.claim_back for r in self.decisions), ZERO)

    @property
    def coverage_gap(self):
        return self._total(lambda r: r.coverage_gap)

    def cache_key(self) -> str:
        """The key of the programme's rendered rows in the fragment cache: a digest of all they show."""
        return content_key(self)

    @property
    def own_share_by_organisation(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for row in self.decisions:
            for organisation, amount in row.own_share_by_organisation.items():
                totals[organisation] += amount
        return dict(sorted(totals.items()))


def _years(version: DecisionVersion, call_off_years: set[int]) -> list[int]:
    start = version.period_start or version.dated_on or version.received_on
    first = start.year if start else None
    last = version.period_end.year if version.period_end else None
    years = set(call_off_years)
    if first is not None or last is not None:
        first = first if first is not None else min([last, *call_off_years])
        last = last if last is not None else max([first, *call_off_years])
        years |= set(range(first, last + 1))
    return sorted(years)


def controlling_overview(
    programme_ids: list[int] | None = None, year: int | None = None, programmes: list[Programme] | None = None
) -> list[ProgrammeRow]:
    """The rows of ``programmes`` (loaded already, e.g. a page of them), else of the programmes
    with ``programme_ids``, else of all."""
    if programmes is None:
        programmes = Programme.objects.all()
        if programme_ids:
            programmes = programmes.filter(pk__in=programme_ids)
    rows = {programme.pk: ProgrammeRow(programme) for programme in programmes}

    # The current versions with their decisions' building blocks.
    block_ids = (
        GrantDecision.building_blocks.through.objects.filter(grantdecision_id=OuterRef("decision_id"))
        .order_by()
        .values("grantdecision_id")
        .annotate(ids=JoinedText(Cast("buildingblock_id", TextField())))
        .values("ids")
    )
    # (the decision's pass-throughs as JSON with the versions: a query of their own would be one
    # more than the page's budget)
    pass_through_rows = (
        PassThrough.objects.filter(decision=OuterRef("decision_id"))
        .order_by()
        .values("decision")
        .annotate(rows=JsonRows("pk", "recipient_id", "recipient__short_name", cents("amount"), ordering="pk"))
        .values("rows")
    )
    versions = list(
        DecisionVersion.objects.current()
        .filter(decision__programme__in=list(rows))
        .select_related("decision__programme", "decision__funder")
        .annotate(
            block_ids=Subquery(block_ids, output_field=TextField()),
            pass_through_rows=Subquery(pass_through_rows, output_field=TextField()),
        )
        .order_by("decision__title", "decision_id")
    )
    decision_ids = [v.decision_id for v in versions]

    # (plain values: cheaper here than the shares as objects, DecisionVersion.shares)
    own_by_version: dict[int, dict[str, Decimal]] = defaultdict(dict)
    grant_by_version: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for version_id, organisation_id, organisation, own, grant in (
        CostShare.objects.filter(version__in=versions)
        .values_list("version_id", "organisation_id", "organisation__short_name", "own_share", "grant_amount")
        .order_by("organisation__short_name")
    ):
        own_by_version[version_id][organisation] = own
        grant_by_version[version_id][organisation_id] = grant
    # The pass-throughs, each checked against what the current version leaves for it.
    pass_throughs_by_decision: dict[int, list[PassThrough]] = defaultdict(list)
    for version in versions:
        for pk, recipient_id, short_name, amount in sorted(json.loads(version.pass_through_rows or "[]")):
            item = PassThrough(pk=pk, decision_id=version.decision_id, recipient_id=recipient_id)
            item.amount = from_cents(amount)
            item.recipient = Organisation(pk=recipient_id, short_name=short_name)
            pass_throughs_by_decision[version.decision_id].append(item)
        attach_ceilings(
            pass_throughs_by_decision[version.decision_id],
            granted=version.granted_amount,
            grant_by_organisation=grant_by_version[version.pk],
        )
    blocks_by_decision: dict[int, list[int]] = defaultdict(list)
    for version in versions:
        blocks_by_decision[version.decision_id] = sorted(int(pk) for pk in split_joined(version.block_ids))

    # Called and received per decision and year in one query: grouped by both years, summed here.
    called: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    received: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for decision_id, call_year, receipt_year, called_total, received_total in (
        CallOff.objects.filter(decision__in=decision_ids)
        .annotate(call_year=ExtractYear("called_on"), receipt_year=ExtractYear("received_on"))
        .values("decision_id", "call_year", "receipt_year")
        .annotate(called_total=MoneySum("amount"), received_total=MoneySum("received_amount"))
        .values_list("decision_id", "call_year", "receipt_year", "called_total", "received_total")
        .order_by()
    ):
        called[decision_id][call_year] += called_total
        if receipt_year is not None:
            received[decision_id][receipt_year] += received_total or ZERO
    called = defaultdict(dict, {decision_id: dict(by_year) for decision_id, by_year in called.items()})
    received = defaultdict(dict, {decision_id: dict(by_year) for decision_id, by_year in received.items()})

    flat_versions = [v for v in versions if v.financing_type == FinancingType.FLAT_RATE]
    flat_blocks = {block for v in flat_versions for block in blocks_by_decision[v.decision_id]}
    rates_by_block: dict[int, dict[int, Decimal]] = defaultdict(dict)
    # Coverage gaps from the stored cost per position and year (PositionCost, kept current by
    # staffing.services), summed per block and organisation in one query with the block's flat rate.
    gaps_by_block: dict[int, dict[str, dict]] = defaultdict(dict)
    if flat_blocks:
        for block_id, rate_year, amount in FlatRate.objects.filter(building_block__in=flat_blocks).values_list(
            "building_block_id", "year", "amount_per_fte"
        ):
            rates_by_block[block_id][rate_year] = amount
        stored_costs = PositionCost.objects.filter(position__building_block__in=flat_blocks).exclude(
            position__status__in=[PositionStatus.APPLICABLE, PositionStatus.APPLIED]
        )
        by_block_and_org = costs_by_year(
            stored_costs,
            key=lambda row: (row["position__building_block_id"], row["position__organisation__short_name"]),
        )
        for (block_id, organisation), years in by_block_and_org.items():
            gaps_by_block[block_id][organisation] = years

    for version in versions:
        decision_id = version.decision_id
        years = _years(version, set(called[decision_id]) | set(received[decision_id]))
        granted_by_year: dict[int, Decimal] = {}
        if version.financing_type == FinancingType.FLAT_RATE and version.period_start and version.period_end:
            rates: dict[int, Decimal] = {}
            for block in blocks_by_decision[decision_id]:
                rates.update(rates_by_block[block])
            if version.funded_fte is not None:
                try:
                    granted_by_year = money.flat_rate_grant_by_year(
                        version.period_start, version.period_end, version.funded_fte, rates
                    )
                except KeyError:
                    granted_by_year = {}
        decision_gaps = []
        if version.financing_type == FinancingType.FLAT_RATE:
            decision_gaps = [
                gaps_by_block[block] for block in blocks_by_decision[decision_id] if block in gaps_by_block
            ]
        balance = {
            row["year"]: row
            for row in money.running_balance(version.granted_amount, called[decision_id], received[decision_id])
        }
        year_rows = []
        called_total = received_total = ZERO
        for row_year in years:
            entry = balance.get(row_year)
            if entry is not None:
                called_total, received_total = entry["called_total"], entry["received_total"]
            gap = None
            gap_by_org: dict[str, Decimal] = defaultdict(lambda: ZERO)
            for block_gaps in decision_gaps:
                for organisation, years in block_gaps.items():
                    summary = years.get(row_year)
                    value = None if summary is None else summary.coverage_gap
                    if value is not None:
                        gap = _add(gap, value)
                        gap_by_org[organisation] += value
            year_rows.append(
                YearRow(
                    year=row_year,
                    granted=granted_by_year.get(row_year),
                    called=entry["called"] if entry else ZERO,
                    received=entry["received"] if entry else ZERO,
                    called_total=called_total,
                    received_total=received_total,
                    remaining=None if version.granted_amount is None else version.granted_amount - called_total,
                    coverage_gap=gap,
                    gap_by_organisation=dict(sorted(gap_by_org.items())),
                )
            )
        if year is not None:
            year_rows = [row for row in year_rows if row.year == year]
            if not year_rows:
                continue
        rows[version.decision.programme_id].decisions.append(
            DecisionRow(
                version=version,
                own_share_by_organisation=own_by_version.get(version.pk, {}),
                called=sum(called[decision_id].values(), ZERO),
                received=sum(received[decision_id].values(), ZERO),
                years=year_rows,
                pass_throughs=pass_throughs_by_decision[decision_id],
            )
        )

    # Breaches of the eligibility rules, with their reason (two queries: the rules, the positions).
    decision_rows = [row for programme_row in rows.values() for row in programme_row.decisions]
    if decision_rows:
        rules = rules_for([row.decision for row in decision_rows])
        # only the decisions whose rule limits FTE need their positions (none, without such rules)
        limited = [row for row in decision_rows if rules[row.decision.pk].limits_fte]
        positions = positions_for([row.version for row in limited]) if limited else {}
        for row in limited:
            row.rule_findings = rule_findings(rules[row.decision.pk], positions[row.version.pk])

    # Positions applicable for funding in blocks none of this body's decisions covers (the decisions
    # of the scope: a shared block another body has a decision for is still undecided here).
    decided = GrantDecision.objects.filter(building_blocks=OuterRef("building_block"))
    for values in (
        Position.objects.filter(building_block__programme__in=list(rows), status=PositionStatus.APPLICABLE)
        .filter(~Exists(decided))
        .values(
            "building_block__programme_id",
            "building_block__number",
            "building_block__title",
            "building_block__short_title",
            "building_block__guideline_status",
            "building_block__guideline_expected_on",
            "organisation__short_name",
        )
        .annotate(fte_total=FteSum("fte"))
        .order_by("building_block__programme_id", "building_block__number", "organisation__short_name")
    ):
        rows[values["building_block__programme_id"]].applicable.append(
            ApplicableBlock(
                number=values["building_block__number"],
                title=values["building_block__short_title"] or values["building_block__title"],
                guideline_status=values["building_block__guideline_status"],
                guideline_expected_on=values["building_block__guideline_expected_on"],
                organisation=values["organisation__short_name"],
                fte=values["fte_total"],
            )
        )
    return [row for row in rows.values() if row.decisions or row.applicable]


def controlling_totals(programmes) -> dict[str, Decimal]:
    """Eligible, granted, own share of the current versions and called/received of all call-offs of
    ``programmes`` (a queryset), and what was called above the grant, summed exactly in the
    database: two queries."""
    # Called above the grant (after reducing amendments) is summed decision by decision, never
    # netted against what other decisions still have to call; with the grant totals in one query.
    result = (
        DecisionVersion.objects.current()
        .filter(decision__programme__in=programmes)
        .with_called_cents()
        .aggregate(
            eligible=MoneySum("eligible_expenditure"),
            granted=MoneySum("granted_amount"),
            own_share=MoneySum(F("eligible_expenditure") - F("granted_amount")),
            overpaid=Sum(Greatest(F("called_cents") - cents("granted_amount"), Value(0))),
        )
    )
    overpaid = from_cents(result.pop("overpaid")) or ZERO
    totals = {key: value if value is not None else Decimal("0.00") for key, value in result.items()}
    money_flow = CallOff.objects.filter(decision__programme__in=programmes).aggregate(
        called=MoneySum("amount"), received=MoneySum("received_amount")
    )
    totals.update({key: value if value is not None else Decimal("0.00") for key, value in money_flow.items()})
    totals["remaining"] = totals["granted"] - totals["called"]
    totals["overpaid"] = overpaid
    totals["available"] = max(totals["remaining"] + overpaid, ZERO)
    return totals
