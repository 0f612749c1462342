"""/organisations/ and /organisations/<pk>/: positions, FTE, vacancies, cost and coverage gap."""

from decimal import Decimal

import pytest
from django.urls import reverse

from staffing import services
from staffing.models import Organisation, Position
from tests import factories

LIST = reverse("staffing:organisation-list")
NBSP = "\N{NO-BREAK SPACE}"


def test_organisation_list_figures(login):
    response = login("sb-drk").get(LIST, {"year": "2022"})
    assert response.status_code == 200
    rows = {row.record.short_name: row.record for row in response.context["table"].paginated_rows}
    assert set(rows) == {"ABH", "DRK", "KI", "VHS"}
    assert rows["KI"].position_count == 3 and rows["KI"].fte_milli == 10_000  # 1,5 + 3,5 + 5,0
    assert rows["KI"].assigned_milli == 1_500 and rows["KI"].vacant_milli == 3_500  # today: case management
    assert rows["VHS"].position_count == 0 and rows["VHS"].cost_cents is None
    assert rows["DRK"].cost_cents == 5_871_400
    html = response.content.decode()
    assert "Jahreskosten 2022" in html and f"58.714,00{NBSP}€" in html


@pytest.mark.parametrize("query", [{"q": "\x00"}, {"q": "x" * 1_000_000}, {"kind": "nix"}, {"year": "abc"}])
def test_organisation_list_bad_input(login, query):
    response = login("sb-drk").get(LIST, query)
    assert response.status_code == 200
    assert response.context["filter"].form.errors


def test_organisation_list_query_count(login, data_queries):
    client = login("leitung")
    for number in range(110):
        org = factories.organisation(f"ORG{number:03}")
        factories.position(org=org)
    small, small_queries = data_queries(client, f"{LIST}?per_page=10")
    large, large_queries = data_queries(client, f"{LIST}?per_page=100")
    assert len(large.context["table"].page.object_list) == 100
    assert len(small_queries) == len(large_queries) <= 6


def test_organisation_page(login):
    ki = Organisation.objects.get(short_name="KI")
    response = login("sb-drk").get(ki.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Stellen je Programm und Baustein" in html
    assert "Durchstarten" in html and "KIM" in html
    years = {row.year: row for row in response.context["cost_years"]}
    assert set(years) == {2020, 2021, 2022}
    # KIM case management (5,0 FTE) is funded by the illustrative flat rate of 55.000 € per FTE
    assert years[2022].flat_rate_funding == Decimal("275000.00")
    assert years[2022].coverage_gap == years[2022].funded_cost - Decimal("275000.00")
    assert years[2022].coverage_gap > 0
    assert "Deckungslücke" in html and "badge-illustrative" in html
    assert "Neue Stelle" not in html  # sb-drk may not create positions for the KI
    assert "Neue Stelle" in login("sb-ki").get(ki.get_absolute_url()).content.decode()


def test_organisation_page_query_count(login, data_queries):
    client = login("leitung")
    drk = Organisation.objects.get(short_name="DRK")
    _, few = data_queries(client, drk.get_absolute_url())
    block = Position.objects.get(organisation=drk).building_block
    grade = Position.objects.get(organisation=drk).pay_grade
    for number in range(60):
        factories.position(block, drk, "0.5", title=f"Stelle {number}", pay_grade=grade, pay_step=2)
    services.refresh_costs()
    response, many = data_queries(client, drk.get_absolute_url())
    assert response.context["table"].paginator.count == 61
    assert len(many) == len(few)
    # organisation, cost years, position page (with the totals), programmes/blocks table, costs with flat rates
    assert len(many) <= 5, many


def test_programme_pages(login, data_queries):
    client = login("sb-drk")
    response, queries = data_queries(client, reverse("programme-list"))
    html = response.content.decode()
    assert "1,5 KI + 1,0 DRK = <strong>2,5 VZÄ</strong>" in html
    assert "8,5 KI + 1,0 ABH = <strong>9,5 VZÄ</strong>" in html
    assert "im Entwurf, erwartet September 2020" in html
    assert f"624.493,60{NBSP}€" in html
    for number in range(20):
        factories.building_block(factories.programme(f"P{number}"), 1)
    _, more = data_queries(client, reverse("programme-list"))
    assert len(more) == len(queries)
    # paginator-free list: programmes, funders, blocks, FTE per block, ranked organisations, decisions, cost shares
    assert len(more) <= 7, more

    durchstarten = Position.objects.get(organisation__short_name="DRK").building_block.programme
    response, queries = data_queries(client, durchstarten.get_absolute_url())
    # programme with funders, blocks, FTE rows, decisions, cost shares, cost years, position page (with
    # the totals), costs with flat rates
    assert len(queries) <= 8, queries
    html = response.content.decode()
    assert "1,5 KI + 1,0 DRK" in html
    assert "Stellen des Programms" in html and "Lieschen Müller" not in html  # ended 31.12.2022
    assert response.context["table"].paginator.count == 2
    assert {row.key for row in response.context["cost_rows"]} == {"KI", "DRK"}
    assert f"?programme={durchstarten.pk}" in html


def test_pay_table_page(login, data_queries):
    client = login("sb-drk")
    response, queries = data_queries(client, reverse("staffing:paytable-list") + "?year=2022")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"4.317,00{NBSP}€" in html and "01.04.2022" in html  # E 11 Stufe 3 after the pay round
    assert "70,28" in html and "4,25" in html and f"55.000,00{NBSP}€" in html
    assert "badge-illustrative" in html
    assert "In den Stammdaten bearbeiten" not in html  # only the administrator edits
    assert "In den Stammdaten bearbeiten" in login("admin").get(reverse("staffing:paytable-list")).content.decode()
    for bad in ("abc", "\x00", "1e309", "1900"):
        assert client.get(reverse("staffing:paytable-list"), {"year": bad}).status_code == 200


def test_refresh_costs_command(demo):
    from io import StringIO

    from django.core.management import call_command

    from staffing.models import PositionCost

    PositionCost.objects.all().delete()
    out = StringIO()
    call_command("refresh_costs", stdout=out)
    assert "neu berechnet" in out.getvalue()
    assert PositionCost.objects.count() == 15  # 5 positions x 2020–2022
