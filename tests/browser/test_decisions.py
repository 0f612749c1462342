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
