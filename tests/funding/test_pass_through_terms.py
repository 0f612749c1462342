"""Pass-through terms (issue 21): a cap per FTE and year, actual personnel cost up to it, and the
Kreis' own top-up per FTE and year, per recipient and year; flagged with the amount to claim back
when an amendment lowers the recipient's share below what was passed on; in the committee paper.

The worked case follows Kreis Heinsberg (2021, KIM): the flat rate passed on to DRK and Diakonie
"in Höhe der tatsächlichen Personalkosten, max. 55.000 EUR je VZÄ", plus 5.000 EUR per FTE and
year from the Kreis' own budget. Titles, codes and amounts of the records here are this test's own.
"""

import copy
import datetime
import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from funding import money, services
from funding.controlling import controlling_overview
from funding.models import FinancingType, PassThrough
from integration_admin.council import services as council_services
from integration_admin.council.documents import PAPER_TEMPLATE, paper_context
from integration_admin.council.snapshot import build_snapshot, decode, encode
from integration_admin.models import User
from staffing.models import Organisation, OrganisationKind
from tests import factories

NBSP = "\N{NO-BREAK SPACE}"
START, END = datetime.date(2021, 7, 1), datetime.date(2022, 12, 31)

amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999999.99"), places=2)
per_fte = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("999999.99"), places=2)
ftes = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99.999"), places=3)
days = st.dates(min_value=datetime.date(2015, 1, 1), max_value=datetime.date(2035, 12, 31))


def euro(text: str) -> str:
    return f"{text}{NBSP}€"


def paper_text(html: str) -> str:
    """The paper's HTML with every run of white space (no-break spaces too) as one space."""
    return re.sub(r"\s+", " ", html)


def on_paper(text: str) -> str:
    return f"{text} €"


# --- the money functions ---------------------------------------------------------------------


def test_heinsberg_terms_by_year():
    rows = money.pass_through_by_year(
        amount=Decimal("82500.00"),
        start=START,
        end=END,
        fte=Decimal("1.0"),
        max_per_fte=Decimal("55000.00"),
        top_up_per_fte=Decimal("5000.00"),
    )
    assert [(r["year"], r["months"], r["cap"], r["passed_on"], r["top_up"], r["total"]) for r in rows] == [
        (2021, 6, Decimal("27500.00"), Decimal("27500.00"), Decimal("2500.00"), Decimal("30000.00")),
        (2022, 12, Decimal("55000.00"), Decimal("55000.00"), Decimal("5000.00"), Decimal("60000.00")),
    ]


def test_a_contract_counting_by_day_caps_part_years_by_their_days():
    """16.07.–31.12.2021 is 5 + 16/31 months: 55.000 € x 1,0 VZÄ gives 25.282,26 € (as the plan does)."""
    pass_through = PassThrough(
        amount=Decimal("80282.26"),
        period_start=datetime.date(2021, 7, 16),
        period_end=datetime.date(2022, 12, 31),
        funded_fte=Decimal("1.0"),
        max_per_fte=Decimal("55000.00"),
        top_up_per_fte=Decimal("6000.00"),
        month_counting="by_day",
    )
    rows = [(r["year"], r["months"], r["cap"], r["passed_on"], r["top_up"]) for r in pass_through.by_year]
    assert rows == [
        (2021, Decimal("5.52"), Decimal("25282.26"), Decimal("25282.26"), Decimal("2758.06")),
        (2022, 12, Decimal("55000.00"), Decimal("55000.00"), Decimal("6000.00")),
    ]
    assert pass_through.cap == Decimal("80282.26")
    pass_through.month_counting = "started_months"  # July counts in full: 6 months
    assert pass_through.cap == Decimal("82500.00")


def test_amount_without_a_cap_is_split_by_months():
    assert money.amount_by_year(Decimal("100.00"), START, END) == {2021: Decimal("33.33"), 2022: Decimal("66.67")}


def test_claim_back():
    assert money.claim_back(Decimal("82500.00"), Decimal("75000.00")) == Decimal("7500.00")
    assert money.claim_back(Decimal("70000.00"), Decimal("75000.00")) == Decimal("0.00")
    assert money.claim_back(Decimal("100.00"), Decimal("-5.00")) == Decimal("100.00")


@settings(max_examples=1000)
@given(
    start=days,
    length=st.integers(min_value=0, max_value=2000),
    fte=ftes,
    max_per_fte=st.none() | per_fte,
    top_up=st.none() | per_fte,
    fraction=st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4),
    free_amount=amounts,
)
def test_years_add_up_and_are_never_negative(start, length, fte, max_per_fte, top_up, fraction, free_amount):
    end = start + datetime.timedelta(days=length)
    if max_per_fte is not None:  # the amount is within the cap, as PassThrough.clean requires
        cap = money.per_fte_cap(max_per_fte, fte, start, end)
        amount = (cap * fraction).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    else:
        amount = free_amount
    rows = money.pass_through_by_year(
        amount=amount, start=start, end=end, fte=fte, max_per_fte=max_per_fte, top_up_per_fte=top_up
    )
    assert [r["year"] for r in rows] == list(range(start.year, end.year + 1))
    assert sum(r["passed_on"] for r in rows) == amount
    assert sum(r["months"] for r in rows) == money.months_in_period(start, end)
    for row in rows:
        assert row["passed_on"] >= 0 and row["top_up"] >= 0
        assert row["total"] == row["passed_on"] + row["top_up"]
        assert row["passed_on"] == row["passed_on"].quantize(Decimal("0.01"))
        if max_per_fte is not None:
            assert row["passed_on"] <= row["cap"]  # no year gets more than its cap
    # Each year is rounded on its own: within half a cent per year of the exact yearly amounts.
    # (Divided by 12 last: 4/12 first would round 1,50 x 0,15 x 4/12 = 0,075 to 0,0749999...)
    months = money.months_in_period(start, end)
    if max_per_fte is not None:
        assert abs(sum(r["cap"] for r in rows) - max_per_fte * fte * months / 12) <= Decimal("0.005") * len(rows)
    if top_up is not None:
        assert abs(sum(r["top_up"] for r in rows) - top_up * fte * months / 12) <= Decimal("0.005") * len(rows)


@settings(max_examples=500)
@given(
    passed_on=amounts,
    ceiling=st.decimals(min_value=Decimal("-999999.99"), max_value=Decimal("99999999.99"), places=2),
)
def test_claim_back_is_never_negative_and_leaves_at_most_the_ceiling(passed_on, ceiling):
    back = money.claim_back(passed_on, ceiling)
    assert back >= 0
    assert passed_on - back <= max(ceiling, Decimal("0"))
    assert back <= passed_on


# --- the Heinsberg-like decision --------------------------------------------------------------


@pytest.fixture
def heinsberg(demo):
    """A KIM-like decision of 220.000,00 € (100 % of 220.000,00 eligible), split 1,0 FTE KI and
    1,0 FTE to a welfare organisation, 01.07.2021-31.12.2022; the welfare organisation's part
    (110.000,00) is passed on to it at most 55.000 € per FTE and year, plus 5.000 € per FTE and year
    from the Kreis' own budget."""
    programme = factories.programme("PT-HS", name="Weiterleitungsprogramm Heinsberg-artig")
    block = factories.building_block(programme, 1, title="Fallmanagement")
    ki = Organisation.objects.get(short_name="KI")
    welfare = factories.organisation("DRK-PT", name="DRK Kreisverband (Test)", kind=OrganisationKind.WELFARE)
    factories.position(block, ki, fte="1.0")
    factories.position(block, welfare, fte="1.0")
    decision = factories.decision(programme, title="Fallmanagement Weiterleitung")
    decision.building_blocks.set([block])
    version = factories.version(
        decision,
        financing_type=FinancingType.SHARE,
        eligible_expenditure=Decimal("220000.00"),
        rate=Decimal("100"),
        period_start=START,
        period_end=END,
    )
    services.split_cost_shares(version=version, weights={ki: Decimal("1.0"), welfare: Decimal("1.0")})
    return decision, welfare


def pass_through_data(recipient, **fields):
    data = {
        "recipient": recipient.pk,
        "form": "zuschuss",
        "amount": "82.500,00",
        "decided_on": "",
        "period_start": "01.07.2021",
        "period_end": "31.12.2022",
        "funded_fte": "1,0",
        "max_per_fte": "55.000,00",
        "actual_cost_basis": "on",
        "top_up_per_fte": "5.000,00",
        "conditions": "in Höhe der tatsächlichen Personalkosten, max. 55.000 EUR je VZÄ",
    }
    data.update(fields)
    return data


def test_entered_in_the_browser_and_shown_per_year(heinsberg, login):
    decision, welfare = heinsberg
    client = login("admin")
    response = client.post(reverse("funding:passthrough-create", args=[decision.pk]), pass_through_data(welfare))
    assert response.status_code == 302
    item = PassThrough.objects.get(decision=decision)
    assert item.top_up_per_fte == Decimal("5000.00") and item.cap == Decimal("82500.00")
    assert [(r["year"], r["passed_on"], r["top_up"], r["total"]) for r in item.by_year] == [
        (2021, Decimal("27500.00"), Decimal("2500.00"), Decimal("30000.00")),
        (2022, Decimal("55000.00"), Decimal("5000.00"), Decimal("60000.00")),
    ]
    assert item.top_up_total == Decimal("7500.00") and item.recipient_total == Decimal("90000.00")

    html = client.get(decision.get_absolute_url()).content.decode()
    for figure in ("27.500,00", "2.500,00", "30.000,00", "55.000,00", "5.000,00", "60.000,00", "7.500,00", "90.000,00"):
        assert euro(figure) in html, figure
    assert "Zuschuss des Kreises (Eigenmittel)" in html and "weitergeleitete Landesmittel" in html
    assert "zurückzufordern" not in html  # within the share
    # The form shows the top-up in German format.
    form = client.get(reverse("funding:passthrough-update", args=[item.pk])).content.decode()
    assert 'value="5000,00"' in form and "Zuschuss des Kreises je VZÄ und Jahr (Eigenmittel)" in form


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"top_up_per_fte": "-1"}, "nicht negativ"),
        ({"top_up_per_fte": "abc"}, "Zahl"),
        ({"top_up_per_fte": "5.000,00", "max_per_fte": "", "funded_fte": ""}, "Zuschuss je VZÄ und Jahr"),
    ],
)
def test_bad_top_ups_get_german_messages(heinsberg, login, fields, message):
    decision, welfare = heinsberg
    response = login("admin").post(
        reverse("funding:passthrough-create", args=[decision.pk]), pass_through_data(welfare, **fields)
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not PassThrough.objects.filter(decision=decision).exists()


def test_database_refuses_a_negative_top_up(heinsberg):
    decision, welfare = heinsberg
    with pytest.raises(IntegrityError), transaction.atomic():
        PassThrough.objects.create(
            decision=decision, recipient=welfare, amount=Decimal("1.00"), top_up_per_fte=Decimal("-1.00")
        )


def save(decision, welfare, **fields) -> PassThrough:
    values = {
        "amount": Decimal("82500.00"),
        "period_start": START,
        "period_end": END,
        "funded_fte": Decimal("1.0"),
        "max_per_fte": Decimal("55000.00"),
        "actual_cost_basis": True,
        "top_up_per_fte": Decimal("5000.00"),
    }
    values.update(fields)
    return services.save_pass_through(pass_through=PassThrough(decision=decision, recipient=welfare, **values))


def lower_the_grant(decision):
    """An amendment: eligible 150.000,00 at 100 %, the welfare organisation's part 75.000,00."""
    decision.refresh_from_db()
    return services.record_amendment(
        decision=decision,
        expected_revision=decision.revision,
        reason="Teilaufhebung wegen Minderausgaben",
        figures={"eligible_expenditure": Decimal("150000.00")},
    )


def test_amendment_lowering_the_share_flags_the_pass_through_and_computes_the_claim_back(heinsberg, login):
    decision, welfare = heinsberg
    save(decision, welfare)
    version = lower_the_grant(decision)
    assert version.cost_shares.get(organisation=welfare).grant_amount == Decimal("75000.00")

    html = login("admin").get(decision.get_absolute_url()).content.decode()
    assert (
        f"Weiterleitung an DRK-PT: weitergeleitet sind {euro('82.500,00')}, nach der geltenden Fassung stehen "
        f"höchstens {euro('75.000,00')} zu. {euro('7.500,00')} sind zurückzufordern."
    ) in html
    assert "alert-danger" in html
    assert f"Von Weiterleitungen zurückzufordern: {euro('7.500,00')}" in html

    # The controlling overview names it too.
    [row] = controlling_overview(programme_ids=[decision.programme_id])
    assert row.decisions[0].claim_back == Decimal("7500.00") and row.claim_back == Decimal("7500.00")
    page = login("admin").get(reverse("funding:controlling"), {"programme": decision.programme_id})
    text = page.content.decode()
    assert f"zurückzufordern: {euro('7.500,00')}" in text and "Weiterleitung an DRK-PT" in text


def test_without_a_share_the_ceiling_is_the_grant_less_other_pass_throughs(heinsberg):
    decision, welfare = heinsberg
    diakonie = factories.organisation("DIAK-PT", name="Diakonie (Test)", kind=OrganisationKind.WELFARE)
    save(decision, welfare, amount=Decimal("82500.00"))
    save(decision, diakonie, amount=Decimal("100000.00"), max_per_fte=None, top_up_per_fte=None)
    lower_the_grant(decision)  # grant 150.000,00; the welfare organisation's part 75.000,00
    [row] = controlling_overview(programme_ids=[decision.programme_id])
    by_recipient = {p.recipient.short_name: p for p in row.decisions[0].pass_throughs}
    # DRK-PT has a part of the grant: its ceiling is that part.
    assert by_recipient["DRK-PT"].ceiling == Decimal("75000.00")
    assert by_recipient["DRK-PT"].claim_back == Decimal("7500.00")
    # The Diakonie has none: the grant less what the others got (150.000,00 - 82.500,00).
    assert by_recipient["DIAK-PT"].ceiling == Decimal("67500.00")
    assert by_recipient["DIAK-PT"].claim_back == Decimal("32500.00")


def test_over_called_grant_shows_zero_available_and_the_repayment(heinsberg, login):
    decision, _welfare = heinsberg
    factories.call_off(decision, amount="200000.00", called_on=datetime.date(2021, 8, 1))
    lower_the_grant(decision)
    html = login("admin").get(decision.get_absolute_url()).content.decode()
    assert "-50.000,00" not in html and "−50.000,00" not in html
    assert f"zu viel abgerufen: {euro('50.000,00')} zurückzuzahlen" in html
    assert f"{euro('50.000,00')} sind zu viel abgerufen, Rückzahlung prüfen" in html
    page = login("admin").get(reverse("funding:controlling"), {"programme": decision.programme_id})
    text = page.content.decode()
    assert "-50.000,00" not in text and "−50.000,00" not in text
    assert f"zu viel abgerufen: {euro('50.000,00')} zurückzuzahlen" in text


# --- the committee paper ----------------------------------------------------------------------


def paper_for(decision):
    report = factories.report(title="Weiterleitungen im Ausschuss", date=datetime.date(2023, 3, 1))
    factories.section(report, 1, heading="Fallmanagement", programme=decision.programme)
    return report


def test_paper_shows_what_is_passed_on_and_the_kreis_top_up(heinsberg, login):
    decision, welfare = heinsberg
    save(decision, welfare)
    report = paper_for(decision)
    html = paper_text(login("leitung").get(reverse("council:report-preview", args=[report.pk])).content.decode())
    assert "Weiterleitungen und Zuschüsse des Kreises je Empfänger und Jahr" in html
    assert "weitergeleitete Landesmittel" in html and "Zuschuss des Kreises (Eigenmittel)" in html
    for figure in ("27.500,00", "55.000,00", "82.500,00", "2.500,00", "5.000,00", "7.500,00", "30.000,00", "90.000,00"):
        assert on_paper(figure) in html, figure
    assert f"Weitergeleitet an DRK-PT: {on_paper('82.500,00')}" in html

    snapshot = build_snapshot(report)
    table = snapshot["finance"]["pass_throughs"]
    assert table["years"] == [2021, 2022]
    [row] = table["rows"]
    assert row["passed_on"] == [Decimal("27500.00"), Decimal("55000.00")]
    assert row["top_up"] == [Decimal("2500.00"), Decimal("5000.00")]
    assert row["totals"] == [Decimal("30000.00"), Decimal("60000.00")]
    assert (table["passed_on_total"], table["top_up_total"], table["total"]) == (
        Decimal("82500.00"),
        Decimal("7500.00"),
        Decimal("90000.00"),
    )

    # Released, the figures are frozen with the paper.
    released = council_services.release_report(
        report=report, user=User.objects.get(username="leitung"), render=lambda snapshot: b"%PDF-1.7 x"
    )
    PassThrough.objects.filter(decision=decision).update(top_up_per_fte=Decimal("1000.00"))
    frozen = paper_text(render_to_string(PAPER_TEMPLATE, paper_context(decode(released.snapshot))))
    assert (
        on_paper("7.500,00") in frozen
        and on_paper("1.500,00") not in frozen
        and "Zuschuss des Kreises (Eigenmittel)" in frozen
    )


def test_a_paper_released_before_these_figures_still_renders(heinsberg):
    decision, welfare = heinsberg
    save(decision, welfare)
    old = copy.deepcopy(build_snapshot(paper_for(decision)))
    # What a snapshot stored before the pass-through figures looked like.
    del old["finance"]["pass_throughs"]
    for section in old["sections"]:
        if section["programme"]:
            for item in section["programme"]["decisions"]:
                del item["pass_throughs"]
    html = paper_text(render_to_string(PAPER_TEMPLATE, paper_context(decode(encode(old)))))
    assert "Finanzielle Auswirkungen" in html and on_paper("220.000,00") in html
    assert "Weiterleitungen und Zuschüsse des Kreises" not in html and "Weitergeleitet an" not in html


def test_founding_example_keeps_its_figures(demo):
    from funding.models import GrantDecision

    decision = GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")
    version = decision.current_version()
    assert (version.granted_amount, version.eligible_expenditure, version.own_share) == (
        Decimal("624493.60"),
        Decimal("780617.00"),
        Decimal("156123.40"),
    )
    [item] = PassThrough.objects.of_decisions([decision.pk])
    assert item.top_up_per_fte is None and item.top_up_total == Decimal("0.00")


def test_a_new_split_lowering_the_recipients_part_flags_it_too(heinsberg, login):
    decision, welfare = heinsberg
    save(decision, welfare)
    decision.refresh_from_db()
    services.set_cost_share_weights(
        decision=decision,
        expected_revision=decision.revision,
        weights={Organisation.objects.get(short_name="KI"): Decimal("3"), welfare: Decimal("1")},
        reason="Neue Aufteilung",
    )
    html = login("admin").get(decision.get_absolute_url()).content.decode()
    # The welfare organisation's part is now 220.000,00 / 4 = 55.000,00.
    assert f"höchstens {euro('55.000,00')} zu. {euro('27.500,00')} sind zurückzufordern." in html


def test_the_as_of_view_shows_the_terms_as_recorded(heinsberg, login):
    decision, welfare = heinsberg
    save(decision, welfare)
    lower_the_grant(decision)
    url = reverse("funding:decision-as-of", args=[decision.pk])
    html = login("admin").get(url, {"stand": datetime.date.today().strftime("%d.%m.%Y")}).content.decode()
    assert euro("2.500,00") in html and euro("7.500,00") in html
    assert f"zurückzufordern: {euro('7.500,00')}" in html  # (the as-of page lists no warnings)
