"""Two bodies side by side in the browser (issue 22): the Kreis Heinsberg's caseworker and the
Musterkreis' caseworker, each in their own browser context, see only their own body's positions,
and a position of the other body is "Seite nicht gefunden" (404)."""

import pytest
from playwright.sync_api import expect

from integration_admin.demo import DEMO_PASSWORD
from staffing.models import Position

from .conftest import AXE_JS
from .test_accessibility import FAILING_IMPACTS, RUN_AXE, WCAG_21_AA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVERY_POSITION = "/positions/?organisation=&per_page=100"


def log_in_as(page, username: str):
    """The login form, as a person fills it in (caseworkers have no second factor)."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def violations(page, label: str) -> list[str]:
    """The serious and critical WCAG 2.1 A/AA violations axe-core finds on the page as shown now."""
    return [
        f"{label}: {violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in page.evaluate(RUN_AXE, WCAG_21_AA)
        if violation["impact"] in FAILING_IMPACTS
    ]


def test_two_caseworkers_of_two_bodies_side_by_side(browser, live_server, page):
    page.context.add_init_script(path=str(AXE_JS))  # axe-core in every page (as test_accessibility.py does)
    heinsberg = log_in_as(page, "sb-ki")
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", base_url=live_server.url)
    context.add_init_script(path=str(AXE_JS))
    muster = log_in_as(context.new_page(), "mk-sb")
    try:
        heinsberg.goto(EVERY_POSITION)
        muster.goto(EVERY_POSITION)
        heinsberg_rows, muster_rows = heinsberg.locator("main table tbody"), muster.locator("main table tbody")
        expect(heinsberg_rows).to_contain_text("Teilhabemanagement")
        expect(muster_rows).to_contain_text("AWO")
        expect(muster_rows).to_contain_text("Strategischer Overhead")
        expect(muster_rows.locator("tr")).to_have_count(3)
        expect(muster_rows).not_to_contain_text("Teilhabemanagement")
        expect(muster_rows).not_to_contain_text("DRK")
        expect(heinsberg_rows).not_to_contain_text("AWO")
        expect(muster_rows).to_contain_text("Erika Mustermann")  # the holder of the Musterkreis' KI
        expect(heinsberg_rows).not_to_contain_text("Erika Mustermann")
        found = violations(heinsberg, "sb-ki /positions/") + violations(muster, "mk-sb /positions/")

        # The Musterkreis' caseworker opens a position of the Kreis Heinsberg by its address.
        position = Position.objects.filter(title__startswith="Teilhabemanagement").order_by("pk").first()
        response = muster.goto(position.get_absolute_url())
        assert response.status == 404
        expect(muster.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
        expect(muster.locator("main")).not_to_contain_text("Teilhabemanagement")
        found += violations(muster, f"mk-sb {position.get_absolute_url()}")
        # the same address is the position's page for the Kreis Heinsberg's caseworker
        heinsberg.goto(position.get_absolute_url())
        expect(heinsberg.get_by_role("heading", level=1)).to_contain_text("Teilhabemanagement")
        assert not found, "\n".join(found)
    finally:
        context.close()
