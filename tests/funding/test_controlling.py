"""Controlling overview: per programme, decision and year, aggregated with a fixed number of queries."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from funding import services
from funding.controlling import controlling_overview
from funding.models import DecisionVersion, FinancingType, GrantDecision
from integration_admin.core.models import Body, Regierungsbezirk
from integration_admin.core.scopes import scope
from programs.models import FlatRate
from staffing import services as staffing_services
from staffing.models import PositionStatus
from tests import factories

D = datetime.date
NBSP = "\N{NO-BREAK SPACE}"


@pytest.fixture
def e11(db):
    """A pay grade like E 11 step 3 at 4.317 € from 2021 (the demo may hold its own pay data too)."""
    grade = factories.pay_grade()
    factories.pay_data(grade, years=(2021, 2022), amount="4317.00")
    return grade


def flat_rate_case(e11, organisation=None, positions=1):
    """A KIM-like flat-rate decision: 55.000 € (2021) / 57.000 € (2022) per FTE, 2 FTE funded."""
    block = factories.building_block(title="Case-Management")
    FlatRate.objects.create(building_block=block, year=2021, amount_per_fte=Decimal("55000"))
    FlatRate.objects.create(building_block=block, year=2022, amount_per_fte=Decimal("57000"))
    decision = factories.decision(block.programme, title="Pauschale")
    decision.building_blocks.add(block)
    version = factories.version(
        decision,
        financing_type=FinancingType.FLAT_RATE,
        funded_fte=Decimal("2"),
        period_start=D(2021, 7, 1),
        period_end=D(2022, 12, 31),
    )
    organisation = organisation or factories.organisation()
    for _ in range(positions):
        factories.position(block, organisation, fte="1.0", pay_grade=e11, pay_step=3, start=D(2021, 7, 1))
    staffing_services.refresh_costs()  # what the position forms and the admin do after a change
    return decision, version


def test_flat_rate_decision_per_year_with_coverage_gap(e11):
    decision, version = flat_rate_case(e11, factories.organisation("DRK-T"), positions=2)
    # 2021: 55.000 x 2 x 6/12 = 55.000; 2022: 57.000 x 2 = 114.000
    assert version.granted_amount == Decimal("169000.00")
    factories.call_off(decision, amount="50000.00", called_on=D(2021, 8, 1), received_on=D(2021, 8, 20),
                       received_amount=Decimal("50000.00"))  # fmt: skip
    factories.call_off(decision, amount="60000.00", called_on=D(2022, 2, 1))
    [row] = controlling_overview(programme_ids=[decision.programme_id])
    [item] = row.decisions
    assert item.version == version
    assert [(y.year, y.granted, y.called, y.received, y.remaining) for y in item.years] == [
        (2021, Decimal("55000.00"), Decimal("50000.00"), Decimal("50000.00"), Decimal("119000.00")),
        (2022, Decimal("114000.00"), Decimal("60000.00"), Decimal("0.00"), Decimal("59000.00")),
    ]
    assert item.called == Decimal("110000.00") and item.received == Decimal("50000.00")
    assert item.remaining == Decimal("59000.00")
    # Coverage gap 2022 per position: 68.136,20 (E 11 step 3) - 57.000 = 11.136,20; two positions.
    gap_2022 = item.years[1]
    assert gap_2022.coverage_gap == Decimal("22272.40")
    assert gap_2022.gap_by_organisation == {"DRK-T": Decimal("22272.40")}
    assert item.coverage_gap == item.years[0].coverage_gap + gap_2022.coverage_gap
    assert row.coverage_gap == item.coverage_gap


def test_founding_example_in_the_controlling_overview(login):
    client = login("leitung")
    html = client.get(reverse("funding:controlling")).content.decode()
    for amount in ("780.617,00", "624.493,60", "156.123,40", "93.674,04", "62.449,36", "554.493,60"):
        assert f"{amount}{NBSP}€" in html, amount
    assert "Bescheid, eingegangen am 10.08.2020" in html  # the version the figures come from (by its receipt)
    assert "Baustein 1 (Strategischer Overhead): 3,5 VZÄ KI, Richtlinie im Entwurf" in html
    # Filtered by year: only that year's row.
    html = client.get(reverse("funding:controlling") + "?year=2021").content.decode()
    assert f"334.493,60{NBSP}€" in html and f"554.493,60{NBSP}€" not in html
    assert client.get(reverse("funding:controlling") + "?year=abc&programme=x").status_code == 200


def test_totals_per_programme_add_up(demo):
    durchstarten = GrantDecision.objects.get(title__startswith="Teilhabemanagement").programme
    decision = factories.decision(durchstarten, title="Zweiter Bescheid")
    factories.version(decision, eligible_expenditure=Decimal("1000.00"), rate=Decimal("50"))
    row = next(r for r in controlling_overview() if r.programme == durchstarten)
    assert row.eligible == Decimal("781617.00")
    assert row.granted == Decimal("624993.60")
    assert row.own_share == Decimal("156623.40")
    assert row.own_share_by_organisation == {"DRK": Decimal("62449.36"), "KI": Decimal("93674.04")}


@pytest.fixture
def count_queries(data_queries):
    def _count(client, url):
        response, queries = data_queries(client, url)
        assert response.status_code == 200
        return len(queries)

    return _count


def test_controlling_uses_a_fixed_number_of_queries(login, e11, count_queries):
    client = login("leitung")
    url = reverse("funding:controlling")
    flat_rate_case(e11)
    before = count_queries(client, url)
    for i in range(15):
        decision, version = flat_rate_case(e11, positions=3)
        factories.call_off(decision, amount="100.00", called_on=D(2022, 1, 1))
        services.record_amendment(decision=decision, expected_revision=None, reason="Aufstockung",
                                  figures={"funded_fte": Decimal("3")})  # fmt: skip
        other = factories.decision(title=f"Anteil {i}")
        factories.version(other, eligible_expenditure=Decimal("1000"), rate=Decimal("80"))
    assert count_queries(client, url) == before
    # the page count and the page's programmes, the versions with their blocks, own shares,
    # call-offs (called and received), flat rates, stored costs with flat rates, applicable
    # positions, the two totals over all programmes, the form's programmes, the eligibility rules
    # (and the positions they check, where a rule limits FTE)
    assert before <= 13, before
    assert DecisionVersion.objects.filter(is_current=True).count() > 30


def test_controlling_pages_programmes_and_totals_cover_all(login):
    for i in range(12):
        programme = factories.programme(f"CTRL{i}")
        decision = factories.decision(programme, title=f"Bescheid {i}")
        factories.version(decision, eligible_expenditure=Decimal("1000.00"), rate=Decimal("80"))
    client = login("leitung")
    first = " ".join(client.get(reverse("funding:controlling")).content.decode().split())
    second = " ".join(client.get(reverse("funding:controlling") + "?page=2").content.decode().split())
    assert "Seite 1 von 2" in first and "Seite 2 von 2" in second
    assert first.count('class="card mb-4 controlling-programme"') == 10
    # 780.617,00 of the founding example + 12 x 1.000,00, on both pages
    for html in (first, second):
        assert "Summe über 14 Programme" in html
        assert "792.617,00" in html


def test_controlling_rows_escape_what_users_typed(login, e11):
    """A decision's title and an organisation's short name in the decision and year rows come out
    escaped, the figures as computed."""
    decision, version = flat_rate_case(e11, factories.organisation("<A&B>"), positions=2)
    GrantDecision.objects.filter(pk=decision.pk).update(title='Pauschale "<b>fett</b>"')
    DecisionVersion.objects.filter(pk=version.pk).update(is_illustrative=True)
    html = re.sub(r">\s+<", "><", login("leitung").get(reverse("funding:controlling")).content.decode())
    assert "Pauschale &quot;&lt;b&gt;fett&lt;/b&gt;&quot;" in html and "<b>fett</b>" not in html
    assert '<div class="small text-body-secondary">&lt;A&amp;B&gt; ' in html and "<A&B>" not in html  # gap per year
    assert (
        f'<tr class="year-row"><td class="ps-4">2022</td><td class="num"></td><td class="num">114.000,00{NBSP}€' in html
    )
    assert f'href="{decision.get_absolute_url()}"' in html
    label = '<div class="small text-body-secondary fw-normal">Bescheid · Pauschale je VZÄ und Jahr'
    assert f'{label} <span class="badge badge-illustrative">illustrativ</span></div></th>' in html


def test_a_block_counts_as_decided_by_this_bodys_decisions_only(db):
    """Positions applicable for funding in a shared block whose only decision is another body's are
    still waiting for one here (another body's decisions are not there for this body)."""
    block = factories.building_block(title="Geteilter Baustein")
    factories.position(block, factories.organisation("KI-T"), fte="1.5", status=PositionStatus.APPLICABLE)
    other = Body.objects.create(name="Musterkreis (Test)", short_name="MT", regierungsbezirk=Regierungsbezirk.MUENSTER)
    with scope(body=other.pk):
        decision = factories.decision(block.programme, title="Bescheid des anderen Kreises")
        decision.building_blocks.add(block)
    [row] = controlling_overview(programme_ids=[block.programme_id])
    assert [(item.organisation, item.fte) for item in row.applicable] == [("KI-T", Decimal("1.5"))]
    assert row.decisions == []
