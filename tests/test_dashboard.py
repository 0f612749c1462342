import datetime

import pytest
from django.urls import reverse

from funding.models import FinancingType, ProofOfUse
from tests import factories

NBSP = "\N{NO-BREAK SPACE}"


@pytest.mark.django_db
def test_dashboard_needs_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_dashboard_shows_the_founding_example(login):
    client = login("leitung")
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    # Durchstarten / Gemeinsam klappt's: 1,5 KI + 1,0 DRK = 2,5
    assert "Durchstarten in Ausbildung und Arbeit" in html and "Gemeinsam klappt’s" in html
    assert "1,5 KI + 1,0 DRK" in html
    assert "= <strong>2,5 VZÄ</strong>" in html
    assert f"780.617,00{NBSP}€" in html
    assert f"624.493,60{NBSP}€" in html
    assert f"156.123,40{NBSP}€" in html
    assert "27.03.2020" in html and "10.08.2020" in html and "31.12.2022" in html
    # KIM: 3,5 strategic overhead (applicable, draft), 5 case management (decision without application), 1 ABH
    assert "3,5 VZÄ KI" in html and "beantragbar" in html and "im Entwurf, erwartet September 2020" in html
    assert "5,0 VZÄ KI" in html and "Bescheid ohne Antrag" in html
    assert "1,0 VZÄ ABH" in html and "besetzt" in html
    for number in range(1, 7):
        assert f'id="baustein-{number}"' in html


def test_dashboard_query_count_does_not_grow_with_data(login, data_queries):
    client = login("leitung")
    response, before = data_queries(client, reverse("dashboard"))
    assert response.status_code == 200
    # paginator count, programmes with funders, blocks, 2 staffing aggregates (ranked rows with their
    # blocks' totals, ranked organisations), decisions with their blocks (+ cost shares), proof
    # deadlines (one ranked query), uncalled money: see funding.summaries; the head's own part
    # (integration_admin.home): next sessions (+ their agenda items where there are any), draft papers;
    # the to-do list (integration_admin.reminders): open proofs, open repayment claims, approvals waiting
    assert len(before) <= 14, before
    for p in range(12):  # more programmes than one page holds, more organisations than are listed
        programme = factories.programme(f"EXTRA{p}")
        for number in range(1, 4):
            block = factories.building_block(programme, number)
            for i in range(6):
                factories.position(block, factories.organisation(f"O{p}-{number}{i}"), fte=f"{i + 1}")
    response, after = data_queries(client, reverse("dashboard"))
    assert len(after) <= len(before)  # (fewer where a page has no decisions to prefetch for)
    html = response.content.decode()
    assert "Seite 1 von 2 (14 Programme)" in html
    response, _queries = data_queries(client, reverse("dashboard") + "?page=2")
    html = " ".join(response.content.decode().split())
    # 6 organisations per block: the 4 largest are listed, the rest counted (1 + 2 FTE)
    assert "und 2 weitere Zeilen mit 3,0 VZÄ" in html
    # 18 organisations in the programme: the 5 largest listed (6+6+6+5+5), the rest summed (35)
    assert "+ 5,0 O8-24 + 35,0 bei 13 weiteren Organisationen" in html
    assert "= <strong>63,0 VZÄ</strong>" in html


def test_programme_pages(login):
    client = login("sb-drk")
    response = client.get(reverse("programme-list"))
    assert response.status_code == 200
    assert "Kommunales Integrationsmanagement" in response.content.decode()
    from programs.models import Programme

    kim = Programme.objects.get(short_name="KIM")
    response = client.get(kim.get_absolute_url())
    assert response.status_code == 200
    assert (
        "Strategischer Overhead" in response.content.decode() or "strategischer Overhead" in response.content.decode()
    )


def test_programme_page_chooses_the_cost_year_in_its_own_query(login, data_queries):
    from programs.models import Programme
    from staffing.costs import cost_years
    from staffing.models import PositionCost

    client = login("leitung")
    kim = Programme.objects.get(short_name="KIM")
    costs = PositionCost.objects.filter(position__building_block__programme=kim)
    years = sorted(set(costs.values_list("year", flat=True)))
    assert len(years) > 1
    response, queries = data_queries(client, kim.get_absolute_url() + f"?year={years[0]}")
    html = response.content.decode()
    assert f"Je Organisation im Jahr {years[0]}" in html and f"Jahreskosten {years[0]}" in html
    assert all(f"?year={year}#kosten-organisationen" in html for year in years)
    # The programme with funders (and the cost year: ?year= if it has employer rates, else the
    # default); blocks; FTE per block, organisation and status; decisions with their own shares;
    # the page of positions with count and totals; the costs per organisation and year.
    assert len(queries) == 6, queries
    block = kim.building_blocks.first()
    for number in range(20):
        factories.position(block, factories.organisation(f"Neu {number}"), fte="0.5")
    # A year without employer rates: the default year, as on every list.
    response, queries = data_queries(client, kim.get_absolute_url() + "?year=1999")
    assert len(queries) == 6, queries
    rate_years, default = cost_years()
    assert f"Jahreskosten {default}" in response.content.decode()
    # Without positions and costs: a year with rates is shown as asked, with the same queries.
    rate_year = rate_years[0]
    response, queries = data_queries(client, factories.programme("OHNE").get_absolute_url() + f"?year={rate_year}")
    assert response.status_code == 200 and len(queries) == 6, queries
    assert f"Jahreskosten {rate_year}" in response.content.decode()


def test_german_whatever_the_browser_says(login):
    client = login("leitung")
    response = client.get(reverse("dashboard"), headers={"accept-language": "en-US,en;q=0.9"})
    assert response["Content-Language"] == "de"
    assert "1,5 KI + 1,0 DRK" in response.content.decode()


def test_english_is_available(login):
    client = login("leitung")
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


def test_ping_needs_login_and_touches_no_data(client, login, data_queries):
    assert client.get(reverse("ping")).status_code == 302
    client = login("leitung")
    response, queries = data_queries(client, reverse("ping"))
    assert response.content == b"ok"
    assert queries == []


def test_dashboard_lists_the_most_urgent_deadlines_and_counts_the_rest(login):
    client = login("leitung")
    decision = factories.decision(title="Viele Fristen")
    for day in range(1, 16):
        factories.proof(decision, datetime.date(2021, 1, day))
    html = " ".join(client.get(reverse("dashboard")).content.decode().split())
    overdue = html.split('class="list-unstyled overdue">')[1].split("</ul>")[0]
    assert overdue.count("<li>") == 10
    assert "01.01.2021" in overdue and "15.01.2021" not in overdue  # the oldest first
    more = ProofOfUse.objects.open().filter(due_on__lt=datetime.date.today()).count() - 10
    assert f"und {more} weitere überfällige Fristen" in html


def test_summary_rows_escape_what_users_typed(login):
    """User text in the block and decision rows comes out escaped, in German and in English."""
    programme = factories.programme("ESC", name="Programm <ESC>")
    block = factories.building_block(programme, 1, title="<script>alert(1)</script> Baustein")
    organisation = factories.organisation("A&B")
    factories.position(block, organisation, fte="1.5")
    decision = factories.decision(programme, title='Bescheid "<b>fett</b>"')
    decision.building_blocks.set([block])
    factories.version(decision, financing_type=FinancingType.FULL, full_financing_reason="x")
    client = login("leitung")
    html = client.get(programme.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Baustein" in html and "<script>alert(1)" not in html
    assert "1,5 VZÄ A&amp;B" in html
    assert "Bescheid &quot;&lt;b&gt;fett&lt;/b&gt;&quot;" in html and "<b>fett</b>" not in html
    assert "ohne Antrag" in html  # the decision has no application
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(programme.get_absolute_url()).content.decode()
    assert "1.5 FTE A&amp;B" in html and "without application" in html


def test_uncalled_money_lists_the_ten_ending_first_and_counts_all(login, demo):
    """The database picks and counts the versions with money still uncalled near or after the
    end of their period (a window count); the list shows the ten ending first."""
    from funding.models import CALL_OFF_WARNING_DAYS, DecisionVersion
    from funding.summaries import deadlines

    today = datetime.date.today()
    for number in range(13):
        decision = factories.decision(title=f"Uncalled {number:02}")
        factories.version(
            decision,
            financing_type=FinancingType.FULL,
            full_financing_reason="x",
            eligible_expenditure="1000.00",
            period_end=today + datetime.timedelta(days=number - 20),
        )
    expected = [
        v
        for v in DecisionVersion.objects.current().select_related("decision")
        if v.period_end and v.granted_amount and v.period_end <= today + datetime.timedelta(days=CALL_OFF_WARNING_DAYS)
        and v.granted_amount > sum((c.amount for c in v.decision.call_offs.all()), 0)
    ]  # fmt: skip
    expected.sort(key=lambda v: (v.period_end, v.decision.title, v.pk))
    result = deadlines(today)
    assert result.call_off_count == len(expected) >= 13
    assert [item.version.pk for item in result.call_offs] == [v.pk for v in expected[:10]]
    html = " ".join(login("leitung").get(reverse("dashboard")).content.decode().split())
    assert f"und {len(expected) - 10} weitere Bescheide mit nicht abgerufenen Mitteln" in html


@pytest.mark.django_db
def test_rows_of_equal_fte_are_ranked_by_organisation_then_status():
    """Which of several equal rows a summary keeps does not depend on the database's plan."""
    from funding.summaries import programme_summaries
    from programs.models import Programme

    block = factories.building_block(factories.programme("RANK"), 1)
    for short_name in ("ZZ", "AA"):
        organisation = factories.organisation(short_name)
        for status in ("filled", "applicable", "ended"):
            factories.position(block, organisation, fte="2.0", status=status)
    programmes = Programme.objects.filter(pk=block.programme_id)
    (summary,) = programme_summaries(programmes, rows_per_block=4, organisations=5)
    rows = [(row.organisation, row.status) for row in summary.blocks[0].rows]
    assert rows == [("AA", "applicable"), ("AA", "ended"), ("AA", "filled"), ("ZZ", "applicable")]
    assert summary.blocks[0].more_rows == 2
