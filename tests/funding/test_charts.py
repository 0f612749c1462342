"""The charts of issue 25: FTE over time on the programme page, money called against granted on the
decision page (funding.charts; SVG drawn by templates/funding/_line_chart.svg.html)."""

import datetime
from decimal import Decimal

import pytest

from funding import charts
from funding.models import CallOff, GrantDecision
from programs.models import Programme
from tests import factories

D = datetime.date
NBSP = "\N{NO-BREAK SPACE}"


@pytest.fixture
def founding(demo):
    return GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")


def test_fte_per_quarter_of_the_founding_example(founding):
    programme = Programme.objects.annotate(**charts.fte_annotations()).get(pk=founding.programme_id)
    rows = charts.fte_by_quarter(programme, D(2026, 12, 6))
    # funded from the letter (10.08.2020; the period has no recorded start) to 31.12.2022: 1,5 KI
    # + 1,0 DRK; the quarter it starts in counts August and September of three months
    assert [row.label for row in rows][:3] == ["3/2020", "4/2020", "1/2021"]
    assert rows[-1].label == "4/2022" and len(rows) == 10
    assert rows[0].funded == Decimal("1.67")
    assert all(row.funded == Decimal("2.50") for row in rows[1:])
    assert all(row.filled == Decimal("2.50") for row in rows[1:])
    chart = charts.fte_chart(rows)
    assert chart.y_max_label == "2,5"
    # ten quarters over 480 px, 48 px each; 2,5 FTE at the top (y 10), 1,67 FTE at 10 + 160 x (1 - 1,67/2,5)
    assert chart.series["funded"].split()[:4] == ["70.0,63.1", "118.0,63.1", "118.0,10.0", "166.0,10.0"]
    assert [(tick.x, tick.label) for tick in chart.ticks] == [("70.0", "3/2020"), ("166.0", "2021"), ("358.0", "2022")]


def test_a_programme_without_data_has_no_chart(demo):
    programme = Programme.objects.annotate(**charts.fte_annotations()).get(pk=factories.programme("LEER").pk)
    assert charts.fte_by_quarter(programme, D(2026, 12, 6)) == []
    assert charts.fte_chart([]) is None


def test_money_called_and_received_per_month_of_the_founding_example(founding):
    granted = founding.versions.get(is_current=True).granted_amount
    assert granted == Decimal("624493.60")
    rows = charts.money_steps(granted, founding.call_offs.all())
    changed = [(row.label, row.called_text, row.available_text) for row in rows if row.changed]
    assert changed[0] == ("09/2020", f"70.000,00{NBSP}€", f"554.493,60{NBSP}€")
    assert changed[-1] == ("11/2022", f"624.493,60{NBSP}€", f"0,00{NBSP}€")
    assert len(rows) == 27  # 09/2020 to 11/2022, month by month
    chart = charts.money_chart(granted, rows)
    assert chart.reference_y == "10.0"  # everything called: the grant is the top of the chart
    assert chart.series["called"].split()[-2:] == ["532.2,10.0", "550.0,10.0"]
    assert chart.series["called"].split()[0] == "70.0,152.1"  # 70.000,00 of 624.493,60 €


def test_money_before_payment_and_above_the_grant():
    call_offs = [
        CallOff(called_on=D(2024, 1, 15), amount=Decimal("600.00"), received_on=D(2024, 3, 2),
                received_amount=Decimal("600.00")),
        CallOff(called_on=D(2024, 2, 1), amount=Decimal("600.00")),
    ]  # fmt: skip
    rows = charts.money_steps(Decimal("1000.00"), call_offs)
    assert [(row.label, row.called, row.received, row.available) for row in rows] == [
        ("01/2024", Decimal("600.00"), Decimal("0"), Decimal("400.00")),
        ("02/2024", Decimal("1200.00"), Decimal("0"), Decimal("0")),
        ("03/2024", Decimal("1200.00"), Decimal("600.00"), Decimal("0")),
    ]
    chart = charts.money_chart(Decimal("1000.00"), rows)
    assert chart.y_max_label == f"1.200,00{NBSP}€"  # the called amount above the grant stays in the picture
    assert chart.reference_y == "36.7"  # 1.000 of 1.200 €: 10 + 160 x (1 - 1000/1200)
    assert charts.money_chart(None, charts.money_steps(None, call_offs)).reference_y is None
    assert charts.money_steps(None, []) == []


def test_the_pages_show_the_charts_with_their_tables(founding, login, data_queries):
    client = login("leitung")
    response, queries = data_queries(client, founding.programme.get_absolute_url())
    html = response.content.decode()
    assert len(queries) == 6, queries  # the FTE rows come with the programme's own query
    assert 'role="img" aria-labelledby="vzae-diagramm-title vzae-diagramm-desc"' in html
    assert '<title id="vzae-diagramm-title">Geförderte und besetzte VZÄ je Quartal</title>' in html
    assert '<th scope="row">3/2020</th><td class="num">1,67</td><td class="num">0,67</td>' in html
    response, queries = data_queries(client, founding.get_absolute_url())
    html = response.content.decode()
    assert len(queries) == 9, queries  # the call-offs the page loads anyway
    assert "Abgerufene und eingegangene Mittel gegenüber der Zuwendung</title>" in html
    assert (
        f'<th scope="row">11/2022</th><td class="num">624.493,60{NBSP}€</td>'
        f'<td class="num">624.493,60{NBSP}€</td><td class="num">0,00{NBSP}€</td>'
    ) in html
    assert html.count("<polyline") == 2 and 'stroke-dasharray="5 3"' in html


def test_no_chart_without_call_offs(login):
    decision = factories.decision()
    factories.version(decision)
    html = login("leitung").get(decision.get_absolute_url()).content.decode()
    assert "mittel-diagramm" not in html
