"""The figures of the home page, per funding programme, aggregated in the database.

A fixed number of queries whatever the data size. Per table, for the dashboard (10 programmes a
page, limited rows) — 9 queries:

- programmes: 2 (the paginator's count, the page);
- building blocks: 1 (prefetched; the funders' names are joined into the programme query);
- positions: 2 (FTE per block/organisation/status ranked, each row with its block's total FTE
  and number of rows; FTE per programme and organisation ranked, with their number);
- decision versions: 2 (current versions with called-off sums and their blocks joined in; those
  with money still uncalled near the period's end, in :func:`deadlines`);
- cost shares: 1 (prefetched);
- proofs of use: 1 (ranked and counted within overdue/due by window functions).

Without limits (a programme's page) the FTE per block and per organisation are sums of the
ranked rows, so positions take one query there; the programme list (no rows per block) takes two.
The programme totals are the sums of their blocks'.

A Kreis has a handful of organisations per block; a state-wide installation has hundreds. So the
home page may ask for the largest few rows per block and organisations per programme only
(``rows_per_block``, ``organisations``): the database ranks them (a window function) and reports
how many there are and their total, and the page says "n weitere". Programme pages show all.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    F,
    Func,
    Prefetch,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import RowNumber

from funding import money
from funding.coverage import decision_coverage, month_spans, with_coverage_rows
from funding.models import (
    CALL_OFF_WARNING_DAYS,
    DEADLINE_HORIZON_DAYS,
    DecisionVersion,
    ProofOfUse,
    RepaymentClaim,
)
from funding.warnings import MoneyWarning, uncalled_warning
from integration_admin.core.cache import content_key
from integration_admin.core.db import cents, from_cents, from_thousandths, thousandths
from programs.models import BuildingBlock, Programme, funder_short_names
from staffing.models import Position

ZERO_FTE = Decimal("0.000")
ZERO_MONEY = Decimal("0.00")


@dataclass
class StaffingRow:
    """FTE of one building block at one organisation in one status."""

    organisation: str
    status: str
    status_label: str
    fte: Decimal
    positions: int


@dataclass
class BlockSummary:
    block: BuildingBlock
    rows: list[StaffingRow] = field(default_factory=list)  # the largest first; maybe not all
    versions: list[DecisionVersion] = field(default_factory=list)
    fte: Decimal = ZERO_FTE  # of all rows
    row_count: int = 0  # how many rows there are in all

    @property
    def has_decision_without_application(self) -> bool:
        return any(version.decision.without_application for version in self.versions)

    @property
    def more_rows(self) -> int:
        return self.row_count - len(self.rows)

    @property
    def more_fte(self) -> Decimal:
        return self.fte - sum((row.fte for row in self.rows), ZERO_FTE)


@dataclass
class CoverageWarning:
    """A decision whose positions do not fit its grant (:mod:`funding.coverage`), with the warnings."""

    decision_id: int
    title: str
    url: str
    texts: list[str]
    # per organisation above its funded FTE: organisation, planned (at most), funded (at least), months
    over: list[dict] = field(default_factory=list)
    more: int = 0  # warnings not listed here (the decision's page lists them all)
    programme_id: int | None = None


COVERAGE_WARNINGS_LISTED = 3


def coverage_warnings(versions) -> list[CoverageWarning]:
    """The decisions among ``versions`` (current, with their decisions) whose positions do not fit
    their grant, each with its first warnings (all of them are on the decision's page)."""
    result = []
    for decision_id, found in decision_coverage(versions).items():
        count = found.warning_count()
        if not count:
            continue
        texts = found.warnings(limit=COVERAGE_WARNINGS_LISTED)
        decision = found.version.decision
        over = [
            {
                "organisation": org.name,
                "planned": max(m.planned for m in org.over_months),
                "funded": min(m.funded for m in org.over_months),
                "months": month_spans(m.month for m in org.over_months),
            }
            for org in found.organisations
            if org.over_months
        ]
        result.append(
            CoverageWarning(
                decision_id,
                decision.title,
                decision.get_absolute_url(),
                texts,
                over,
                more=count - len(texts),
                programme_id=decision.programme_id,
            )
        )
    return result


@dataclass
class ProgrammeSummary:
    programme: Programme
    funders: list[str]  # short names
    blocks: list[BlockSummary]
    fte_by_organisation: dict[str, Decimal]  # largest first: "1,5 KI + 1,0 DRK"; maybe not all
    versions: list[DecisionVersion]
    fte_total: Decimal = ZERO_FTE
    organisation_count: int = 0
    coverage_warnings: list[CoverageWarning] = field(default_factory=list)

    @property
    def more_organisations(self) -> int:
        return self.organisation_count - len(self.fte_by_organisation)

    @property
    def more_fte(self) -> Decimal:
        return self.fte_total - sum(self.fte_by_organisation.values(), ZERO_FTE)

    def _sum(self, attribute: str) -> Decimal | None:
        values = [getattr(v, attribute) for v in self.versions if getattr(v, attribute) is not None]
        return sum(values, ZERO_MONEY) if values else None

    @property
    def eligible_total(self) -> Decimal | None:
        return self._sum("eligible_expenditure")

    @property
    def granted_total(self) -> Decimal | None:
        return self._sum("granted_amount")

    @property
    def own_share_total(self) -> Decimal | None:
        return self._sum("own_share")

    def cache_key(self) -> str:
        """The key of the summary's rendered card in the fragment cache: a digest of all it shows."""
        return content_key(self)


class SumOfGroups(Func):
    """``SUM`` of an aggregate over the groups of a grouped query, inside a ``Window``.

    Django refuses ``Window(Sum("an_aggregate_annotation"))``; ``SUM(SUM(x)) OVER (...)`` is what
    the database needs to add up the groups of a partition.
    """

    function = "SUM"
    window_compatible = True
    output_field = BigIntegerField()


def ranked(queryset, partition: str, limit: int | None):
    """Rank grouped FTE rows within ``partition`` (largest first); keep the first ``limit``.

    Every row also tells how many rows its partition has and their FTE in all (in thousandths),
    the rows left out included. Rows of equal FTE come in the order of their grouping values
    (organisation, then status), so which of them is kept and shown does not depend on the
    database's plan.
    """
    grouping = [F(name).asc() for name in queryset.query.values_select if name != partition]
    queryset = queryset.annotate(fte_milli=Sum(thousandths("fte")), positions=Count("id")).annotate(
        rank=Window(RowNumber(), partition_by=[F(partition)], order_by=[F("fte_milli").desc(), *grouping]),
        rows_in_partition=Window(Count("*"), partition_by=[F(partition)]),
        partition_fte_milli=Window(SumOfGroups(Sum(thousandths("fte"))), partition_by=[F(partition)]),
    )
    if limit is not None:
        queryset = queryset.filter(rank__lte=limit)
    return queryset.order_by(partition, "rank")


def programme_summaries(
    programmes=None,
    *,
    rows_per_block: int | None = None,
    organisations: int | None = None,
    coverage: bool = False,
) -> list[ProgrammeSummary]:
    """One summary per programme: blocks, FTE per organisation and status, current decisions.

    ``rows_per_block`` and ``organisations`` limit the listed rows to the largest ones (totals
    and counts always cover all). ``coverage``: also the decisions whose positions do not fit
    their grant (:func:`funding.coverage.decision_coverage`; one query more for the positions,
    two where a flat-rate decision has a vacancy).
    """
    if programmes is None:
        programmes = Programme.objects.all()
    blocks = Prefetch("building_blocks", BuildingBlock.objects.select_related("delivering_organisation"))
    if isinstance(programmes, QuerySet):
        if not programmes.query.is_sliced and "funder_names" not in programmes.query.annotations:
            programmes = programmes.with_funder_names()
        programmes = list(programmes.prefetch_related(blocks))
    else:  # programmes already loaded, e.g. a detail page's object: no second query for them
        programmes = list(programmes)
        prefetch_related_objects(programmes, blocks)
    # Loaded without the funders' names (another queryset, a slice): the funders in one query.
    prefetch_related_objects([p for p in programmes if not hasattr(p, "funder_names")], "funders")
    ids = [p.pk for p in programmes]
    block_programme = {block.pk: p.pk for p in programmes for block in p.building_blocks.all()}
    status_labels = dict(Position._meta.get_field("status").choices)
    positions = Position.objects.filter(building_block__programme__in=ids)

    rows_by_block: dict[int, list[StaffingRow]] = defaultdict(list)
    block_rows = []
    if rows_per_block != 0:
        block_rows = ranked(positions.values("building_block_id", "organisation__short_name", "status"),
                            "building_block_id", rows_per_block)  # fmt: skip
    # Without a limit, the rows are all there is: the organisations' FTE are sums of them.
    milli_by_organisation: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    block_totals: dict[int, tuple[Decimal, int]] = {}
    for row in block_rows:
        block = row["building_block_id"]
        block_totals[block] = (from_thousandths(row["partition_fte_milli"]), row["rows_in_partition"])
        milli_by_organisation[block_programme[block]][row["organisation__short_name"]] += row["fte_milli"]
        rows_by_block[block].append(
            StaffingRow(
                organisation=row["organisation__short_name"],
                status=row["status"],
                status_label=status_labels[row["status"]],
                fte=from_thousandths(row["fte_milli"]),
                positions=row["positions"],
            )
        )
    if rows_per_block == 0:  # no rows at all (the programme list): the totals alone
        block_totals = {
            row["building_block_id"]: (from_thousandths(row["total"]), 0)
            for row in positions.values("building_block_id").annotate(total=Sum(thousandths("fte"))).order_by()
        }
    # A position belongs to one block of one programme: the programme's FTE is the sum of its blocks'.
    programme_fte: dict[int, Decimal] = defaultdict(lambda: ZERO_FTE)
    for block, (fte, _rows) in block_totals.items():
        programme_fte[block_programme[block]] += fte

    fte_by_programme: dict[int, dict[str, Decimal]] = defaultdict(dict)
    organisation_counts: dict[int, int] = {}
    if rows_per_block is None and organisations is None:
        for programme_id, by_organisation in milli_by_organisation.items():
            ordered = sorted(by_organisation.items(), key=lambda item: (-item[1], item[0]))
            fte_by_programme[programme_id] = {name: from_thousandths(milli) for name, milli in ordered}
            organisation_counts[programme_id] = len(ordered)
    else:
        organisation_rows = ranked(
            positions.values("building_block__programme_id", "organisation__short_name"),
            "building_block__programme_id",
            organisations,
        )
        for row in organisation_rows:
            programme_id = row["building_block__programme_id"]
            # organisations are grouped by their (unique) short name: the partition's size is their number
            organisation_counts[programme_id] = row["rows_in_partition"]
            fte_by_programme[programme_id][row["organisation__short_name"]] = from_thousandths(row["fte_milli"])

    versions_by_programme: dict[int, list[DecisionVersion]] = defaultdict(list)
    versions = (
        DecisionVersion.objects.current()
        .with_called_cents()
        .filter(decision__programme__in=ids)
        # one row per version and building block of its decision (the join instead of a prefetch)
        .annotate(block_id=F("decision__building_blocks"))
        .select_related("decision__funder", "decision__application")
        .with_shares()
        .order_by("decision__programme_id", "period_start", "decision__title", "pk")
    )
    if coverage:
        versions = with_coverage_rows(versions)
    versions_by_block: dict[int, list[DecisionVersion]] = defaultdict(list)
    seen: dict[int, DecisionVersion] = {}
    for row in versions:
        version = seen.setdefault(row.pk, row)
        if version is row:
            versions_by_programme[version.decision.programme_id].append(version)
        if row.block_id is not None:
            versions_by_block[row.block_id].append(version)

    warnings_by_programme: dict[int, list[CoverageWarning]] = defaultdict(list)
    if coverage:
        for line in coverage_warnings(list(seen.values())):
            warnings_by_programme[line.programme_id].append(line)

    return [
        ProgrammeSummary(
            programme=programme,
            funders=funder_short_names(programme),
            blocks=[
                BlockSummary(
                    block,
                    rows_by_block.get(block.pk, []),
                    versions_by_block.get(block.pk, []),
                    *block_totals.get(block.pk, (ZERO_FTE, 0)),
                )
                for block in programme.building_blocks.all()
            ],
            fte_by_organisation=fte_by_programme.get(programme.pk, {}),
            versions=versions_by_programme.get(programme.pk, []),
            fte_total=programme_fte[programme.pk],
            organisation_count=organisation_counts.get(programme.pk, 0),
            coverage_warnings=warnings_by_programme.get(programme.pk, []),
        )
        for programme in programmes
    ]


@dataclass
class DecisionWarning:
    version: DecisionVersion
    warning: MoneyWarning


@dataclass
class Deadlines:
    """What is overdue and what is due in the next 90 days: the most urgent, and how many in all."""

    overdue: list[ProofOfUse]
    due: list[ProofOfUse]
    call_offs: list[DecisionWarning]
    overdue_count: int = 0
    due_count: int = 0
    call_off_count: int = 0
    claims: list = field(default_factory=list)  # open repayment claims, oldest first

    @property
    def empty(self) -> bool:
        return not (self.overdue_count or self.due_count or self.call_off_count or self.claims)

    @property
    def more_overdue(self) -> int:
        return self.overdue_count - len(self.overdue)

    @property
    def more_due(self) -> int:
        return self.due_count - len(self.due)

    @property
    def more_call_offs(self) -> int:
        return self.call_off_count - len(self.call_offs)


DEADLINES_LISTED = 10


def deadlines(today: datetime.date, listed: int = DEADLINES_LISTED) -> Deadlines:
    """Open proof-of-use deadlines, overdue and due within 90 days, and money still uncalled near or
    after the end of a grant period (current versions ending within the warning window whose grant
    exceeds what was called, compared in whole cents in the database).

    Lists the ``listed`` most urgent of each (oldest deadline first) and counts them all: a
    state-wide installation has hundreds; /proofs/ has the full list. Two queries: proofs, versions.
    """
    horizon = today + datetime.timedelta(days=DEADLINE_HORIZON_DAYS)
    # One query: the proofs ranked and counted within "overdue" and "due" (window functions), the
    # first ``listed`` of each kept.
    is_overdue = Case(When(due_on__lt=today, then=Value(True)), default=Value(False), output_field=BooleanField())
    proofs = (
        ProofOfUse.objects.open()
        .filter(due_on__lte=horizon)
        .select_related("decision")
        .annotate(
            is_overdue=is_overdue,
            rank=Window(RowNumber(), partition_by=[is_overdue], order_by=[F("due_on").asc(), F("pk").asc()]),
            in_group=Window(Count("*"), partition_by=[is_overdue]),
        )
        .filter(rank__lte=listed)
        .order_by("due_on", "pk")
    )
    overdue, upcoming = [], []
    counts = {"overdue": 0, "due": 0}
    for proof in proofs:
        (overdue if proof.is_overdue else upcoming).append(proof)
        counts["overdue" if proof.is_overdue else "due"] = proof.in_group
    # The versions ending within the warning window (or ended) with money still uncalled: exactly
    # those for which uncalled_warning() warns. The first ``listed`` of them, and how many in all.
    versions = (
        DecisionVersion.objects.current()
        .with_called_cents()
        .annotate(granted_cents=cents("granted_amount"))
        .filter(
            period_end__lte=today + datetime.timedelta(days=CALL_OFF_WARNING_DAYS), granted_cents__gt=F("called_cents")
        )
        .annotate(in_all=Window(Count("*")))
        .select_related("decision")
        .order_by("period_end", "decision__title", "pk")[:listed]
    )
    call_offs = []
    call_off_count = 0
    for version in versions:
        call_off_count = version.in_all
        warning = uncalled_warning(version, from_cents(version.called_cents), today)
        if warning is not None:
            call_offs.append(DecisionWarning(version, warning))
    claims = list(RepaymentClaim.objects.open().select_related("decision", "proof").order_by("created", "pk")[:listed])
    return Deadlines(
        overdue=overdue,
        due=upcoming,
        call_offs=call_offs,
        overdue_count=counts["overdue"],
        due_count=counts["due"],
        call_off_count=call_off_count,
        claims=claims,
    )


def own_share_by_year(versions: list[DecisionVersion]) -> dict:
    """Own shares per organisation and calendar year, pro rata by the months of the grant period
    (largest remainder: every organisation's years add up to its own share to the cent).

    Only decisions whose period has a start and an end can be split; the others are counted in
    ``undivided`` (their own share is known only for the whole period).
    """
    by_year: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO_MONEY))
    undivided: dict[str, Decimal] = defaultdict(lambda: ZERO_MONEY)
    for version in versions:
        for share in version.shares:
            org = share.organisation.short_name
            if version.period_start and version.period_end:
                weights = {
                    year: Decimal(money.months_in_year(version.period_start, version.period_end, year))
                    for year in range(version.period_start.year, version.period_end.year + 1)
                }
                weights = {year: months for year, months in weights.items() if months}
                for year, amount in money.split_proportionally(share.own_share, weights).items():
                    by_year[org][year] += amount
            else:
                undivided[org] += share.own_share
    years = sorted({year for amounts in by_year.values() for year in amounts})
    organisations = sorted(set(by_year) | set(undivided))
    rows = [
        {
            "organisation": org,
            "amounts": [by_year.get(org, {}).get(year, ZERO_MONEY) for year in years],
            "undivided": undivided.get(org, ZERO_MONEY),
            "total": sum(by_year.get(org, {}).values(), ZERO_MONEY) + undivided.get(org, ZERO_MONEY),
        }
        for org in organisations
    ]
    return {
        "years": years,
        "rows": rows,
        "has_undivided": any(row["undivided"] for row in rows),
        "year_totals": [sum((row["amounts"][i] for row in rows), ZERO_MONEY) for i in range(len(years))],
        "undivided_total": sum((row["undivided"] for row in rows), ZERO_MONEY),
        "total": sum((row["total"] for row in rows), ZERO_MONEY),
    }
