"""The Land view: per body, programme and building block (and per Regierungsbezirk), the funded and
filled FTE, the money granted, called and received, the own shares and the proofs of use due and
overdue, for the ministry or the district government (``User.is_land_viewer``).

It reads across bodies on purpose: :func:`land_figures` runs its queries inside
``scopes_disabled()`` (:mod:`integration_admin.core.scopes`), the one place outside commands and
jobs that does. What it reads are sums and counts grouped by body, programme and block; it never
selects a holder's name, a user or any other personal field, so nothing it returns can name a
person.

The figures use the definitions each body's own pages use, so that a body's row is what its own
pages show:

- positions FTE and filled FTE: the positions a person can hold today (``active_on_condition`` and
  ``STAFFABLE_STATUSES``, as :meth:`staffing.models.PositionQuerySet.with_staffing` has them) and
  the assignments running today on them, as the position list's totals
  (:meth:`~staffing.models.PositionQuerySet.totals`: "besetzt + frei" and "besetzt");
- funded FTE, grant and own share: the current version of each decision
  (:meth:`funding.models.DecisionVersionQuerySet.current`; the own share as
  :attr:`funding.models.DecisionVersion.own_share` and ``DecisionVersionQuerySet.totals``);
- called and received: every call-off of the decisions, as the controlling overview sums them
  (:func:`funding.controlling.controlling_totals`);
- proofs of use: open (:meth:`funding.models.ProofOfUseQuerySet.open`), overdue before today, due
  within ``DEADLINE_HORIZON_DAYS`` from today, as the dashboard's deadlines
  (:func:`funding.summaries.proof_deadlines`).

A decision's money belongs to its building block where it has exactly one; a decision for several
blocks (or none) cannot be split between them and is a row of its programme without a block
(``block_id`` ``None``). Filtered by a block, such a decision counts in full where it names the
block.

A fixed number of queries whatever the number of bodies (six: bodies, positions, assignments,
versions, call-offs, proofs; grouped by programme and block: the decisions with their single block
and the programmes' and blocks' names besides). Positions and assignments are grouped by body,
programme and block in the database; versions, call-offs and proofs by body and programme, or,
grouped by block, by decision, each decision's block read once (a subquery per decision, not per
call-off); the rows of the requested grouping are added up from those cells in Python.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db.models import Count, F, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from funding.models import DEADLINE_HORIZON_DAYS, ZERO, CallOff, DecisionVersion, GrantDecision, ProofOfUse
from integration_admin.core.db import FteSum, MoneySum
from integration_admin.core.models import Body, Regierungsbezirk
from integration_admin.core.scopes import scopes_disabled
from programs.models import BuildingBlock, Programme
from staffing.models import STAFFABLE_STATUSES, Assignment, Position, active_on_condition

ZERO_FTE = Decimal("0.000")


class Grouping:
    BODY = "body"
    REGIERUNGSBEZIRK = "regierungsbezirk"
    BLOCK = "block"

    ALL = (BODY, REGIERUNGSBEZIRK, BLOCK)


@dataclass
class Figures:
    """The Land's figures of one cell or row: FTE, money (granted, called, received, own share),
    proofs of use (counts)."""

    funded_fte: Decimal = ZERO_FTE  # the current versions' funded FTE (flat rates)
    position_fte: Decimal = ZERO_FTE  # FTE of the positions a person can hold today
    filled_fte: Decimal = ZERO_FTE  # FTE held today
    granted: Decimal = ZERO
    called: Decimal = ZERO
    received: Decimal = ZERO
    own_share: Decimal = ZERO
    proofs_due: int = 0
    proofs_overdue: int = 0

    def add(self, other: "Figures") -> None:
        for name in FIGURE_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in FIGURE_NAMES)


FIGURE_NAMES = tuple(item.name for item in fields(Figures))


@dataclass
class LandRow:
    """One row of the Land view: a body, a Regierungsbezirk or a programme's block, with its figures."""

    key: object
    label: str
    detail: str = ""  # the body's Regierungsbezirk; the number of bodies of a Regierungsbezirk; the block
    figures: Figures = field(default_factory=Figures)


@dataclass
class LandView:
    grouping: str
    rows: list[LandRow]
    totals: Figures
    body_count: int
    today: datetime.date


def _single_block(outer: str = "decision_id") -> Subquery:
    """Subquery: the decision's building block if it has exactly one, else NULL."""
    through = GrantDecision.building_blocks.through
    return Subquery(
        through.objects.filter(grantdecision_id=OuterRef(outer))
        .order_by()
        .values("grantdecision_id")
        .annotate(count=Count("*"), block=Min("buildingblock_id"))
        .filter(count=1)
        .values("block")
    )


def land_figures(
    *,
    today: datetime.date,
    grouping: str = Grouping.BODY,
    regierungsbezirk: str | None = None,
    programme_id: int | None = None,
    block_id: int | None = None,
    body_id: int | None = None,
) -> LandView:
    """The Land view's rows for ``grouping`` (:class:`Grouping`) and their totals, filtered by
    Regierungsbezirk, programme, building block and body. Runs in ``scopes_disabled()``: it reads
    every body's aggregates and no names (see the module's docstring)."""
    if grouping not in Grouping.ALL:
        raise ValueError(grouping)
    with scopes_disabled():
        bodies = Body.objects.order_by("name")
        if regierungsbezirk:
            bodies = bodies.filter(regierungsbezirk=regierungsbezirk)
        if body_id is not None:
            bodies = bodies.filter(pk=body_id)
        bodies = list(bodies.only("pk", "name", "short_name", "regierungsbezirk"))
        cells = _cells(
            today=today,
            body_ids=[body.pk for body in bodies],
            programme_id=programme_id,
            block_id=block_id,
            by_block=grouping == Grouping.BLOCK,
        )
        if grouping == Grouping.BLOCK:
            rows = _rows_by_block(cells, programme_id=programme_id)
        else:
            rows = _rows_by_body(cells, bodies, by_regierungsbezirk=grouping == Grouping.REGIERUNGSBEZIRK)
    totals = Figures()
    for row in rows:
        totals.add(row.figures)
    return LandView(grouping=grouping, rows=rows, totals=totals, body_count=len(bodies), today=today)


def _cells(*, today, body_ids, programme_id, block_id, by_block: bool) -> dict[tuple, Figures]:
    """The figures per (body, programme, block): one grouped query per kind of record."""
    cells: dict[tuple, Figures] = defaultdict(Figures)

    def cell(row) -> Figures:
        return cells[(row["body"], row["programme"], row["block"])]

    # Positions a person can hold today (the condition of PositionQuerySet.with_staffing) and the
    # FTE held on them today, as the position list's totals; grouped in two joins rather than a
    # subquery per position.
    staffable = active_on_condition(today) & Q(status__in=STAFFABLE_STATUSES)
    filters = {"organisation__body__in": body_ids}
    if programme_id is not None:
        filters["building_block__programme_id"] = programme_id
    if block_id is not None:
        filters["building_block_id"] = block_id
    for row in (
        Position.objects.filter(staffable, **filters)
        .values(
            body=F("organisation__body_id"), programme=F("building_block__programme_id"), block=F("building_block_id")
        )
        .annotate(fte=FteSum("fte"))
        .order_by()
    ):
        cell(row).position_fte += row["fte"]
    for row in (
        Assignment.objects.active_on(today)
        .filter(active_on_condition(today, "position__"), position__status__in=STAFFABLE_STATUSES)
        .filter(**{f"position__{name}": value for name, value in filters.items()})
        .values(
            body=F("position__organisation__body_id"),
            programme=F("position__building_block__programme_id"),
            block=F("position__building_block_id"),
        )
        .annotate(fte=FteSum("fte_share"))
        .order_by()
    ):
        cell(row).filled_fte += row["fte"]

    # The decisions' money: grouped by body and programme where the rows are bodies or districts;
    # by building block only where the rows are blocks (a decision's single block, found once per
    # decision, and its versions, call-offs and proofs grouped by decision: no subquery per row).
    def of_decisions(queryset, prefix: str = "decision__"):
        """``queryset`` (of decisions, or of rows at ``prefix`` from them) within the filters."""
        queryset = queryset.filter(**{f"{prefix}body__in": body_ids})
        if programme_id is not None:
            queryset = queryset.filter(**{f"{prefix}programme_id": programme_id})
        if block_id is not None:
            queryset = queryset.filter(**{f"{prefix}building_blocks": block_id})
        return queryset

    placed = {}
    if by_block:
        decisions = of_decisions(GrantDecision.objects.all(), prefix="")
        placed = {
            pk: (body, programme, block)
            for pk, body, programme, block in decisions.annotate(block=_single_block("pk"))
            .order_by()
            .values_list("pk", "body_id", "programme_id", "block")
        }

    def per_decision(queryset, **sums):
        """``sums`` of ``queryset`` (rows of the decisions) per cell."""
        if not by_block:
            group = {"body": F("decision__body_id"), "programme": F("decision__programme_id")}
            for row in of_decisions(queryset).values(**group).annotate(**sums).order_by():
                yield cells[(row["body"], row["programme"], None)], row
            return
        for row in of_decisions(queryset).values("decision_id").annotate(**sums).order_by():
            where = placed.get(row["decision_id"])
            if where is not None:
                yield cells[where], row

    # The current versions: funded FTE, grant, own share (DecisionVersion.own_share, summed).
    own_share = F("eligible_expenditure") - F("granted_amount") - Coalesce(F("third_party_funds"), Value(ZERO))
    for figures, row in per_decision(
        DecisionVersion.objects.current(),
        funded=FteSum("funded_fte"),
        granted=MoneySum("granted_amount"),
        own=MoneySum(own_share),
    ):
        figures.funded_fte += row["funded"] or ZERO_FTE
        figures.granted += row["granted"] or ZERO
        figures.own_share += row["own"] or ZERO

    # Every call-off of the decisions: called and received.
    for figures, row in per_decision(
        CallOff.objects.all(), called=MoneySum("amount"), received=MoneySum("received_amount")
    ):
        figures.called += row["called"] or ZERO
        figures.received += row["received"] or ZERO

    # Open proofs of use, overdue and due within the horizon.
    horizon = today + datetime.timedelta(days=DEADLINE_HORIZON_DAYS)
    for figures, row in per_decision(
        ProofOfUse.objects.open().filter(due_on__lte=horizon),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        due=Count("pk", filter=Q(due_on__gte=today)),
    ):
        figures.proofs_overdue += row["overdue"]
        figures.proofs_due += row["due"]
    return cells


def _rows_by_body(cells, bodies, *, by_regierungsbezirk: bool) -> list[LandRow]:
    labels = dict(Regierungsbezirk.choices)
    if not by_regierungsbezirk:
        rows = {
            body.pk: LandRow(key=body.pk, label=body.name, detail=labels.get(body.regierungsbezirk, ""))
            for body in bodies
        }
        for (body, _programme, _block), figures in cells.items():
            rows[body].figures.add(figures)
        return list(rows.values())
    district_of = {body.pk: body.regierungsbezirk for body in bodies}
    counts: dict[str, int] = defaultdict(int)
    for body in bodies:
        counts[body.regierungsbezirk] += 1
    rows = {
        value: LandRow(key=value, label=label, detail=str(counts[value]))
        for value, label in Regierungsbezirk.choices
        if counts[value]
    }
    for (body, _programme, _block), figures in cells.items():
        rows[district_of[body]].figures.add(figures)
    return list(rows.values())


def _rows_by_block(cells, *, programme_id) -> list[LandRow]:
    """One row per programme and block with figures (and per programme one for the decisions of
    several blocks or none), in the programmes' and blocks' order."""
    by_key: dict[tuple, Figures] = defaultdict(Figures)
    for (_body, programme, block), figures in cells.items():
        by_key[(programme, block)].add(figures)
    programmes = Programme.objects.with_scopes_disabled().order_by("sort_order", "name")
    blocks = BuildingBlock.objects.with_scopes_disabled().order_by("programme_id", "number")
    if programme_id is not None:
        programmes = programmes.filter(pk=programme_id)
        blocks = blocks.filter(programme_id=programme_id)
    blocks_of: dict[int, list[BuildingBlock]] = defaultdict(list)
    for block in blocks.only("pk", "programme_id", "number", "title", "short_title"):
        blocks_of[block.programme_id].append(block)
    rows = []
    for programme in programmes.only("pk", "short_name", "name", "sort_order"):
        keys = [(block.pk, str(block.number), block.short_title or block.title) for block in blocks_of[programme.pk]]
        for block_id, number, title in [*keys, (None, "", "")]:
            figures = by_key.get((programme.pk, block_id))
            if figures is None or figures.is_empty:
                continue
            rows.append(
                LandRow(
                    key=(programme.pk, block_id),
                    label=programme.short_name,
                    detail=f"{number}: {title}" if block_id is not None else _("mehrere oder keine Bausteine"),
                    figures=figures,
                )
            )
    return rows
