"""The page fits the window: nothing of the navigation runs off the right edge."""

import pytest

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
