"""WCAG 2.1 AA (BITV 2.0) as far as a machine can check it: axe-core on every page reachable from
the navigation, for each demo role, on a desktop (1366 px) and a phone (390 px); and the keyboard
basics axe cannot judge (skip link, visible focus, the current page marked in the navigation).

axe-core is loaded into each page as an init script of the browser context (the DevTools protocol,
not a <script> element, so the pages' Content-Security-Policy stays as it is). A "serious" or
"critical" violation fails the test and is printed with the page, the width and the elements.
"""

import pytest
from playwright.sync_api import expect

from .conftest import AXE_JS, AXE_MISSING

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1366, 390)
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}

# The links of the navigation bar (menu, brand and the account menu) on this origin.
NAVIGATION_LINKS = """() => [...new Set([...document.querySelectorAll("nav.navbar a[href]")]
    .filter((a) => a.origin === location.origin)
    .map((a) => a.pathname + a.search))]"""

RUN_AXE = """(tags) => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
    .then((result) => result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ") + ": " + n.failureSummary.replace(/\\s+/g, " ")).slice(0, 5),
    })))"""


@pytest.fixture
def axe(page):
    """``axe(label)``: the serious and critical WCAG 2.1 A/AA violations of the page as shown now."""
    if not AXE_JS.exists():
        pytest.fail(AXE_MISSING.format(path=AXE_JS), pytrace=False)
    page.context.add_init_script(path=str(AXE_JS))

    def _axe(label: str) -> list[str]:
        found = []
        for violation in page.evaluate(RUN_AXE, WCAG_21_AA):
            if violation["impact"] in FAILING_IMPACTS:
                found.append(f"{label}: {violation['id']} ({violation['impact']}): {violation['help']}")
                found.extend(f"    {node}" for node in violation["nodes"])
        return found

    return _axe


def report(violations: list[str]) -> str:
    return "Verstöße gegen WCAG 2.1 AA (axe-core, serious/critical):\n" + "\n".join(violations)


def test_login_page_passes_axe(page, axe):
    violations = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/accounts/login/")
        violations += axe(f"/accounts/login/ @ {width}px")
    assert not violations, report(violations)


@pytest.mark.parametrize("username", ["sb-drk", "sb-ki", "leitung", "admin"])
def test_every_page_of_the_navigation_passes_axe(log_in, axe, username):
    page = log_in(username)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    page.goto("/")
    urls = page.evaluate(NAVIGATION_LINKS)
    assert "/positions/" in urls and "/reports/" in urls, urls  # the navigation was found
    violations = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for url in urls:
            page.goto(url)
            violations += axe(f"{username} {url} @ {width}px")
    # The phone's navigation is a menu behind the toggler: checked opened too.
    page.goto("/")
    page.get_by_role("button", name="Navigation umschalten").click()
    expect(page.locator("#main-nav")).to_be_visible()
    violations += axe(f"{username} / @ {WIDTHS[-1]}px, Menü geöffnet")
    assert not violations, report(violations)
