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
    assert ("/master-data/" in urls) == (username == "admin"), urls  # „Stammdaten“ too
    if username == "admin":  # and the master-data forms it leads to (issue 25)
        urls += ["/pay-tables/edit/", "/pay-tables/rates/", "/organisations/new/", "/flat-rates/new/"]
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


# The contrast ratio (WCAG 2.1, 1.4.3 and 1.4.11) of two computed CSS colours, the second opaque.
CONTRAST = """([fg, bg]) => {
    const rgb = (css) => css.match(/[\\d.]+/g).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map((c) => {
        c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    const [a, b] = [lum(rgb(fg)), lum(rgb(bg))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def contrast(page, foreground: str, background: str) -> float:
    return page.evaluate(CONTRAST, [foreground, background])


def style(locator, prop: str) -> str:
    return locator.evaluate("(el, prop) => getComputedStyle(el)[prop]", prop)


def test_skip_link_is_the_first_stop_and_leads_to_the_content(log_in):
    page = log_in("sb-drk")
    page.goto("/positions/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Zum Inhalt springen")
    box = skip.bounding_box()  # shown when focused, not a 1-px visually-hidden box
    assert box is not None and box["width"] > 50 and box["height"] > 20 and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the content, not the navigation again
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_keyboard_focus_on_navigation_links_is_clearly_visible(log_in):
    page = log_in("sb-drk")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/")
    link = page.locator("nav.navbar .nav-link", has_text="Stellen")
    for _ in range(20):  # Tab through the page as a keyboard user does, until the link has focus
        page.keyboard.press("Tab")
        if link.evaluate("(el) => el === document.activeElement"):
            break
    else:
        pytest.fail("Der Navigationslink „Stellen“ ist mit der Tabulatortaste nicht erreichbar.")
    navbar_background = style(page.locator("nav.navbar"), "backgroundColor")
    assert style(link, "outlineStyle") == "solid"
    assert float(style(link, "outlineWidth").removesuffix("px")) >= 2
    # 1.4.11: the focus indicator at least 3:1 against the bar it sits on
    assert contrast(page, style(link, "outlineColor"), navbar_background) >= 3


def test_navigation_marks_the_current_page_and_reads_at_4_5_to_1(log_in):
    page = log_in("sb-drk")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/organisations/")
    current = page.locator("nav.navbar [aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_text("Organisationen")
    # marked by more than colour (1.4.1): bold and underlined
    assert int(style(current, "fontWeight")) >= 600
    assert "underline" in style(current, "textDecorationLine")
    background = style(page.locator("nav.navbar"), "backgroundColor")
    for link in page.locator("nav.navbar .nav-link").all():
        assert contrast(page, style(link, "color"), background) >= 4.5, link.inner_text()


def test_outline_buttons_do_not_look_disabled(log_in):
    """„Bearbeiten“ and „Ergänzung anlegen“ are outline buttons: their text at least 7:1 (Bootstrap's
    grey, 4,7:1, reads as disabled next to the primary buttons) and their border at least 3:1."""
    from integration_admin.council.models import Report, ReportStatus
    from tests import factories

    draft = factories.report(title="Barrierefreier Entwurf")
    released = Report.objects.filter(status=ReportStatus.RELEASED).first()  # the demo's 0001/2020
    page = log_in("leitung")
    for report in (draft, released):
        page.goto(report.get_absolute_url())
        for button in page.locator("main .btn-outline-secondary").all():
            background = "rgb(255, 255, 255)"
            assert contrast(page, style(button, "color"), background) >= 7, button.inner_text()
            assert contrast(page, style(button, "borderTopColor"), background) >= 3, button.inner_text()
    expect(page.locator("main .btn-outline-secondary", has_text="Ergänzung anlegen")).to_have_count(1)


def test_dashboards_call_off_warning_reads_at_4_5_to_1(log_in):
    import datetime

    from funding.models import FinancingType
    from tests import factories

    decision = factories.decision(title="Barrierefrei Abruf")
    factories.version(
        decision,
        financing_type=FinancingType.FULL,
        full_financing_reason="x",
        eligible_expenditure="1000.00",
        period_end=datetime.date.today() + datetime.timedelta(days=10),
    )
    page = log_in("admin")
    page.goto("/")
    warning = page.locator(".call-off-warnings li", has_text="Barrierefrei Abruf")
    expect(warning).to_contain_text("noch nicht abgerufen")
    assert contrast(page, style(warning, "color"), "rgb(255, 255, 255)") >= 4.5


def test_the_main_detail_and_form_pages_pass_axe(log_in, axe):
    """Beyond the navigation: one of each page a caseworker or the administrator works on daily."""
    from funding.models import GrantDecision
    from integration_admin.council.models import Meeting, Report
    from staffing.models import Position

    position = Position.objects.filter(organisation__short_name="KI").first()
    decision = GrantDecision.objects.get(programme__short_name="Durchstarten")
    urls = [
        position.get_absolute_url(),
        f"/positions/{position.pk}/edit/",
        "/positions/new/",
        decision.get_absolute_url(),
        f"/decisions/{decision.pk}/edit/",
        f"/decisions/{decision.pk}/plan/",
        f"/decisions/{decision.pk}/rule/",
        f"/decisions/{decision.pk}/as-of/?gilt_am=01.01.2021",
        "/decisions/new/",
        Report.objects.first().get_absolute_url(),
        Meeting.objects.first().get_absolute_url(),
        "/search/?q=Stelle",  # the global search (issue 25)
        "/filters/",  # the saved filters
        decision.programme.get_absolute_url(),  # with the chart of FTE over time (issue 25)
    ]
    page = log_in("admin")
    violations = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for url in urls:
            page.goto(url)
            if page.locator("#grant-preview").count():  # the decision form: check it with its preview loaded
                page.wait_for_selector("#grant-preview p:not(.form-text)")
            violations += axe(f"admin {url} @ {width}px")
    assert not violations, report(violations)


@pytest.mark.parametrize("username", ["sb-drk", "leitung", "admin"])
def test_the_home_page_of_each_role_passes_axe_with_its_part_filled(log_in, axe, username):
    """The role's part of the home page (integration_admin.home) with rows in every table and list."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from staffing.models import Organisation
    from tests import factories

    today = timezone.localdate()
    soon = today + datetime.timedelta(days=30)
    block = factories.building_block(factories.programme("AXEHOME"), 1)
    position = factories.position(
        block, Organisation.objects.get(short_name="DRK"), title="Barrierefrei frei", start=today, end=soon
    )
    factories.assignment(position, share="0.5", start=today, end=soon, name="Barrierefrei Person")
    meeting = factories.meeting(
        factories.committee("Barrierefrei Ausschuss"), start=timezone.now() + datetime.timedelta(days=3)
    )
    factories.agenda_item(meeting, number="1", title="Barrierefrei TOP")
    factories.report(title="Barrierefrei Entwurf")
    factories.version(
        factories.decision(title="Barrierefrei Bescheid"),
        financing_type="fixed",
        unit_amount=Decimal("500.00"),
        units=Decimal("2"),
        stated_amount=Decimal("1200.00"),
    )
    page = log_in(username)
    expected = {"sb-drk": "Barrierefrei Person", "leitung": "Barrierefrei TOP", "admin": "Barrierefrei Bescheid"}
    violations = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/")
        expect(page.locator("main")).to_contain_text(expected[username])
        violations += axe(f"{username} / @ {width}px")
    assert not violations, report(violations)


@pytest.mark.parametrize("username", ["sb-drk", "admin"])
def test_the_reminders_page_and_the_to_do_list_pass_axe(log_in, axe, username):
    """Issue 23: the reminder settings (without an e-mail address, and with the form's errors shown)
    and the home page's "Zu erledigen" with an overdue and a due deadline."""
    import datetime

    from django.utils import timezone

    from funding.models import CostShare
    from staffing.models import Organisation
    from tests import factories

    today = timezone.localdate()
    decision = factories.decision(title="Barrierefrei Frist")
    version = factories.version(decision, is_current=True)
    CostShare.objects.create(
        version=version,
        organisation=Organisation.objects.get(short_name="DRK"),
        weight=1,
        eligible_amount="100.00",
        grant_amount="80.00",
        own_share="20.00",
    )
    factories.proof(decision, today - datetime.timedelta(days=2))
    factories.proof(decision, today + datetime.timedelta(days=10))
    page = log_in(username)
    violations = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/")
        expect(page.locator(".home-to-do")).to_contain_text("Barrierefrei Frist")
        violations += axe(f"{username} / (Zu erledigen) @ {width}px")
        page.goto("/konto/erinnerungen/")
        expect(page.locator(".reminders-no-email")).to_be_visible()
        page.fill("#id_days_before", "30, sieben")
        page.check("#id_enabled")
        page.click("main button[type=submit]")
        expect(page.locator("main")).to_contain_text("Bitte ganze Tage als Ziffern angeben")
        violations += axe(f"{username} /konto/erinnerungen/ (mit Fehlern) @ {width}px")
    assert not violations, report(violations)


def test_the_pass_through_page_with_payouts_passes_axe(log_in, axe):
    """The pass-through page (issue 23) with a payout awaiting approval, seen by the head (who has
    the approve button) and the administrator (edit links), and its payout form."""
    import datetime
    from decimal import Decimal

    from funding import services
    from funding.models import PassThrough, Payout
    from integration_admin.models import User

    pass_through = PassThrough.objects.get(recipient__short_name="DRK")
    services.save_payout(
        payout=Payout(pass_through=pass_through, requested_on=datetime.date(2021, 3, 1), amount=Decimal("1000.00")),
        user=User.objects.get(username="admin"),
    )
    violations = []
    for username, urls in (
        ("leitung", [pass_through.get_detail_url()]),
        ("admin", [pass_through.get_detail_url(), f"/pass-throughs/{pass_through.pk}/payouts/new/"]),
    ):
        page = log_in(username)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for url in urls:
                page.goto(url)
                violations += axe(f"{username} {url} @ {width}px")
        if username == "leitung":
            expect(page.get_by_role("button", name="freigeben")).to_be_visible()
        page.context.clear_cookies()
    assert not violations, report(violations)


def test_the_proof_of_use_pages_pass_axe(log_in, axe):
    """Issue 23: the demo's final proof with its receipt list (reviewed, cut and unreviewed
    receipts), the settlement, and the review, receipt and import forms."""
    from funding.models import ProofOfUse, Receipt

    proof = ProofOfUse.objects.get(decision__title="Teilhabemanagement (Förderbaustein 6)", kind="final")
    receipt = Receipt.objects.filter(proof=proof, admitted_amount__isnull=True).first()
    urls = [
        proof.get_absolute_url(),
        f"/receipts/{receipt.pk}/review/",
        f"/proofs/{proof.pk}/receipts/new/",
        f"/proofs/{proof.pk}/receipts/import/",
    ]
    violations = []
    page = log_in("admin")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for url in urls:
            page.goto(url)
            violations += axe(f"admin {url} @ {width}px")
    page.goto(proof.get_absolute_url())
    expect(page.locator(".receipts")).to_contain_text("gekürzt um 580,00")
    expect(page.locator(".settled-grant")).to_contain_text("€")
    page.goto(f"/receipts/{receipt.pk}/review/")
    page.fill("#id_admitted_amount", "1,00")
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("Bitte begründen")
    violations += axe("admin review with errors")
    assert not violations, report(violations)
