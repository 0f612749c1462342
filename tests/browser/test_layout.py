"""The page fits the window: nothing of the navigation runs off the right edge, no page scrolls
sideways (wide tables scroll in their own box), and a phone shows a list's data before its filters."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1024, 1280, 1440, 1920])
def test_navigation_fits_common_screen_widths(log_in, width):
    # leitung has the longest name and role of the demo logins (German, the longer language)
    page = log_in("leitung")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/positions/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no horizontal scrolling
    for role, name in (("link", "Vorlagen"), ("button", "English"), ("button", "Abmelden")):
        box = page.get_by_role(role, name=name, exact=True).bounding_box()
        assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= width, name


def test_language_switch_on_the_login_page(page, log_in, demo):
    """Before logging in (issue 25): the login page switches to English, and stays so after the login."""
    page.goto("/accounts/login/")
    page.get_by_role("button", name="English", exact=True).click()
    page.wait_for_selector("html[lang=en]")
    assert page.get_by_role("heading", name="Log in").is_visible()
    page = log_in("sb-drk")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log out", exact=True).is_visible()


# The links of the navigation bar (menu, brand and the account menu) on this origin.
NAVIGATION_LINKS = """() => [...new Set([...document.querySelectorAll("nav.navbar a[href]")]
    .filter((a) => a.origin === location.origin)
    .map((a) => a.pathname + a.search))]"""
# What sticks out: the page's width and the widest elements beyond the window (for the message).
OVERFLOW = """() => ({
    width: document.documentElement.scrollWidth,
    culprits: [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
        .filter((el) => !el.parentElement.closest(".visually-hidden, .visually-hidden-focusable"))
        .slice(-5).map((el) => el.tagName.toLowerCase() + "." + [...el.classList].join(".")
            + " (" + Math.round(el.getBoundingClientRect().right) + " px, in #" + el.closest("[id]")?.id + ")"),
})"""


def detail_pages() -> list[str]:
    from funding.models import GrantDecision
    from integration_admin.council.models import Report
    from staffing.models import Position

    position = Position.objects.filter(organisation__short_name="KI").first()
    decision = GrantDecision.objects.get(programme__short_name="Durchstarten")
    return [position.get_absolute_url(), decision.get_absolute_url(), Report.objects.first().get_absolute_url()]


def test_no_page_scrolls_sideways(log_in):
    """Issue 25: at 390, 1024 and 1366 px no page of the navigation (and no page of a position, a
    decision or a paper) is wider than the window; wide tables scroll inside their own box."""
    page = log_in("admin")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/")
    urls = [url for url in page.evaluate(NAVIGATION_LINKS) if not url.startswith("/admin/")]
    assert "/positions/" in urls and "/reports/" in urls, urls
    urls += ["/search/?q=Stelle", *detail_pages()]
    failures = []
    for width in (390, 1024, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        for url in urls:
            page.goto(url)
            found = page.evaluate(OVERFLOW)
            if found["width"] > page.evaluate("window.innerWidth"):
                failures.append(f"{url} @ {width}px: {found['width']} px breit, {found['culprits']}")
    assert not failures, "\n".join(failures)


def test_phone_shows_the_positions_before_the_filters(log_in):
    """On a phone the list's data come first; the filters open on demand (a button "Filter")."""
    page = log_in("admin")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/positions/")
    first_row = page.locator("#table-container table tbody tr").first.bounding_box()
    assert first_row is not None
    form = page.locator("form.filter-form")
    box = form.bounding_box()
    assert box is None or first_row["y"] < box["y"]  # hidden, or below the table's first row
    toggle = page.get_by_role("button", name="Filter", exact=True)
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    expect(page.locator("form.filter-form #id_q")).to_be_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.locator("form.filter-form #id_q").fill("Case")
    expect(page.locator("#table-container")).to_contain_text("Case-Management")


def test_brand_and_logout_fit_on_one_line_at_1366(log_in):
    page = log_in("leitung")
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto("/positions/")
    brand = page.locator(".navbar-brand")
    assert brand.evaluate("(el) => el.scrollWidth <= el.clientWidth")  # not cut off
    logout = page.get_by_role("button", name="Abmelden", exact=True).bounding_box()
    brand_box = brand.bounding_box()
    assert logout is not None and logout["height"] < 40  # one line of text, not two
    # and on the phone the brand is not cut off either
    page.set_viewport_size({"width": 390, "height": 844})
    assert brand.evaluate("(el) => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= 390")
    assert brand_box is not None
