"""Issue 21: financing plans with items, frozen rates, eligibility rules, and the rules a domain
review found wrong (each of those tests failed on the code before the change)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from funding import money, services
from funding.models import (
    CostShare,
    DecisionVersion,
    EligibilityRule,
    FinancingType,
    GrantDecision,
    PlanItem,
)
from programs.models import BuildingBlock, FlatRate
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


def plan_post(decision, rows, *, reason="", existing=0):
    """The plan page's formset as the browser posts it (German number formats)."""
    data = {
        "plan_items-TOTAL_FORMS": str(len(rows)),
        "plan_items-INITIAL_FORMS": str(existing),
        "plan_items-MIN_NUM_FORMS": "0",
        "plan_items-MAX_NUM_FORMS": "200",
        "revision": decision.revision,
        "change_reason": reason,
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"plan_items-{index}-{name}"] = value
    return data


# --- the money rules -------------------------------------------------------------------------


@given(
    amount=st.decimals(min_value=0, max_value=200000, places=2),
    fte=st.decimals(min_value=D("0.001"), max_value=50, places=3),
    start_month=st.integers(1, 12),
    end_month=st.integers(1, 12),
)
def test_started_months_give_the_amounts_as_before(amount, fte, start_month, end_month):
    """Counting whole months gives exactly what the flat rate always gave: rate x FTE x months/12."""
    start, end = datetime.date(2021, start_month, 15), datetime.date(2022, end_month, 3)
    for year in (2021, 2022):
        months = money.months_in_year(start, end, year)
        assert money.per_fte_and_year(amount, fte, start, end, year) == money.round_money(amount * fte * months / 12)


def test_by_day_counts_the_share_of_each_month():
    start, end = datetime.date(2021, 7, 16), datetime.date(2022, 12, 31)
    assert money.month_fraction_in_year(start, end, 2021, money.BY_DAY) == money.Fraction(171, 31)
    assert money.month_fraction_in_year(start, end, 2022, money.BY_DAY) == 12
    # 55.000 x 1,0 x (5 + 16/31) / 12 = 25.282,258... -> 25.282,26
    assert money.per_fte_and_year(D("55000"), D("1"), start, end, 2021, money.BY_DAY) == D("25282.26")
    # counted as started months the whole of July counts: 6/12
    assert money.per_fte_and_year(D("55000"), D("1"), start, end, 2021) == D("27500.00")


@given(days=st.integers(0, 364))
def test_by_day_never_counts_more_than_started_months(days):
    start = datetime.date(2023, 1, 1) + datetime.timedelta(days=days)
    end = datetime.date(2023, 12, 31)
    by_day = money.month_fraction_in_year(start, end, 2023, money.BY_DAY)
    assert 0 < by_day <= money.months_in_year(start, end, 2023)


def test_round_fraction_rounds_half_up_exactly():
    assert money.round_fraction(money.Fraction(1, 200)) == D("0.01")
    assert money.round_fraction(money.Fraction(1, 201)) == D("0.00")
    assert money.round_fraction(money.Fraction(-1, 200)) == D("-0.01")


def test_a_plan_with_two_rates_in_one_block_and_year_a_one_off_amount_and_material_costs():
    """KIM Baustein 1 as DOMAIN.md describes it: coordination and an administrative assistant at
    different rates in one year, a one-off amount per full-time workplace, material costs as %."""
    lines = [
        money.PlanLine(money.PERSONNEL, amount=D("57000"), fte=D("3")),
        money.PlanLine(money.PERSONNEL, amount=D("45000"), fte=D("0.5")),
        money.PlanLine(money.ONE_OFF, amount=D("5700"), fte=D("3.5")),
        money.PlanLine(money.MATERIAL, percent=D("10")),
        money.PlanLine(money.OWN_FUNDS, amount=D("1000")),
    ]
    by_year = money.plan_by_year(lines, datetime.date(2021, 1, 1), datetime.date(2022, 6, 30))
    assert by_year == [
        {2021: D("171000.00"), 2022: D("85500.00")},
        {2021: D("22500.00"), 2022: D("11250.00")},
        {2021: D("19950.00")},
        {2021: D("19350.00"), 2022: D("9675.00")},
        {2021: D("1000.00")},
    ]
    totals = money.plan_totals(lines, by_year)
    assert totals["cost"] == D("339225.00") and totals[money.OWN_FUNDS] == D("1000.00")
    assert money.plan_fte(lines, datetime.date(2021, 1, 1), datetime.date(2022, 6, 30)) == D("3.5")


# --- the plan in the browser -----------------------------------------------------------------


@pytest.fixture
def baustein_1(demo):
    block = factories.building_block()
    decision = factories.decision(block.programme, title="KIM Baustein 1 (Beispiel)")
    decision.building_blocks.add(block)
    services.create_decision(
        decision=decision,
        building_blocks=[block],
        version=DecisionVersion(
            financing_type=FinancingType.FIXED,
            eligible_expenditure=D("300000.00"),
            period_start=datetime.date(2021, 1, 1),
            period_end=datetime.date(2021, 12, 31),
            stated_amount=D("213450.00"),
        ),
    )
    return GrantDecision.objects.get(pk=decision.pk)


def test_administrator_enters_one_letter_with_several_rates_once(baustein_1, login):
    client = login("admin")
    url = reverse("funding:decision-plan", args=[baustein_1.pk])
    assert client.get(url).status_code == 200
    rows = [
        {"kind": "personnel", "label": "Koordinierungsstellen", "fte": "3", "amount": "57.000,00"},
        {"kind": "personnel", "label": "Verwaltungskraft", "fte": "0,5", "amount": "45.000,00"},
        {"kind": "one_off", "label": "Arbeitsplatzausstattung", "fte": "3,5", "amount": "5.700,00"},
    ]
    response = client.post(url, plan_post(baustein_1, rows))
    assert response.status_code == 302, response.content.decode()[:3000]
    version = baustein_1.versions.get()
    # 3 x 57.000 + 0,5 x 45.000 + 3,5 x 5.700 = 171.000 + 22.500 + 19.950
    assert version.plan_amount == D("213450.00")
    assert version.granted_amount == D("213450.00")  # a fixed amount: the plan is the grant
    assert version.funded_fte == D("3.5")
    assert version.eligible_expenditure == D("300000.00")  # the real cost stays as typed
    assert version.stated_difference == 0
    html = client.get(baustein_1.get_absolute_url()).content.decode()
    for text in ("Finanzierungsplan", "Koordinierungsstellen", "171.000,00\xa0€", "22.500,00\xa0€", "19.950,00\xa0€"):
        assert text in html, text
    assert "213.450,00\xa0€" in html
    # Changing an item of the letter now needs a reason, and the history keeps it.
    items = list(version.plan_items.order_by("sort_order", "pk"))
    changed = [
        {"id": items[0].pk, "kind": "personnel", "label": "Koordinierungsstellen", "fte": "2", "amount": "57.000,00"},
        *({"id": item.pk, "kind": item.kind, "label": item.label, "fte": str(item.fte).replace(".", ","),
           "amount": f"{item.amount:.2f}".replace(".", ",")} for item in items[1:]),
    ]  # fmt: skip
    response = client.post(url, plan_post(baustein_1, changed, existing=3))
    assert response.status_code == 200 and "bitte einen Grund angeben" in response.content.decode()
    baustein_1.refresh_from_db()
    response = client.post(url, plan_post(baustein_1, changed, existing=3, reason="Nur 2 Koordinierungsstellen"))
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.granted_amount == D("156450.00")
    assert PlanItem.history.filter(history_change_reason="Nur 2 Koordinierungsstellen").exists()


def test_plan_input_errors_are_german_and_nothing_is_saved(baustein_1, login):
    client = login("admin")
    url = reverse("funding:decision-plan", args=[baustein_1.pk])
    rows = [
        {"kind": "personnel", "label": "ohne VZÄ", "amount": "57.000,00"},
        {"kind": "material", "label": "Sachkosten", "percent": "150"},
        {"kind": "fixed", "label": "Betrag fehlt"},
        {"kind": "personnel", "fte": "abc", "amount": "1.5.0"},
    ]
    response = client.post(url, plan_post(baustein_1, rows))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bitte die VZÄ angeben" in html
    assert "höchstens 100" in html
    assert "Bitte einen Betrag angeben" in html
    assert not PlanItem.objects.filter(version__decision=baustein_1).exists()


def test_a_fixed_amount_above_the_eligible_expenditure_is_refused(baustein_1, login):
    """Domain review: 55.000 € x 2,5 FTE against 100.000 € eligible was saved with an own share of -37.500 €."""
    client = login("admin")
    version = baustein_1.versions.get()
    version.eligible_expenditure = D("100000.00")
    version.save()
    rows = [{"kind": "personnel", "label": "Case-Management", "fte": "2,5", "amount": "55.000,00"}]
    response = client.post(reverse("funding:decision-plan", args=[baustein_1.pk]), plan_post(baustein_1, rows))
    html = response.content.decode()
    assert response.status_code == 200
    assert "übersteigt die zuwendungsfähigen Ausgaben (100.000,00\xa0€) um 37.500,00\xa0€" in html
    version.refresh_from_db()
    assert version.plan_amount is None and not version.plan_items.exists()


def test_a_flat_rate_decision_above_the_eligible_expenditure_is_refused_in_the_form(demo, login):
    client = login("admin")
    block = factories.building_block()
    FlatRate.objects.create(building_block=block, year=2021, amount_per_fte=D("55000.00"))
    data = {
        "programme": block.programme_id,
        "building_blocks": [block.pk],
        "funder": factories.funder().pk,
        "title": "Pauschale über den Ausgaben",
        "form": "zuweisung",
        "financing_type": "flat_rate",
        "funded_fte": "2,5",
        "eligible_expenditure": "100.000,00",
        "period_start": "01.01.2021",
        "period_end": "31.12.2021",
        "month_counting": "started_months",
    }
    response = client.post(reverse("funding:decision-create"), data)
    assert response.status_code == 200
    assert "übersteigt die zuwendungsfähigen Ausgaben (100.000,00\xa0€) um 37.500,00\xa0€" in response.content.decode()
    assert not GrantDecision.objects.filter(title="Pauschale über den Ausgaben").exists()
    # and the service refuses it too (the admin or any other caller)
    with pytest.raises(ValidationError, match="der Eigenanteil würde negativ"):
        services.create_decision(
            decision=GrantDecision(
                programme=block.programme, funder=factories.funder(), title="über", form="zuweisung"
            ),
            building_blocks=[block],
            version=DecisionVersion(
                financing_type=FinancingType.FLAT_RATE,
                funded_fte=D("2.5"),
                eligible_expenditure=D("100000.00"),
                period_start=datetime.date(2021, 1, 1),
                period_end=datetime.date(2021, 12, 31),
            ),
        )


def test_deficit_financing_does_not_count_third_party_money_as_own_share(demo):
    """Domain review: deficit financing counted third-party money as the Kreis' own share."""
    org = factories.organisation()
    block = factories.building_block()
    decision = factories.decision(block.programme)
    decision.building_blocks.add(block)
    factories.position(block, org, fte="1.0")
    version = factories.version(
        decision,
        financing_type=FinancingType.DEFICIT,
        eligible_expenditure=D("100000.00"),
        own_funds=D("10000.00"),
        third_party_funds=D("20000.00"),
    )
    services.resplit(version)
    assert version.granted_amount == D("70000.00")
    assert version.own_share == D("10000.00")  # was 30.000,00: third-party money counted as own
    share = CostShare.objects.get(version=version)
    assert (share.grant_amount, share.third_party_amount, share.own_share) == (
        D("70000.00"),
        D("20000.00"),
        D("10000.00"),
    )
    totals = DecisionVersion.objects.filter(pk=version.pk).totals()
    assert totals["own_share"] == D("10000.00")
    row = GrantDecision.objects.with_figures(datetime.date(2021, 1, 1)).get(pk=decision.pk)
    assert row.own_share == D("10000.00")


def test_over_financing_is_warned_with_its_figures(baustein_1, login):
    client = login("admin")
    rows = [
        {"kind": "fixed", "label": "Festbetrag", "amount": "250.000,00"},
        {"kind": "own_funds", "label": "Eigenmittel des Kreises", "amount": "60.000,00"},
    ]
    response = client.post(reverse("funding:decision-plan", args=[baustein_1.pk]), plan_post(baustein_1, rows))
    assert response.status_code == 302
    html = client.get(baustein_1.get_absolute_url()).content.decode()
    # 250.000 + 60.000 = 310.000 against 300.000 eligible
    assert "Überfinanzierung: Zuwendung (250.000,00\xa0€) und Eigen- und Drittmittel (60.000,00\xa0€)" in html
    assert "um 10.000,00\xa0€" in html


def test_a_negative_coverage_gap_is_shown_as_over_financing(demo, login, settings):
    from django.template.loader import render_to_string

    html = render_to_string("includes/_coverage_gap.html", {"gap": D("-1200.00")})
    assert "Überfinanzierung: -1.200,00\xa0€" in html
    assert render_to_string("includes/_coverage_gap.html", {"gap": D("1200.00")}).strip() == "1.200,00\xa0€"


# --- frozen rates and month counting ------------------------------------------------------------


def test_a_decision_issued_with_master_rates_keeps_them(demo):
    block = factories.building_block()
    FlatRate.objects.create(building_block=block, year=2021, amount_per_fte=D("55000.00"))
    FlatRate.objects.create(building_block=block, year=2022, amount_per_fte=D("55000.00"))
    decision = services.create_decision(
        decision=GrantDecision(programme=block.programme, funder=factories.funder(), title="KIM CM", form="zuweisung"),
        building_blocks=[block],
        version=DecisionVersion(
            financing_type=FinancingType.FLAT_RATE,
            funded_fte=D("5"),
            period_start=datetime.date(2021, 7, 1),
            period_end=datetime.date(2022, 12, 31),
        ),
    )
    version = decision.versions.get()
    assert version.granted_amount == D("412500.00")  # 5 x 55.000 x 6/12 + 5 x 55.000
    assert version.frozen_rates() == {2021: D("55000.00"), 2022: D("55000.00")}
    FlatRate.objects.filter(building_block=block, year=2022).update(amount_per_fte=D("57000.00"))
    # a correction of the FTE recomputes with the frozen rates, not the changed master data
    version.funded_fte = D("4")
    services.update_decision(
        decision=decision, expected_revision=None, version=version, reason="4 VZÄ", decision_changed=False
    )
    version.refresh_from_db()
    assert version.granted_amount == D("330000.00")  # 4 x 55.000 x 6/12 + 4 x 55.000
    assert set(version.plan_items.values_list("fte", flat=True)) == {D("4.000")}


def test_counting_months_by_day_as_the_letter_says(demo):
    block = factories.building_block()
    FlatRate.objects.create(building_block=block, year=2021, amount_per_fte=D("55000.00"))
    decision = services.create_decision(
        decision=GrantDecision(
            programme=block.programme, funder=factories.funder(), title="taggenau", form="zuweisung"
        ),
        building_blocks=[block],
        version=DecisionVersion(
            financing_type=FinancingType.FLAT_RATE,
            funded_fte=D("1"),
            period_start=datetime.date(2021, 7, 16),
            period_end=datetime.date(2021, 12, 31),
            month_counting="by_day",
        ),
    )
    assert decision.versions.get().granted_amount == D("25282.26")


def test_migration_freezes_the_rates_of_existing_flat_rate_decisions_without_changing_a_figure(demo):
    """The data migration's function on today's data: every grant stays to the cent."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("funding.migrations.0007_financing_plan_frozen_rates_eligibility")
    block = factories.building_block()
    FlatRate.objects.create(building_block=block, year=2021, amount_per_fte=D("55000.00"))
    decision = factories.decision(block.programme)
    decision.building_blocks.add(block)
    version = factories.version(
        decision,
        financing_type=FinancingType.FLAT_RATE,
        funded_fte=D("2.5"),
        period_start=datetime.date(2021, 3, 1),
        period_end=datetime.date(2021, 12, 31),
    )
    PlanItem.objects.filter(version=version).delete()  # as before the migration
    before = dict(DecisionVersion.objects.values_list("pk", "granted_amount"))
    migration.freeze_flat_rates(apps, None)
    assert dict(DecisionVersion.objects.values_list("pk", "granted_amount")) == before
    assert version.frozen_rates() == {2021: D("55000.00")}
    FlatRate.objects.filter(building_block=block).update(amount_per_fte=D("60000.00"))
    version.refresh_from_db()
    version.save()
    assert version.granted_amount == before[version.pk] == D("114583.33")  # 2,5 x 55.000 x 10/12
    founding = DecisionVersion.objects.get(decision__title="Teilhabemanagement (Förderbaustein 6)")
    assert (founding.eligible_expenditure, founding.granted_amount, founding.own_share) == (
        D("780617.00"),
        D("624493.60"),
        D("156123.40"),
    )


# --- eligibility rules -----------------------------------------------------------------------------


def test_a_share_below_the_minimum_is_warned_with_its_reason(demo, login):
    """A rule that only shares of at least 0,5 FTE are eligible (Kreis Unna, 2021) could not be stated."""
    block = factories.building_block()
    town = factories.organisation("Bönen")
    decision = factories.decision(block.programme, title="KIM Mittelkreis")
    decision.building_blocks.add(block)
    factories.version(decision)
    factories.position(block, town, fte="0.38", title="Case-Management Bönen")
    client = login("admin")
    response = client.post(
        reverse("funding:decision-rule", args=[decision.pk]),
        {
            "min_fte_per_recipient": "0,5",
            "min_fte_per_position": "",
            "max_fte_per_position": "",
            "max_fte_per_recipient": "",
            "month_counting": "started_months",
            "rate_basis": "funded",
            "source": "Förderrichtlinie KIM",
            "revision": decision.revision,
            "change_reason": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert EligibilityRule.objects.get(decision=decision).min_fte_per_recipient == D("0.5")
    html = client.get(decision.get_absolute_url()).content.decode()
    assert "Bönen hat 0,38 VZÄ; Anteile eines Trägers unter 0,5 VZÄ sind nicht förderfähig (Förderrichtlinie KIM)." in (
        html
    )


def test_a_programme_rule_applies_until_the_decision_has_its_own(demo):
    from funding.eligibility import rules_for

    block = factories.building_block()
    decision = factories.decision(block.programme)
    EligibilityRule.objects.create(programme=block.programme, min_fte_per_position=D("0.5"))
    assert rules_for([decision])[decision.pk].min_fte_per_position == D("0.5")
    EligibilityRule.objects.create(decision=decision, min_fte_per_position=D("0.25"))
    assert rules_for([decision])[decision.pk].min_fte_per_position == D("0.25")
    with pytest.raises(Exception):  # noqa: B017 - the database refuses a rule for both or neither
        EligibilityRule.objects.create()


# --- dates: the letter's date, its receipt, and the version in force ---------------------------------


def test_the_receipt_date_is_not_called_the_letters_date(demo):
    version = DecisionVersion(number=0, received_on=datetime.date(2020, 8, 10))
    assert version.label == "Bescheid, eingegangen am 10.08.2020"
    version.dated_on = datetime.date(2020, 8, 3)
    assert version.label == "Bescheid vom 03.08.2020"


def test_in_force_on_shows_the_letter_valid_that_day_not_what_was_recorded(demo, login):
    decision = factories.decision(title="Bescheid mit Änderung")
    factories.version(decision, dated_on=datetime.date(2021, 1, 10), eligible_expenditure=D("1000.00"), rate=D("80"))
    services.record_amendment(
        decision=decision,
        expected_revision=None,
        reason="Erhöhung",
        figures={"eligible_expenditure": D("2000.00")},
        dated_on=datetime.date(2021, 6, 1),
    )
    client = login("leitung")
    url = reverse("funding:decision-as-of", args=[decision.pk])
    html = client.get(url, {"gilt_am": "15.03.2021"}).content.decode()
    assert "Am 15.03.2021 war in Kraft: Bescheid vom 10.01.2021" in html
    assert "800,00\xa0€" in html
    html = client.get(url, {"gilt_am": "01.06.2021"}).content.decode()
    assert "Am 01.06.2021 war in Kraft: 1. Änderungsbescheid vom 01.06.2021" in html
    assert "1.600,00\xa0€" in html
    html = client.get(url, {"gilt_am": "01.01.2021"}).content.decode()
    assert "war noch kein Bescheid in Kraft" in html
    assert client.get(url, {"gilt_am": "32.13.2021"}).status_code == 200


def test_the_paper_prints_the_plan_as_the_letter_states_it(baustein_1, login):
    import re

    rows = [
        {"kind": "personnel", "label": "Koordinierungsstellen", "fte": "3", "amount": "57.000,00"},
        {"kind": "personnel", "label": "Verwaltungskraft", "fte": "0,5", "amount": "45.000,00"},
        {"kind": "one_off", "label": "Arbeitsplatzausstattung", "fte": "3,5", "amount": "5.700,00"},
    ]
    client = login("admin")
    assert (
        client.post(reverse("funding:decision-plan", args=[baustein_1.pk]), plan_post(baustein_1, rows)).status_code
        == 302
    )
    report = factories.report(title="KIM im Ausschuss", date=datetime.date(2021, 3, 1))
    factories.section(report, 1, heading="KIM", programme=baustein_1.programme)
    html = login("leitung").get(reverse("council:report-preview", args=[report.pk])).content.decode()
    text = re.sub(r"\s+", " ", html)
    assert "Finanzierungsplan laut Bescheid" in text
    for figure in ("171.000,00 €", "22.500,00 €", "19.950,00 €", "213.450,00 €"):
        assert figure in text, figure
    assert "Koordinierungsstellen" in text and "Verwaltungskraft" in text


def test_rule_breaches_are_shown_on_the_controlling_page(demo, login):
    block = factories.building_block()
    decision = factories.decision(block.programme, title="Regel im Controlling")
    decision.building_blocks.add(block)
    factories.version(decision, eligible_expenditure=D("10000.00"), rate=D("80"))
    factories.position(block, factories.organisation("Stadt X"), fte="0.25", title="Fallmanagement X")
    EligibilityRule.objects.create(programme=block.programme, min_fte_per_position=D("0.5"), source="RL Nr. 4")
    html = login("leitung").get(reverse("funding:controlling"), {"programme": block.programme_id}).content.decode()
    assert (
        "Stelle Fallmanagement X (Stadt X) hat 0,25 VZÄ; förderfähig sind erst Stellen ab 0,5 VZÄ (RL Nr. 4)." in html
    )


def test_a_rate_typed_beside_the_rates_taken_from_the_master_data_is_refused(demo, login):
    """Found while entering Kreis Unna's 2023 letter: a typed rate beside the copied one counted twice."""
    block = factories.building_block()
    FlatRate.objects.create(building_block=block, year=2023, amount_per_fte=D("55000.00"))
    decision = services.create_decision(
        decision=GrantDecision(programme=block.programme, funder=factories.funder(), title="Unna", form="zuweisung"),
        building_blocks=[block],
        version=DecisionVersion(
            financing_type=FinancingType.FLAT_RATE,
            funded_fte=D("18"),
            period_start=datetime.date(2023, 1, 1),
            period_end=datetime.date(2023, 12, 31),
        ),
    )
    frozen = decision.versions.get().plan_items.get()
    client = login("admin")
    url = reverse("funding:decision-plan", args=[decision.pk])
    decision.refresh_from_db()
    keep = {
        "id": frozen.pk,
        "kind": "personnel",
        "label": frozen.label,
        "year": "2023",
        "fte": "18",
        "amount": "55.000,00",
    }
    typed = {"kind": "personnel", "label": "laut Bescheid", "fte": "18", "amount": "57.000,00"}
    response = client.post(url, plan_post(decision, [keep, typed], existing=1))
    assert response.status_code == 200
    assert "aus den Stammdaten übernommenen Pauschalen (2023: 55.000,00\xa0€)" in response.content.decode()
    assert decision.versions.get().granted_amount == D("990000.00")
    # Typing the letter's rate into the copied line is entering the letter: no reason asked.
    keep["amount"] = "57.000,00"
    response = client.post(url, plan_post(decision, [keep], existing=1))
    assert response.status_code == 302, response.content.decode()[:2000]
    version = decision.versions.get()
    assert version.granted_amount == D("1026000.00")  # 18 x 57.000
    assert version.funded_fte == D("18")


def test_rule_breaches_are_shown_on_the_position(demo, login):
    block = factories.building_block()
    decision = factories.decision(block.programme, title="Regel an der Stelle")
    decision.building_blocks.add(block)
    factories.version(decision, eligible_expenditure=D("10000.00"), rate=D("80"))
    position = factories.position(block, factories.organisation("Stadt Y"), fte="0.25", title="Fallmanagement Y")
    EligibilityRule.objects.create(decision=decision, min_fte_per_position=D("0.5"), min_fte_per_recipient=D("0.5"))
    html = login("sb-ki").get(reverse("funding:position-financing", args=[position.pk])).content.decode()
    assert "Stelle Fallmanagement Y (Stadt Y) hat 0,25 VZÄ; förderfähig sind erst Stellen ab 0,5 VZÄ." in html
    assert "Stadt Y hat 0,25 VZÄ; Anteile eines Trägers unter 0,5 VZÄ sind nicht förderfähig." in html


def test_the_release_check_names_rule_breaches_and_a_stated_amount_that_differs(demo):
    from integration_admin.council.checks import release_findings
    from integration_admin.council.snapshot import build_snapshot

    block = factories.building_block()
    decision = factories.decision(block.programme, title="Freigabe mit Regel")
    decision.building_blocks.add(block)
    factories.version(decision, eligible_expenditure=D("10000.00"), rate=D("80"), stated_amount=D("8100.00"))
    factories.position(block, factories.organisation("Stadt Z"), fte="0.25", title="Fallmanagement Z")
    EligibilityRule.objects.create(decision=decision, min_fte_per_position=D("0.5"))
    report = factories.report(title="Freigabeprüfung")
    factories.section(report, 1, heading="Programm", programme=block.programme)
    findings = " ".join(release_findings(report, build_snapshot(report)))
    assert (
        "Freigabe mit Regel: Stelle Fallmanagement Z (Stadt Z) hat 0,25 VZÄ; förderfähig sind erst Stellen ab 0,5"
        in (findings)
    )
    assert (
        "Der Betrag laut Bescheid (8.100,00\xa0€) weicht um 100,00\xa0€ vom berechneten Betrag (8.000,00\xa0€) ab."
        in (findings)
    )


# --- found by an independent review ------------------------------------------------------------------


def flat_rate_decision(block, fte="18", year=2023):
    FlatRate.objects.update_or_create(building_block=block, year=year, defaults={"amount_per_fte": D("57000.00")})
    return services.create_decision(
        decision=GrantDecision(
            programme=block.programme, funder=factories.funder(), title="Pauschale", form="zuweisung"
        ),
        building_blocks=[block],
        version=DecisionVersion(
            financing_type=FinancingType.FLAT_RATE,
            funded_fte=D(fte),
            period_start=datetime.date(year, 1, 1),
            period_end=datetime.date(year, 12, 31),
        ),
    )


def test_a_third_party_line_does_not_stop_the_rates_being_frozen(demo, login):
    block = factories.building_block()
    decision = flat_rate_decision(block)
    client = login("admin")
    frozen = decision.versions.get().plan_items.get()
    rows = [
        {"id": frozen.pk, "kind": "personnel", "label": frozen.label, "year": "2023", "fte": "18",
         "amount": "57.000,00", "sort_order": "2023"},
        {"kind": "third_party", "label": "Stiftung", "amount": "10.000,00"},
    ]  # fmt: skip
    decision.refresh_from_db()
    url = reverse("funding:decision-plan", args=[decision.pk])
    assert client.post(url, plan_post(decision, rows, existing=1)).status_code == 302
    taken = services.record_amendment(
        decision=decision, expected_revision=None, reason="neu", figures={}, take_master_rates=True
    )
    assert taken.frozen_rates() == {2023: D("57000.00")}
    FlatRate.objects.filter(building_block=block).update(amount_per_fte=D("60000.00"))
    services.fill_missing_flat_rates(building_block_id=block.pk, year=2023)
    taken.refresh_from_db()
    assert taken.granted_amount == D("1026000.00")  # not 18 x 60.000


def test_a_frozen_rate_cannot_be_removed_to_let_the_master_data_back(demo, login):
    block = factories.building_block()
    decision = flat_rate_decision(block)
    FlatRate.objects.filter(building_block=block).update(amount_per_fte=D("60000.00"))
    frozen = decision.versions.get().plan_items.get()
    row = {"id": frozen.pk, "kind": "personnel", "label": frozen.label, "year": "2023", "fte": "18",
           "amount": "57.000,00", "sort_order": "2023", "DELETE": "on"}  # fmt: skip
    client = login("admin")
    url = reverse("funding:decision-plan", args=[decision.pk])
    response = client.post(url, plan_post(decision, [row], existing=1))
    assert response.status_code == 200 and "bitte einen Grund angeben" in response.content.decode()
    decision.refresh_from_db()
    response = client.post(url, plan_post(decision, [row], existing=1, reason="weg"))
    assert "Für 2023 stünde keine Pauschale mehr im Plan" in response.content.decode()
    assert decision.versions.get().granted_amount == D("1026000.00")


def test_a_plan_too_large_to_store_is_refused(baustein_1, login):
    rows = [{"kind": "personnel", "label": "Nullen zu viel", "fte": "18", "amount": "57.000.000.000,00"}]
    response = login("admin").post(reverse("funding:decision-plan", args=[baustein_1.pk]), plan_post(baustein_1, rows))
    assert response.status_code == 200
    assert "zu groß" in response.content.decode()
    assert baustein_1.versions.get().plan_amount is None
    assert login("leitung").get(baustein_1.get_absolute_url()).status_code == 200


def test_an_amendment_keeps_what_the_plan_states(baustein_1, login):
    client = login("admin")
    rows = [{"kind": "fixed", "label": "Festbetrag", "amount": "200.000,00"},
            {"kind": "personnel", "label": "Koordination", "fte": "2,5", "amount": "10,00"}]  # fmt: skip
    assert (
        client.post(reverse("funding:decision-plan", args=[baustein_1.pk]), plan_post(baustein_1, rows)).status_code
        == 302
    )
    baustein_1.refresh_from_db()
    response = client.post(
        reverse("funding:decision-amend", args=[baustein_1.pk]),
        {
            "reason": "Zeitraum verlängert",
            "dated_on": "01.06.2021",
            "financing_type": "fixed",
            "eligible_expenditure": "300.000,00",
            "period_start": "01.01.2021",
            "period_end": "31.12.2021",
            "month_counting": "started_months",
            "revision": baustein_1.revision,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    new = baustein_1.versions.get(is_current=True)
    assert new.number == 1 and new.funded_fte == D("2.5") and new.plan_items.count() == 2
    assert new.granted_amount == D("200025.00")


def test_resource_lines_count_for_every_financing_type(demo, login):
    block = factories.building_block()
    decision = factories.decision(block.programme, title="Anteil mit Drittmitteln")
    decision.building_blocks.add(block)
    version = factories.version(
        decision, eligible_expenditure=D("100000.00"), rate=D("90"),
        period_start=datetime.date(2021, 1, 1), period_end=datetime.date(2021, 12, 31),
    )  # fmt: skip
    rows = [{"kind": "fixed", "label": "Sachausgaben", "amount": "100.000,00"},
            {"kind": "third_party", "label": "Stiftung", "amount": "20.000,00"}]  # fmt: skip
    client = login("admin")
    assert (
        client.post(reverse("funding:decision-plan", args=[decision.pk]), plan_post(decision, rows)).status_code == 302
    )
    version.refresh_from_db()
    assert version.third_party_funds == D("20000.00")
    assert "Überfinanzierung" in client.get(decision.get_absolute_url()).content.decode()


def test_lines_that_would_count_as_nothing_are_refused(baustein_1, login):
    client = login("admin")
    url = reverse("funding:decision-plan", args=[baustein_1.pk])
    rows = [{"kind": "fixed", "label": "später", "amount": "5.000,00", "year": "2030"}]
    assert (
        "fällt in kein Jahr des Bewilligungszeitraums (2021–2021)"
        in client.post(url, plan_post(baustein_1, rows)).content.decode()
    )
    rows = [{"kind": "material", "label": "Sachkosten", "percent": "10"}]
    assert "findet keine Personalkosten" in client.post(url, plan_post(baustein_1, rows)).content.decode()
    assert not PlanItem.objects.filter(version__decision=baustein_1).exists()


def test_the_figures_form_locks_only_what_the_plan_states(baustein_1, login):
    from funding.forms import VersionFiguresForm

    version = baustein_1.versions.get()
    PlanItem.objects.create(version=version, kind="fixed", label="Festbetrag", amount=D("1000"))
    form = VersionFiguresForm(instance=version)
    assert form.fields["unit_amount"].disabled and not form.fields["funded_fte"].disabled
    assert not form.fields["eligible_expenditure"].disabled  # a fixed amount's real cost is typed


def test_in_force_goes_by_the_receipt_of_the_letter(demo):
    versions = [
        DecisionVersion(number=0, dated_on=datetime.date(2021, 1, 4)),
        DecisionVersion(number=1, dated_on=datetime.date(2021, 5, 28), received_on=datetime.date(2021, 6, 3)),
    ]
    assert GrantDecision.version_in_force(datetime.date(2021, 6, 1), versions).number == 0
    assert GrantDecision.version_in_force(datetime.date(2021, 6, 3), versions).number == 1


def test_a_flat_rate_letter_shows_its_grant_per_year(demo, login):
    block = factories.building_block()
    decision = flat_rate_decision(block, fte="2")
    html = login("leitung").get(decision.get_absolute_url()).content.decode()
    assert "114.000,00\xa0€" in html  # 2 x 57.000 in 2023, the row "Zuwendung"


def test_the_administrator_keeps_a_programmes_rule_in_the_app(demo, login):
    block = factories.building_block()
    client = login("admin")
    assert "Förderregel des Programms bearbeiten" in client.get(block.programme.get_absolute_url()).content.decode()
    response = client.post(
        reverse("funding:programme-rule", args=[block.programme_id]),
        {"min_fte_per_recipient": "0,5", "month_counting": "by_day", "rate_basis": "filled", "source": "RL 5.2"},
    )
    assert response.status_code == 302
    rule = EligibilityRule.objects.get(programme=block.programme)
    assert (rule.min_fte_per_recipient, rule.month_counting) == (D("0.5"), "by_day")
    assert (
        "Förderregel des Programms bearbeiten"
        not in login("leitung").get(block.programme.get_absolute_url()).content.decode()
    )


def test_the_decision_form_previews_the_grant_while_it_is_typed(demo, login):
    """Issue 25: the computed grant shown before saving (htmx posts the form to the preview)."""
    client = login("admin")
    html = client.get(reverse("funding:decision-create")).content.decode()
    assert 'hx-post="/decisions/grant-preview/"' in html and 'aria-live="polite"' in html
    url = reverse("funding:grant-preview")
    figures = {
        "financing_type": "share",
        "eligible_expenditure": "780.617,00",
        "rate": "80",
        "stated_amount": "624.493,60",
        "month_counting": "started_months",
    }
    html = client.post(url, figures).content.decode()
    assert "Zuwendung nach diesen Angaben: 624.493,60\xa0€" in html and "Eigenanteil 156.123,40\xa0€" in html
    assert "Stimmt mit dem Betrag laut Bescheid überein." in html
    html = client.post(url, {**figures, "stated_amount": "624.493,00"}).content.decode()
    assert "weicht um -0,60\xa0€ ab" in html
    # with the building blocks ticked (their flat rates count), as the form sends them
    block = BuildingBlock.objects.get(programme__short_name="Durchstarten", number=6)
    html = client.post(url, {**figures, "building_blocks": [block.pk]}).content.decode()
    assert "Zuwendung nach diesen Angaben: 624.493,60\xa0€" in html
    html = client.post(url, {**figures, "rate": "abc"}).content.decode()
    assert "Noch nicht berechenbar:" in html
    html = client.post(url, {"financing_type": "share"}).content.decode()
    assert "es fehlt: zuwendungsfähige Ausgaben, Fördersatz in %" in html
    assert (
        not DecisionVersion.objects.filter(eligible_expenditure=D("780617.00"))
        .exclude(decision__title="Teilhabemanagement (Förderbaustein 6)")
        .exists()
    )
    founding = GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")
    html = client.get(reverse("funding:decision-update", args=[founding.pk])).content.decode()
    assert f'hx-post="/decisions/grant-preview/?decision={founding.pk}"' in html
    assert login("leitung").post(url, figures).status_code == 403
