"""Positions against the grant (funding.coverage): funded, planned and filled FTE month by month."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from funding.coverage import decision_coverage, month_spans, with_coverage_rows
from funding.models import DecisionVersion, FinancingType, GrantDecision
from programs.models import BuildingBlock, FlatRate
from staffing.models import PositionStatus
from tests import factories

D = datetime.date


@pytest.fixture
def founding(demo):
    return GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")


def coverage_of(decision, **kwargs):
    return decision_coverage(DecisionVersion.objects.filter(decision=decision, is_current=True), **kwargs)[decision.pk]


def drk_extra(founding, **fields):
    """The caseworker's new 0,75 FTE DRK position in block 6 (issue 21)."""
    block = founding.building_blocks.get(number=6)
    fields.setdefault("title", "Teilhabemanagement Zusatz")
    return factories.position(block, factories.organisation("DRK"), fte="0.75", **fields)


def test_the_founding_example_has_no_over_staffing(founding):
    coverage = coverage_of(founding)
    # No recorded start of the grant period: its months start with the letter received on 10.08.2020.
    assert coverage.start_assumed and coverage.start == D(2020, 8, 10) and coverage.month_count == 29
    by_name = {org.name: org for org in coverage.organisations}
    assert set(by_name) == {"DRK", "KI"}
    assert by_name["KI"].funded_range == (Decimal("1.5"), Decimal("1.5"))
    assert by_name["DRK"].funded_range == (Decimal("1.0"), Decimal("1.0"))
    assert by_name["KI"].planned_range == (Decimal("1.5"), Decimal("1.5"))
    assert coverage.warnings() == []
    # The demo's holders start in September and October 2020: vacancies, as information.
    assert by_name["KI"].vacant_fte_months == Decimal("2.0")  # 1,5 in August, 0,5 in September
    assert by_name["DRK"].vacant_fte_months == Decimal("1.0")  # August (the holder starts 15.09.)
    assert coverage.at_risk is None  # share financing: nothing paid per filled FTE


def test_an_extra_drk_position_is_over_staffing_in_the_months_it_runs(founding):
    drk_extra(founding, start=D(2021, 3, 15), end=D(2021, 10, 31))
    coverage = coverage_of(founding)
    drk = next(org for org in coverage.organisations if org.name == "DRK")
    over = drk.over_months
    assert [m.month for m in over] == [D(2021, month, 1) for month in range(3, 11)]
    assert {m.over for m in over} == {Decimal("0.75")}
    assert drk.max_over == Decimal("0.75")
    [warning] = coverage.warnings()
    assert warning == (
        "DRK: Die Stellen haben bis zu 1,75 VZÄ, gefördert sind 1,0 VZÄ; 0,75 VZÄ zu viel in 8 Monaten "
        "(03/2021–10/2021)."
    )
    ki = next(org for org in coverage.organisations if org.name == "KI")
    assert ki.over_months == []


def test_a_position_running_past_the_period_is_named(founding):
    position = drk_extra(founding, title="Teilhabemanagement Verlängerung", start=D(2021, 1, 1), end=D(2023, 6, 30))
    coverage = coverage_of(founding)
    warnings = coverage.warnings()
    assert (
        "DRK: Die Stelle „Teilhabemanagement Verlängerung“ (DRK, 0,75 VZÄ) endet am 30.06.2023, nach dem "
        "Bewilligungszeitraum (bis 31.12.2022)." in warnings
    )
    assert any("endet am 30.06.2023" in text for text in coverage.for_position(position.pk))
    assert any("0,75 VZÄ zu viel" in text for text in warnings)


def test_a_position_starting_before_the_period_and_one_without_end(db):
    block = factories.building_block()
    decision = factories.decision(block.programme, title="Früher Beginn")
    decision.building_blocks.set([block])
    factories.version(decision, funded_fte=Decimal("2"), period_start=D(2021, 1, 1), period_end=D(2021, 12, 31))
    factories.position(block, fte="1.0", title="Vorher", start=D(2020, 7, 1), end=D(2021, 12, 31))
    factories.position(block, fte="1.0", title="Offen", start=D(2021, 1, 1))
    warnings = coverage_of(decision).warnings()
    assert any("„Vorher“" in text and "beginnt am 01.07.2020, vor dem Bewilligungszeitraum (ab 01.01.2021)" in text
               for text in warnings)  # fmt: skip
    assert any("„Offen“" in text and "hat kein Ende, der Bewilligungszeitraum endet am 31.12.2021" in text
               for text in warnings)  # fmt: skip
    assert not any("zu viel" in text for text in warnings)  # 2,0 planned, 2,0 funded


def test_no_finding_when_planned_equals_funded_and_all_is_filled(db):
    block = factories.building_block()
    org = factories.organisation()
    decision = factories.decision(block.programme, title="Passt genau")
    decision.building_blocks.set([block])
    factories.version(decision, funded_fte=Decimal("1.5"), period_start=D(2021, 1, 1), period_end=D(2022, 12, 31))
    position = factories.position(block, org, fte="1.5", start=D(2021, 1, 1), end=D(2022, 12, 31))
    factories.assignment(position, "1.5", start=D(2021, 1, 1), end=D(2022, 12, 31))
    coverage = coverage_of(decision)
    assert coverage.findings() == []
    assert not coverage.has_warning


TWO_YEARS = (D(2021, 1, 1), D(2022, 12, 31))


def flat_rate_decision(filled_share="1.5", months=TWO_YEARS):
    block = factories.building_block()
    FlatRate.objects.create(building_block=block, year=2021, amount_per_fte=Decimal("55000.00"))
    FlatRate.objects.create(building_block=block, year=2022, amount_per_fte=Decimal("57000.00"))
    decision = factories.decision(block.programme, title="Pauschale Case-Management")
    decision.building_blocks.set([block])
    factories.version(
        decision, financing_type=FinancingType.FLAT_RATE, funded_fte=Decimal("5"), period_start=months[0],
        period_end=months[1],
    )  # fmt: skip
    position = factories.position(block, fte="5.0", title="Case-Management", start=months[0], end=months[1])
    factories.assignment(position, filled_share, start=months[0], end=months[1])
    return decision


def test_flat_rate_money_at_risk_for_5_funded_with_1_5_filled(db):
    decision = flat_rate_decision()
    coverage = coverage_of(decision)
    [whole] = coverage.organisations
    # rate x 3,5 FTE x 12/12 per year, to the cent
    assert whole.at_risk_by_year == {2021: Decimal("192500.00"), 2022: Decimal("199500.00")}
    assert coverage.at_risk == Decimal("392000.00")
    warnings = coverage.warnings()
    assert any("392.000,00" in text and "2021: 192.500,00" in text for text in warnings), warnings
    # Where the rate follows funded FTE (an eligibility rule), the same figure is information only.
    coverage = coverage_of(decision, rate_follows_filled_fte=False)
    assert coverage.warnings() == []
    assert any("392.000,00" in finding.text and not finding.warning for finding in coverage.findings())


def test_flat_rate_money_at_risk_is_rounded_per_year_half_up(db):
    # 01.10.2021–31.03.2022: 3 months of 2021, 3 of 2022; 55.000,01 x 3,5 x 3/12 = 48.125,00875
    block = factories.building_block()
    FlatRate.objects.create(building_block=block, year=2021, amount_per_fte=Decimal("55000.01"))
    FlatRate.objects.create(building_block=block, year=2022, amount_per_fte=Decimal("57000.03"))
    decision = factories.decision(block.programme, title="Pauschale krumm")
    decision.building_blocks.set([block])
    factories.version(
        decision, financing_type=FinancingType.FLAT_RATE, funded_fte=Decimal("5"), period_start=D(2021, 10, 1),
        period_end=D(2022, 3, 31),
    )  # fmt: skip
    position = factories.position(block, fte="5.0", start=D(2021, 10, 1), end=D(2022, 3, 31))
    factories.assignment(position, "1.5", start=D(2021, 10, 1), end=D(2022, 3, 31))
    [whole] = coverage_of(decision).organisations
    assert whole.at_risk_by_year == {2021: Decimal("48125.01"), 2022: Decimal("49875.03")}  # 49.875,02625


def test_flat_rate_without_a_rate_for_a_year_says_so(db):
    decision = flat_rate_decision()
    FlatRate.objects.filter(building_block__decisions=decision, year=2022).delete()
    coverage = coverage_of(decision)
    [whole] = coverage.organisations
    assert whole.at_risk_by_year == {2021: Decimal("192500.00")} and whole.missing_rate_years == [2022]


def test_pass_through_fte_counts_for_its_recipient_in_its_period(founding):
    drk = factories.organisation("DRK")
    founding.pass_throughs.filter(recipient=drk).update(period_start=D(2021, 1, 1), period_end=D(2021, 12, 31),
                                                        funded_fte=Decimal("0.5"))  # fmt: skip
    coverage = coverage_of(founding)
    row = next(org for org in coverage.organisations if org.name == "DRK")
    by_month = {m.month: m.funded for m in row.months}
    assert by_month[D(2021, 6, 1)] == Decimal("0.5")  # the pass-through's FTE in its period
    assert by_month[D(2022, 6, 1)] == Decimal("1.0")  # the own-share key outside it
    assert [m.month.year for m in row.over_months] == [2021] * 12


def test_ended_or_only_planned_positions_do_not_count(founding):
    drk_extra(founding, status=PositionStatus.APPLIED)
    drk_extra(founding, status=PositionStatus.ENDED)
    assert coverage_of(founding).warnings() == []


def test_month_spans():
    assert month_spans([D(2020, 8, 1), D(2020, 9, 1), D(2020, 12, 1), D(2021, 1, 1), D(2021, 3, 1)]) == (
        "08/2020–09/2020, 12/2020–01/2021, 03/2021"
    )


def test_the_page_reads_any_number_of_decisions_in_six_queries(founding, django_assert_num_queries):
    flat_rate_decision()
    flat_rate_decision()
    versions = list(DecisionVersion.objects.current())
    # positions with assignments, pass-throughs, own-share keys, flat rates, the rates frozen into
    # the versions, the eligibility rules' rate basis
    with django_assert_num_queries(6):
        result = decision_coverage(versions)
    assert founding.pk in result and len(result) >= 3


# --- on the pages ------------------------------------------------------------------------------


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


OVER = "DRK: Die Stellen haben bis zu 1,75 VZÄ, gefördert sind 1,0 VZÄ; 0,75 VZÄ zu viel in 8 Monaten"


def test_the_decision_page_shows_positions_against_the_grant(founding, login):
    client = login("leitung")
    html = page(client, founding.get_absolute_url())
    assert 'id="stellen-bewilligung"' in html and "Stellen und Bewilligung" in html
    assert "<caption>Geförderte, geplante und besetzte VZÄ je Organisation" in html
    assert '<th scope="row">DRK</th>' in html and "VZÄ je Monat: KI" in html
    assert "zu viel in" not in html  # the founding example fits its grant
    assert "Der Beginn des Bewilligungszeitraums ist nicht erfasst; gezählt wird ab dem 10.08.2020" in html
    drk_extra(founding, start=D(2021, 3, 15), end=D(2021, 10, 31))
    html = page(client, founding.get_absolute_url())
    assert OVER in html
    assert '<tr class="table-warning"> <th scope="row">03/2021</th>' in html


def test_the_position_financing_fragment_warns_for_the_position_that_pushes_over(founding, login):
    client = login("leitung")
    extra = drk_extra(founding, start=D(2021, 3, 15), end=D(2023, 3, 31))
    html = page(client, reverse("funding:position-financing", args=[extra.pk]))
    assert (
        "Mit dieser Stelle haben die Stellen von DRK bis zu 1,75 VZÄ, gefördert sind 1,0 VZÄ (03/2021–12/2022)." in html
    )
    assert "Die Stelle endet am 31.03.2023, nach dem Bewilligungszeitraum (bis 31.12.2022)." in html
    ki = founding.building_blocks.get(number=6).positions.get(organisation__short_name="KI")
    assert "position-coverage" not in page(client, reverse("funding:position-financing", args=[ki.pk]))


def test_dashboard_programme_page_and_release_check_warn(founding, login):
    drk_extra(founding, start=D(2021, 3, 15), end=D(2021, 10, 31))
    client = login("leitung")
    coverage_url = reverse("funding:programme-coverage", args=[founding.programme_id])
    for url in (reverse("dashboard"), founding.programme.get_absolute_url()):
        # the programme's summary loads its positions against the grant when scrolled to
        html = page(client, url)
        assert f'hx-get="{coverage_url}" hx-trigger="revealed"' in html, url
    html = page(client, coverage_url)
    assert (
        f'<a href="{founding.get_absolute_url()}#stellen-bewilligung">Teilhabemanagement (Förderbaustein 6): '
        "Stellen und Bewilligung passen nicht zusammen.</a>" in html
    )
    assert OVER in html
    report = factories.report(title="Stellenprüfung")
    factories.section(report, 1, heading="Durchstarten", programme=founding.programme)
    html = page(client, reverse("council:report-release", args=[report.pk]))
    assert f"Durchstarten – Teilhabemanagement (Förderbaustein 6): {OVER}" in html
    # the committee paper's financial section says it in one sentence
    html = page(client, reverse("council:report-preview", args=[report.pk]))
    assert (
        "Die Stellen übersteigen die geförderten VZÄ: Durchstarten – Teilhabemanagement (Förderbaustein 6): DRK bis "
        "zu 1,75 VZÄ bei 1,0 geförderten VZÄ (03/2021–10/2021)." in html
    )


def test_no_warning_line_while_the_positions_fit(founding, login):
    client = login("leitung")
    html = page(client, reverse("funding:programme-coverage", args=[founding.programme_id]))
    assert "passen nicht zusammen" not in html and "Die Stellen passen zu den Bewilligungen." in html
    report = factories.report(title="Passt")
    factories.section(report, 1, heading="Durchstarten", programme=founding.programme)
    assert "übersteigen" not in page(client, reverse("council:report-preview", args=[report.pk]))


def test_the_pages_stay_at_a_constant_number_of_queries_with_more_positions(founding, login, data_queries):
    client = login("leitung")
    ki = founding.building_blocks.get(number=6).positions.get(organisation__short_name="KI")
    urls = [
        reverse("dashboard"),
        founding.programme.get_absolute_url(),
        founding.get_absolute_url(),
        reverse("funding:position-financing", args=[ki.pk]),
    ]
    # a flat-rate decision with a vacancy in the demo's programme: the flat rates are read as well
    flat = flat_rate_decision()
    GrantDecision.objects.filter(pk=flat.pk).update(programme=founding.programme)
    BuildingBlock.objects.filter(decisions=flat).update(programme=founding.programme, number=7)
    before = [len(data_queries(client, url)[1]) for url in urls]
    block = founding.building_blocks.get(number=6)
    for number in range(6):
        position = factories.position(block, factories.organisation(f"Träger {number}"), fte="0.5",
                                      title=f"Zusatz {number}", start=D(2021, 1, 1), end=D(2021, 12, 31))  # fmt: skip
        factories.assignment(position, "0.25", start=D(2021, 2, 1), end=D(2021, 6, 30))
        factories.assignment(position, "0.25", start=D(2021, 7, 1), end=D(2021, 12, 31))
    after = [len(data_queries(client, url)[1]) for url in urls]
    assert after == before
    # the dashboard (13: 8 and the head's part, next sessions and draft papers, integration_admin.home,
    # and the head's to-do list, one query per source: integration_admin.reminders; approvals waiting are one union)
    # and programme page (6) as before: they load the positions against the grant
    # when scrolled to (funding:programme-coverage); the position's fragment 2 -> 4 (the positions
    # of the decisions' blocks with their assignments, the eligibility rules); pass-throughs, flat
    # rates (master and frozen) and the rules' rate basis come with the versions
    # (funding.coverage.with_coverage_rows). The decision page 6 -> 8: these positions and the
    # financing plan's items (its eligibility rule is joined to the decision); 9 with its documents.
    assert before == [13, 6, 9, 4], before
    flat_page = [len(data_queries(client, url)[1]) for url in (flat.get_absolute_url(),)]
    assert flat_page == [9], flat_page  # (the same page of a flat-rate decision)
    # the programme's warnings (loaded into the dashboard) list a decision's first three warnings
    # and link to the rest
    dashboard = page(client, reverse("funding:programme-coverage", args=[founding.programme_id]))
    assert "Träger 0: Die Stellen haben bis zu 0,5 VZÄ, gefördert sind 0,0 VZÄ" in dashboard
    assert "… und 3 weitere Warnungen" in dashboard
    assert "Träger 5: Die Stellen haben bis zu 0,5 VZÄ, gefördert sind 0,0 VZÄ" in page(client, urls[2])


def test_the_three_ways_to_read_flat_rates_agree(db):
    """A single version's own flat_rates(), several versions' rates in one query, the rates read with
    the versions (with_coverage_rows): the same money at risk; a year with two different rates in
    the decision's blocks has none."""
    first, second = flat_rate_decision(), flat_rate_decision()
    other_block = factories.building_block(second.programme, 2)
    FlatRate.objects.create(building_block=other_block, year=2022, amount_per_fte=Decimal("1.00"))
    second.building_blocks.add(other_block)
    current = DecisionVersion.objects.current().filter(decision__in=[first, second])
    single = {d.pk: coverage_of(d).at_risk for d in (first, second)}
    assert single == {first.pk: Decimal("392000.00"), second.pk: Decimal("192500.00")}
    several = decision_coverage(list(current))
    annotated = decision_coverage(list(with_coverage_rows(current)))
    for result in (several, annotated):
        assert {pk: found.at_risk for pk, found in result.items()} == single
        assert result[second.pk].organisations[0].missing_rate_years == [2022]
