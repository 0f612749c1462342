"""A small bar chart of the money per programme and organisation, as SVG geometry.

The template ``reports/_chart.svg.html`` draws it: no JavaScript, no image files, no fetch.
Labels are user data and reach the SVG only through the template's autoescaping; every
number is formatted here with a decimal point (SVG syntax), never with the German comma.
"""

from dataclasses import dataclass
from decimal import Decimal

from integration_admin.core.formats import euro

WIDTH = 560
LABEL_WIDTH = 130
AMOUNT_WIDTH = 90
BAR_AREA = WIDTH - LABEL_WIDTH - AMOUNT_WIDTH - 10
ROW_HEIGHT = 22
BAR_HEIGHT = 15
TOP = 4
LEGEND_HEIGHT = 26


def _n(value: float) -> str:
    return f"{value:.1f}"


@dataclass
class Bar:
    label: str
    y: str
    text_y: str
    granted_width: str
    own_x: str
    own_width: str
    amount_x: str
    amount: str
    title: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    axis_x: str
    legend_y: str
    legend_text_y: str
    bar_x: int
    bar_height: int
    amount_anchor_x: str


def money_chart(rows: list[dict]) -> Chart | None:
    """One bar per (programme, organisation) row of the financial summary: grant + own share."""
    rows = [row for row in rows if row.get("eligible")]
    if not rows:
        return None
    largest = max(row["eligible"] for row in rows) or Decimal("1")
    bars = []
    for index, row in enumerate(rows):
        granted = row["granted"] or Decimal("0")
        own = row["own_share"] or Decimal("0")
        granted_width = float(granted / largest) * BAR_AREA
        own_width = float(own / largest) * BAR_AREA
        y = TOP + index * ROW_HEIGHT
        label = f"{row['programme']} · {row['organisation']}" if row["organisation"] else row["programme"]
        bars.append(
            Bar(
                label=label,
                y=_n(y),
                text_y=_n(y + BAR_HEIGHT - 4),
                granted_width=_n(granted_width),
                own_x=_n(LABEL_WIDTH + granted_width),
                own_width=_n(own_width),
                amount_x=_n(WIDTH),
                amount=euro(row["eligible"]),
                title=f"{label}: Zuwendung {euro(granted)}, Eigenanteil {euro(own)}",
            )
        )
    bars_bottom = TOP + len(rows) * ROW_HEIGHT
    return Chart(
        width=WIDTH,
        height=bars_bottom + LEGEND_HEIGHT,
        bars=bars,
        axis_x=_n(LABEL_WIDTH),
        legend_y=_n(bars_bottom + 8),
        legend_text_y=_n(bars_bottom + 17),
        bar_x=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        amount_anchor_x=_n(WIDTH),
    )
