"""Saved filters in the browser (issue 25): the list's filter panel loads them, saves the filter
as the user has just set it (htmx, without a reload of the form) and opens it again."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_save_the_current_filter_and_open_it_again(log_in):
    page = log_in("sb-ki")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/positions/")
    panel = page.locator("#saved-filters-panel")
    expect(panel).to_contain_text("Noch keine gespeicherten Filter.")
    page.locator("form.filter-form #id_q").fill("Case")
    expect(page).to_have_url(re.compile(r"q=Case"))  # the table has followed (hx-push-url)
    panel.get_by_label("Name des Filters").fill("Case-Management KI")
    panel.get_by_role("button", name="Aktuellen Filter speichern").click()
    page.wait_for_url(lambda url: "q=Case" in url and "per_page" in url)
    link = page.locator("#saved-filters-panel").get_by_role("link", name="Case-Management KI")
    expect(link).to_be_visible()
    page.goto("/positions/")
    page.locator("#saved-filters-panel").get_by_role("link", name="Case-Management KI").click()
    expect(page.locator("form.filter-form #id_q")).to_have_value("Case")
    page.locator("#saved-filters-panel").get_by_role("button", name="Filter „Case-Management KI“ löschen").click()
    expect(page.locator("#saved-filters-panel")).to_contain_text("Noch keine gespeicherten Filter.")
