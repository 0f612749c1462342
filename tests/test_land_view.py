"""The Land view (issue 22): who may open it, its figures for the demo's two bodies, that they add
up and agree with each body's own pages (property test), that its export names no person, and
that its page takes the same number of queries however many bodies there are."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from funding.controlling import controlling_totals
from funding.land import Figures, Grouping, land_figures
from funding.models import DecisionVersion, FinancingType
from funding.summaries import programme_summaries, proof_deadlines
from integration_admin.core.models import Body, Regierungsbezirk
from integration_admin.core.scopes import scope, scopes_disabled
from integration_admin.land_views import LAND_VIEWER_URL_NAMES
from integration_admin.models import Role, User
from programs.models import Programme
from staffing.exports import MONEY_FORMAT
from staffing.models import Assignment, PositionStatus, listed_positions
from tests import factories
from tests.conftest import login_as
from tests.security import test_access_matrix
from tests.security.test_access_matrix import LOGIN, classify, kwargs_for, matrix_names, request_as, url_names

pytestmark = pytest.mark.django_db

LAND_URL = "/land/"

# the access matrix's objects (of the KI) and its stand-in PDFs
matrix_data = test_access_matrix.matrix_data
fast_pdfs = test_access_matrix.fast_pdfs


def today():
    return timezone.localdate()


def body_row(view, short_name: str):
    with scopes_disabled():
        body = Body.objects.get(short_name=short_name)
    return next(row for row in view.rows if row.key == body.pk)


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [("land", 200), ("betrieb", 200), ("admin", 403), ("leitung", 403), ("sb-ki", 403), ("mk-admin", 403)],
)
def test_who_opens_the_land_view(client, demo, username, status):
    login_as(client, username)
    response = client.get(LAND_URL)
    assert response.status_code == status
    if status == 403:
        assert "Keine Berechtigung" in response.content.decode()  # the project's German 403 page
    else:
        assert "Landesansicht" in response.content.decode()


def test_anonymous_goes_to_the_login_page(client, demo):
    response = client.get(LAND_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_land_users_start_on_the_land_view(client, demo):
    login_as(client, "land")
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == LAND_URL
    page = client.get(LAND_URL).content.decode()
    assert f'href="{LAND_URL}"' in page  # the navigation's one link
    assert reverse("staffing:position-list") not in page
    assert reverse("reminder-settings") not in page


def test_body_users_keep_their_dashboard(client, demo):
    login_as(client, "leitung")
    assert client.get(reverse("dashboard")).status_code == 200
    assert f'href="{LAND_URL}"' not in client.get(reverse("dashboard")).content.decode()


def test_land_users_are_refused_everywhere_else(client, matrix_data, fast_pdfs):
    """Every URL of the access matrix, as the Land user: 403 but for the Land view, the own account
    pages, logging out, the language switch and the public OParl interface (LandViewerMiddleware)."""
    patterns = dict(url_names())
    failures = []
    for name in matrix_names():
        url = reverse(name, kwargs=kwargs_for(name, patterns[name], matrix_data))
        response, _changed = request_as(client, "land", "GET", url, {})
        if name == "dashboard":
            expected = {302}
        elif name.startswith("council:oparl:"):
            expected = {200}  # public: anyone reads it, without login or with
        elif name in LAND_VIEWER_URL_NAMES:
            expected = {200, 302, 403, 405}  # their own view decides (the second factor: administrators only)
        else:
            expected = {403}
        if response.status_code not in expected:
            failures.append(f"GET {name} ({url}): {response.status_code}, expected {sorted(expected)}")
    assert not failures, "\n".join(failures)


def test_land_users_keep_their_account_and_static_files(client, demo):
    login_as(client, "land")
    assert client.get(reverse("password_change")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "en", "next": LAND_URL}).status_code == 302
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get(reverse("reminder-settings")).status_code == 403
    response = client.post(reverse("logout"))
    assert classify(response) == LOGIN


def test_land_page_refuses_posts(client, demo):
    for username, outcome in (("land", 405), ("leitung", 403)):
        login_as(client, username)
        assert client.post(LAND_URL, {"x": "1"}).status_code == outcome


# --- the demo's figures ---------------------------------------------------------------------------


def test_demo_figures_per_body():
    """Worked out by hand from integration_admin/demo.py.

    Musterkreis: the flat-rate decision funds 3,0 FTE (no period: no grant computed); positions
    2,0 + 1,0 + 1,5 = 4,5 FTE, all can be held (filled, filled, approved, no end); held 1,0
    (Erika Mustermann) + 1,0 (Max Mustermann) = 2,0 FTE since 2021; no call-offs, no proofs.
    Heinsberg: the flat rate funds 5,0 FTE; Teilhabemanagement: 80 % of 780.617,00 € =
    624.493,60 € granted, own share 156.123,40 €, called and received in full.
    """
    view = land_figures(today=today())
    mk = body_row(view, "MK")
    assert (mk.label, mk.detail) == ("Musterkreis (Demo)", "Münster")
    assert mk.figures.funded_fte == Decimal("3.000")
    assert mk.figures.position_fte == Decimal("4.500")
    assert mk.figures.filled_fte == Decimal("2.000")
    assert (mk.figures.granted, mk.figures.called, mk.figures.received) == (Decimal("0.00"),) * 3
    assert (mk.figures.proofs_due, mk.figures.proofs_overdue) == (0, 0)
    hs = body_row(view, "HS")
    assert (hs.label, hs.detail) == ("Kreis Heinsberg", "Köln")
    assert hs.figures.funded_fte == Decimal("5.000")
    assert hs.figures.granted == Decimal("624493.60")
    assert hs.figures.own_share == Decimal("156123.40")
    assert hs.figures.called == Decimal("624493.60")
    assert hs.figures.received == Decimal("624493.60")
    assert view.totals.funded_fte == Decimal("8.000")
    assert view.totals.granted == Decimal("624493.60")


def test_demo_figures_by_district_and_block():
    by_district = land_figures(today=today(), grouping=Grouping.REGIERUNGSBEZIRK)
    assert [(row.label, row.detail) for row in by_district.rows] == [("Köln", "1"), ("Münster", "1")]
    assert by_district.rows[1].figures.funded_fte == Decimal("3.000")
    by_block = land_figures(today=today(), grouping=Grouping.BLOCK)
    case_management = next(row for row in by_block.rows if row.label == "KIM" and row.detail.startswith("2:"))
    assert case_management.figures.funded_fte == Decimal("8.000")  # 5,0 HS + 3,0 MK
    teilhabe = next(row for row in by_block.rows if row.label == "Durchstarten")
    assert teilhabe.figures.granted == Decimal("624493.60")
    assert by_block.totals == by_district.totals == land_figures(today=today()).totals


def test_filters():
    with scopes_disabled():
        kim = Programme.objects.get(short_name="KIM", body__isnull=True)
        mk = Body.objects.get(short_name="MK")
    only_kim = land_figures(today=today(), programme_id=kim.pk)
    assert body_row(only_kim, "HS").figures.granted == Decimal("0.00")  # Teilhabemanagement is Durchstarten's
    assert body_row(only_kim, "HS").figures.funded_fte == Decimal("5.000")
    muenster = land_figures(today=today(), regierungsbezirk=Regierungsbezirk.MUENSTER)
    assert [row.key for row in muenster.rows] == [mk.pk]
    assert land_figures(today=today(), body_id=mk.pk).totals == body_row(muenster, "MK").figures
    block_2 = kim.building_blocks.get(number=2)
    assert land_figures(today=today(), block_id=block_2.pk).totals.funded_fte == Decimal("8.000")


def test_the_page_shows_both_bodies_side_by_side(client, demo):
    login_as(client, "land")
    page = client.get(LAND_URL).content.decode()
    assert "Kreis Heinsberg" in page and "Musterkreis (Demo)" in page
    assert "624.493,60\N{NO-BREAK SPACE}€" in page
    assert "<caption>" in page and 'scope="row"' in page and 'scope="col"' in page
    for holder in holder_names():
        assert holder not in page
    by_block = client.get(LAND_URL, {"grouping": "block"}).content.decode()
    assert "2: Case-Management" in by_block


def holder_names() -> list[str]:
    with scopes_disabled():
        names = list(Assignment.objects.values_list("holder_name", flat=True))
    assert "Erika Mustermann" in names and "Maria Musterfrau" in names  # the demo's, in both bodies
    return names


# --- the export -----------------------------------------------------------------------------------


def all_cells(workbook) -> list:
    return [cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("grouping", Grouping.ALL)
def test_export_names_no_person(client, demo, grouping):
    login_as(client, "land")
    response = client.get(LAND_URL, {"grouping": grouping, "_export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="landesansicht-')
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    texts = [str(value) for value in all_cells(workbook) if value is not None]
    assert texts
    people = holder_names()
    for user in User.objects.all():
        people.append(user.get_full_name())
    for person in people:
        assert not any(person in text for text in texts), person
    usernames = set(User.objects.values_list("username", flat=True))
    assert not usernames & set(texts)


def test_export_has_money_as_numbers(client, demo):
    login_as(client, "land")
    response = client.get(LAND_URL, {"_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[:2] == ["Gebietskörperschaft", "Regierungsbezirk"]
    granted = header.index("Zuwendung") + 1
    heinsberg = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "Kreis Heinsberg")
    cell = heinsberg[granted - 1]
    assert Decimal(str(cell.value)) == Decimal("624493.60")
    assert cell.number_format == MONEY_FORMAT
    totals = [row for row in sheet.iter_rows() if row[0].value == "Summe"]
    assert totals and str(totals[0][granted - 1].value).startswith("=SUM(")


# --- a fixed number of queries --------------------------------------------------------------------


def add_body(number: int) -> None:
    """A body with an organisation, two positions (one held), a decision with a call-off and a proof."""
    body = Body.objects.create(name=f"Testkreis {number}", short_name=f"TK{number}", regierungsbezirk="detmold")
    with scopes_disabled():
        kim = Programme.objects.get(short_name="KIM", body__isnull=True)
        block = kim.building_blocks.get(number=2)
    with scope(body=body.pk):
        organisation = factories.organisation("KI")
        held = factories.position(block, organisation, fte="2.0")
        factories.assignment(held, share="1.5", start=datetime.date(2021, 1, 1))
        factories.position(block, organisation, fte="1.0", status=PositionStatus.VACANT)
        decision = factories.decision(kim)
        decision.building_blocks.set([block])
        factories.version(decision, eligible_expenditure=Decimal("1000.00"), rate=Decimal("80"))
        factories.call_off(decision, amount="500.00")
        factories.proof(decision, due_on=today() - datetime.timedelta(days=3))


@pytest.mark.parametrize("grouping", Grouping.ALL)
def test_queries_do_not_grow_with_the_bodies(client, demo, data_queries, grouping):
    login_as(client, "land")
    url = f"{LAND_URL}?grouping={grouping}"
    add_body(1)
    response, with_three = data_queries(client, url)
    assert response.status_code == 200
    for number in (2, 3, 4):
        add_body(number)
    response, with_six = data_queries(client, url)
    assert response.status_code == 200
    assert "Testkreis 4" in response.content.decode() or grouping != Grouping.BODY
    assert len(with_six) == len(with_three), "\n".join(with_six)
    assert len(with_six) <= 12, "\n".join(with_six)  # 7 for the figures, 3 for the filter, 2 for block names


def test_added_bodies_count(demo):
    before = land_figures(today=today()).totals
    add_body(1)
    after = land_figures(today=today())
    row = next(row for row in after.rows if row.label == "Testkreis 1")
    assert row.figures == Figures(
        funded_fte=Decimal("0.000"),
        position_fte=Decimal("3.000"),
        filled_fte=Decimal("1.500"),
        granted=Decimal("800.00"),
        called=Decimal("500.00"),
        received=Decimal("0.00"),
        own_share=Decimal("200.00"),
        proofs_due=0,
        proofs_overdue=1,
    )
    assert after.totals.granted == before.granted + Decimal("800.00")


# --- property: the Land's totals are the bodies' own --------------------------------------------

money = st.integers(min_value=1, max_value=10_000_000_00)  # cents
fte_milli = st.integers(min_value=1, max_value=5_000)
fraction = st.integers(min_value=0, max_value=1000)  # thousandths
position_spec = st.tuples(
    st.integers(min_value=1, max_value=3),  # KIM block
    fte_milli,
    st.sampled_from(list(PositionStatus.values)),
    st.sampled_from(["open", "ended", "later"]),  # the position's period against today
    st.one_of(st.none(), fraction),  # the held share, if held
    st.booleans(),  # the assignment has ended
)
decision_spec = st.tuples(
    st.lists(st.integers(min_value=1, max_value=3), max_size=3, unique=True),  # its blocks
    money,  # eligible expenditure
    st.integers(min_value=1, max_value=100),  # rate
    fraction,  # third-party funds, of what the grant leaves
    st.one_of(st.none(), fte_milli),  # funded FTE
    st.booleans(),  # an amendment replaced the original
    st.lists(st.tuples(fraction, st.one_of(st.none(), fraction)), max_size=3),  # call-offs: called, received
    st.lists(st.tuples(st.integers(min_value=-200, max_value=200), st.booleans()), max_size=3),  # proofs
)
body_spec = st.tuples(st.lists(position_spec, max_size=5), st.lists(decision_spec, max_size=3))


def make_positions(specs, blocks, day):
    organisation = factories.organisation()
    for block, milli, status, period, held, held_ended in specs:
        start, end = {
            "open": (None, None),
            "ended": (day - datetime.timedelta(days=400), day - datetime.timedelta(days=10)),
            "later": (day + datetime.timedelta(days=10), None),
        }[period]
        fte = Decimal(milli) / 1000
        position = factories.position(blocks[block], organisation, fte=str(fte), status=status, start=start, end=end)
        share = (fte * held / 1000).quantize(Decimal("0.001")) if held is not None else Decimal("0")
        if share > 0:
            assignment_start = start or day - datetime.timedelta(days=300)
            assignment_end = end or (day - datetime.timedelta(days=1) if held_ended else None)
            if assignment_end is not None and assignment_end < assignment_start:
                continue
            factories.assignment(position, share=str(share), start=assignment_start, end=assignment_end)


def make_decisions(specs, kim, blocks, day):
    for block_numbers, eligible_cents, rate, third, funded, amended, call_offs, proofs in specs:
        decision = factories.decision(kim)
        decision.building_blocks.set([blocks[number] for number in block_numbers])
        eligible = Decimal(eligible_cents) / 100
        figures = {"eligible_expenditure": eligible, "rate": Decimal(rate), "financing_type": FinancingType.SHARE}
        if funded is not None:
            figures["funded_fte"] = Decimal(funded) / 1000
        if amended:
            factories.version(decision, number=0, is_current=False, **{**figures, "rate": Decimal("100")})
            version = factories.version(decision, number=1, reason="Änderung", **figures)
        else:
            version = factories.version(decision, **figures)
        left = version.granted_amount
        third_party = ((eligible - left) * third / 1000).quantize(Decimal("0.01"))
        DecisionVersion.objects.filter(pk=version.pk).update(third_party_funds=third_party)
        for called_part, received_part in call_offs:
            amount = (left * called_part / 1000).quantize(Decimal("0.01"))
            if amount <= 0:
                continue
            left -= amount
            received = {}
            if received_part is not None:
                received = {
                    "received_on": datetime.date(2021, 2, 1),
                    "received_amount": (amount * received_part / 1000).quantize(Decimal("0.01")),
                }
            factories.call_off(decision, amount=str(amount), **received)
        for offset, is_open in proofs:
            submitted = {} if is_open else {"report_submitted_on": day, "statement_submitted_on": day}
            factories.proof(decision, due_on=day + datetime.timedelta(days=offset), **submitted)


def own_pages(day) -> Figures:
    """What the body in scope sees on its own pages: the position list's totals, the controlling
    totals, the current versions' totals and funded FTE (the programme summaries), the dashboard's deadlines."""
    positions = listed_positions(day, day.year).totals()
    money_flow = controlling_totals(Programme.objects.all())
    versions = {version.pk: version for s in programme_summaries() for version in s.versions}
    funded = sum((version.funded_fte or 0 for version in versions.values()), Decimal("0.000"))
    _overdue, _due, counts = proof_deadlines(day, listed=1)
    return Figures(
        funded_fte=funded,
        position_fte=positions["assigned"] + positions["vacant"],
        filled_fte=positions["assigned"],
        granted=money_flow["granted"],
        called=money_flow["called"],
        received=money_flow["received"],
        own_share=DecisionVersion.objects.current().totals()["own_share"],
        proofs_due=counts["due"],
        proofs_overdue=counts["overdue"],
    )


class LandTotalsProperty(HypothesisTestCase):
    """For any positions, assignments, decisions, call-offs and proofs in two bodies: the Land's
    totals are the sum of the bodies' rows to the cent (in every grouping), and each body's row is
    what that body's own pages compute in its scope."""

    @settings(max_examples=15, deadline=None)
    @given(first=body_spec, second=body_spec)
    def test_land_rows_are_the_bodies_own_figures(self, first, second):
        day = today()
        with scopes_disabled():
            kim = Programme.objects.get(short_name="KIM", body__isnull=True)
            blocks = {block.number: block for block in kim.building_blocks.all()}
            bodies = {short: Body.objects.get(short_name=short) for short in ("HS", "MK")}
        for short, (positions, decisions) in zip(bodies, (first, second), strict=True):
            with scope(body=bodies[short].pk):
                make_positions(positions, blocks, day)
                make_decisions(decisions, kim, blocks, day)

        view = land_figures(today=day)
        added = Figures()
        for row in view.rows:
            added.add(row.figures)
        assert added == view.totals
        for grouping in (Grouping.REGIERUNGSBEZIRK, Grouping.BLOCK):
            assert land_figures(today=day, grouping=grouping).totals == view.totals
        for short, body in bodies.items():
            with scope(body=body.pk):
                assert body_row(view, short).figures == own_pages(day), short


def test_land_role_has_no_body():
    land = User.objects.get(username="land")
    assert land.role == Role.LAND and land.body_id is None and land.is_land_viewer
