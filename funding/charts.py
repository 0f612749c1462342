"""Two line charts as SVG geometry: FTE over time per programme, money called against granted per decision.

The template ``funding/_line_chart.svg.html`` draws them, included by ``funding/_fte_chart.html``
and ``funding/_money_chart.html`` (no JavaScript, no image files, the same approach as
:mod:`integration_admin.council.chart`). Each chart carries its rows for the data table under the
picture, so the numbers are readable without it. Every
coordinate is formatted here with a decimal point (SVG syntax), never with the German comma; every
number a person reads is formatted with :func:`euro` / :func:`fte`.

:func:`fte_by_quarter` reads what :func:`fte_annotations` adds to the programme's own query (no query
of its own); :func:`money_steps` reads nothing (the caller's call-offs).
"""

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Sum, TextField, Value
from django.db.models.functions import Coalesce

from funding.coverage import month_label, month_range, runs_in
from funding.models import CostShare, DecisionVersion
from integration_admin.core.db import JsonRows, from_thousandths, thousandths
from integration_admin.core.formats import euro, fte
from staffing.models import STAFFABLE_STATUSES, Assignment

ZERO = Decimal("0")
HUNDREDTH = Decimal("0.01")
FTE_FIELD = DecimalField(max_digits=8, decimal_places=3)
WIDTH = 560
HEIGHT = 200
LEFT = 70  # room for the y-axis labels
RIGHT = 10
TOP = 10
BOTTOM = 30  # room for the x-axis labels
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM


def _n(value: float) -> str:
    return f"{value:.1f}"


@dataclass
class Tick:
    x: str
    label: str


@dataclass
class LineChart:
    """A step chart: each series a polyline ("x,y x,y ..."), a horizontal reference line, the axes."""

    width: int
    height: int
    series: dict[str, str]
    ticks: list[Tick]
    y_max_label: str
    rows: list = field(default_factory=list)  # for the data table
    reference_y: str | None = None  # the grant as a horizontal line
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    label_y: int = HEIGHT - BOTTOM + 14


def _y(value: Decimal, largest: Decimal) -> float:
    return TOP + PLOT_HEIGHT - float(value / largest) * PLOT_HEIGHT


def _steps(values: list[Decimal], largest: Decimal) -> str:
    """A step polyline: each value held over its own slot of the x axis."""
    slot = PLOT_WIDTH / len(values)
    points = []
    for index, value in enumerate(values):
        y = _n(_y(value, largest))
        points += [f"{_n(LEFT + index * slot)},{y}", f"{_n(LEFT + (index + 1) * slot)},{y}"]
    return " ".join(points)


def _year_ticks(rows) -> list[Tick]:
    """A tick at the first slot (labelled as its row) and at each slot that starts a year."""
    slot = PLOT_WIDTH / len(rows)
    return [
        Tick(_n(LEFT + index * slot), row.label if index == 0 and row.first.month != 1 else str(row.first.year))
        for index, row in enumerate(rows)
        if index == 0 or row.first.month == 1
    ]


# FTE over time per programme


@dataclass
class FteRow:
    first: datetime.date
    funded: Decimal
    filled: Decimal

    @property
    def label(self) -> str:
        return f"{(self.first.month - 1) // 3 + 1}/{self.first.year}"

    @property
    def funded_text(self) -> str:
        return fte(self.funded)

    @property
    def filled_text(self) -> str:
        return fte(self.filled)


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def fte_annotations() -> dict:
    """Annotations for a queryset of programmes with what :func:`fte_by_quarter` reads, as JSON read
    with the programme (no query of their own): ``fte_version_rows`` (the current decision versions
    with an end of the grant period: funded FTE in thousandths, start, end) and ``fte_assignment_rows``
    (the assignments to its staffed positions: share in thousandths, start, end)."""
    weights = (
        CostShare.objects.filter(version=OuterRef("pk"))
        .order_by()
        .values("version")
        .annotate(total=Sum("weight"))
        .values("total")
    )
    funded = Coalesce(Subquery(weights, output_field=FTE_FIELD), "funded_fte", Value(ZERO), output_field=FTE_FIELD)
    versions = (
        DecisionVersion.objects.filter(decision__programme=OuterRef("pk"), is_current=True, period_end__isnull=False)
        .annotate(start=Coalesce("period_start", "dated_on", "received_on"))
        .filter(start__isnull=False)
        .order_by()
        .values("decision__programme")
        .annotate(rows=JsonRows(thousandths(funded), "start", "period_end"))
        .values("rows")
    )
    assignments = (
        Assignment.objects.filter(
            position__building_block__programme=OuterRef("pk"), position__status__in=STAFFABLE_STATUSES
        )
        .order_by()
        .values("position__building_block__programme")
        .annotate(rows=JsonRows(thousandths("fte_share"), "start", "end"))
        .values("rows")
    )
    return {
        "fte_version_rows": Subquery(versions, output_field=TextField()),
        "fte_assignment_rows": Subquery(assignments, output_field=TextField()),
    }


def _rows(text: str | None) -> list[tuple[Decimal, datetime.date, datetime.date | None]]:
    return [
        (from_thousandths(share), datetime.date.fromisoformat(start), end and datetime.date.fromisoformat(end))
        for share, start, end in json.loads(text or "[]")
    ]


def fte_by_quarter(programme, today: datetime.date) -> list[FteRow]:
    """Funded and filled FTE of a programme per quarter, each the mean of its months.

    ``programme`` carries :func:`fte_annotations`. Funded: the current decision versions of the
    programme, each with the sum of its own-share keys (:attr:`CostShare.weight`) where it has them,
    else its ``funded_fte``, in the months of its grant period; without a recorded start from the
    letter's date, else the day it was received, as :func:`funding.coverage.coverage_of` (versions
    without an end of the period, or with no start at all, are left out; pass-throughs are not
    added). Filled: the shares of the assignments to the programme's staffed positions in the
    months they run (an open end runs to today's quarter at least). The quarters run from the
    first to the last with data.
    """
    versions = _rows(programme.fte_version_rows)
    assignments = _rows(programme.fte_assignment_rows)
    starts = [start for _share, start, _end in versions + assignments]
    if not starts:
        return []
    ends = [end for _share, _start, end in versions + assignments if end]
    last = max(ends) if ends else today
    if any(end is None for _share, _start, end in assignments):
        last = max(last, today)
    rows = []
    for quarter in month_range(_quarter_start(min(starts)), _quarter_start(last))[::3]:
        months = month_range(quarter, datetime.date(quarter.year, quarter.month + 2, 1))
        funded = sum((f for f, start, end in versions for month in months if runs_in(start, end, month)), ZERO)
        filled = sum((s for s, start, end in assignments for month in months if runs_in(start, end, month)), ZERO)
        rows.append(FteRow(quarter, (funded / 3).quantize(HUNDREDTH), (filled / 3).quantize(HUNDREDTH)))
    return rows


def fte_chart(rows: list[FteRow]) -> LineChart | None:
    """The step chart of :func:`fte_by_quarter`'s rows; None without data."""
    if not rows:
        return None
    largest = max(max(row.funded, row.filled) for row in rows) or Decimal("1")
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        series={
            "funded": _steps([row.funded for row in rows], largest),
            "filled": _steps([row.filled for row in rows], largest),
        },
        ticks=_year_ticks(rows),
        y_max_label=fte(largest),
        rows=rows,
    )


# Money called against granted per decision


@dataclass
class MoneyRow:
    first: datetime.date
    called: Decimal  # cumulative, by the end of the month
    received: Decimal
    available: Decimal | None  # granted - called, never below 0; None without a grant
    changed: bool = True  # whether anything was called or received in the month (the table shows these)

    @property
    def label(self) -> str:
        return month_label(self.first)

    @property
    def called_text(self) -> str:
        return euro(self.called)

    @property
    def received_text(self) -> str:
        return euro(self.received)

    @property
    def available_text(self) -> str:
        return euro(self.available) if self.available is not None else "–"


def money_steps(granted: Decimal | None, call_offs) -> list[MoneyRow]:
    """Cumulative called and received by the end of each month from the first call-off to the last
    payment (no query: the caller's call-offs); a called amount counts in the month it was called,
    a received one in the month it came in."""
    call_offs = list(call_offs)
    if not call_offs:
        return []
    days = [c.called_on for c in call_offs] + [c.received_on for c in call_offs if c.received_on]
    rows: list[MoneyRow] = []
    for first in month_range(min(days), max(days)):
        called = sum((c.amount for c in call_offs if c.called_on < _next(first)), ZERO)
        received = sum(
            (c.received_amount or ZERO for c in call_offs if c.received_on and c.received_on < _next(first)), ZERO
        )
        available = None if granted is None else max(granted - called, ZERO)
        changed = not rows or (called, received) != (rows[-1].called, rows[-1].received)
        rows.append(MoneyRow(first, called, received, available, changed))
    return rows


def _next(first: datetime.date) -> datetime.date:
    return datetime.date(first.year + 1, 1, 1) if first.month == 12 else datetime.date(first.year, first.month + 1, 1)


def money_chart(granted: Decimal | None, rows: list[MoneyRow]) -> LineChart | None:
    """The step chart of :func:`money_steps`' rows with the grant as a horizontal line; None without rows."""
    if not rows:
        return None
    largest = max([granted or ZERO] + [max(row.called, row.received) for row in rows]) or Decimal("1")
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        series={
            "called": _steps([row.called for row in rows], largest),
            "received": _steps([row.received for row in rows], largest),
        },
        ticks=_year_ticks(rows),
        y_max_label=euro(largest),
        rows=rows,
        reference_y=None if granted is None else _n(_y(granted, largest)),
    )
