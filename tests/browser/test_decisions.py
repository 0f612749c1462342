"""The decision page in a real browser: its audit trail arrives when the reader scrolls to it."""

import pytest
from playwright.sync_api import expect

from funding.models import GrantDecision

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_decision_history_loads_when_scrolled_to(log_in):
    page = log_in("admin")
    decision = GrantDecision.objects.get(programme__short_name="Durchstarten")
    page.goto(decision.get_absolute_url())
    history = page.locator("#verlauf")
    history.scroll_into_view_if_needed()
    # htmx replaces the link with the history page's table (hx-select), without leaving the page.
    expect(page.locator("#verlauf table.decision-history")).to_be_visible()
    expect(history).to_contain_text("angelegt")
    expect(history).to_contain_text("624.493,60")
    assert page.url.endswith(decision.get_absolute_url())


def test_the_latest_activity_loads_on_the_decision_page(log_in):
    page = log_in("leitung")
    decision = GrantDecision.objects.get(programme__short_name="Durchstarten")
    page.goto(decision.get_absolute_url())
    # near the top of the page: revealed, and so loaded, at once
    feed = page.locator("#aktivitaeten")
    expect(page.locator("#aktivitaeten ol.activity-feed li").first).to_be_visible()
    assert page.locator("#aktivitaeten ol.activity-feed li").count() <= 8
    expect(feed.get_by_role("link", name="Vollständiger Änderungsverlauf")).to_have_attribute(
        "href", f"/decisions/{decision.pk}/history/"
    )
    assert page.url.endswith(decision.get_absolute_url())


def test_administrator_enters_a_financing_plan_and_sees_the_grant_per_year(log_in):
    """Issue 21: one letter with two rates in one block and year and a one-off amount, typed once."""
    import datetime
    from decimal import Decimal

    from funding import services
    from funding.models import DecisionVersion, FinancingType
    from tests import factories

    block = factories.building_block()
    decision = factories.decision(block.programme, title="KIM Baustein 1 im Browser")
    services.create_decision(
        decision=decision,
        building_blocks=[block],
        version=DecisionVersion(
            financing_type=FinancingType.FIXED,
            eligible_expenditure=Decimal("400000.00"),
            period_start=datetime.date(2021, 7, 1),
            period_end=datetime.date(2022, 12, 31),
        ),
    )
    page = log_in("admin")
    page.goto(decision.get_absolute_url())
    page.get_by_role("link", name="Finanzierungsplan bearbeiten").click()
    rows = [
        ("personnel", "Koordinierungsstellen", "2", "57.000,00"),
        ("personnel", "Verwaltungskraft", "0,5", "45.000,00"),
        ("one_off", "Arbeitsplatzausstattung", "2,5", "5.700,00"),
    ]
    for index, (kind, label, fte, amount) in enumerate(rows):
        page.locator(f"#id_plan_items-{index}-kind").select_option(kind)
        page.locator(f"#id_plan_items-{index}-label").fill(label)
        page.locator(f"#id_plan_items-{index}-fte").fill(fte)
        page.locator(f"#id_plan_items-{index}-amount").fill(amount)
    page.get_by_role("button", name="Speichern und Zuwendung berechnen").click()
    plan = page.locator("#finanzierungsplan")
    # 2021 (6 months): 57.000 + 11.250 + 14.250 one-off; 2022: 114.000 + 22.500
    expect(plan).to_contain_text("57.000,00")  # 2 x 57.000 x 6/12
    expect(plan).to_contain_text("82.500,00")  # the year 2021 in total
    expect(plan).to_contain_text("136.500,00")  # the year 2022 in total
    expect(plan).to_contain_text("219.000,00")  # the plan, and the grant of a fixed amount
    expect(page.locator(".current-figures")).to_contain_text("219.000,00")


def test_the_dashboard_loads_the_positions_against_the_grant_when_scrolled_to(log_in):
    """The month-by-month check of every position comes after the page (issue 21): it arrives in
    the programme's summary, without leaving the page."""
    import datetime

    from staffing.models import Organisation
    from tests import factories

    decision = GrantDecision.objects.get(programme__short_name="Durchstarten")
    block = decision.building_blocks.get(number=6)
    factories.position(
        block, Organisation.objects.get(short_name="DRK"), fte="0.75", title="Zusatz",
        start=datetime.date(2021, 3, 15), end=datetime.date(2021, 10, 31),
    )  # fmt: skip
    page = log_in("leitung")
    page.goto("/")
    section = page.locator(f"#stellen-bewilligung-{decision.programme_id}")
    section.scroll_into_view_if_needed()
    expect(section.locator(".coverage-warning")).to_contain_text("Stellen und Bewilligung passen nicht zusammen")
    expect(section).to_contain_text("0,75 VZÄ zu viel")


def test_the_decision_form_shows_the_grant_before_saving(log_in):
    """Issue 25: a live preview of the computed grant in the decision form (htmx)."""
    page = log_in("admin")
    page.goto("/decisions/new/")
    page.locator("#id_financing_type").select_option("share")
    page.locator("#id_eligible_expenditure").fill("780.617,00")
    page.locator("#id_rate").fill("80")
    page.locator("#id_rate").blur()
    expect(page.locator("#grant-preview")).to_contain_text("624.493,60")
    expect(page.locator("#grant-preview")).to_contain_text("156.123,40")
