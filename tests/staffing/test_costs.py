import datetime
from decimal import Decimal

import pytest

from programs.models import FlatRate
from staffing.costs import active_months, annual_cost, costs_by_year, flat_rate_share, load_cost_tables
from staffing.models import (
    AnnualBonusRate,
    EmployerContributionRate,
    PayGrade,
    PayGradeGroup,
    PayTableEntry,
    PositionCost,
)
from staffing.services import refresh_costs
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def e11():
    """The domain example's pay table for an E 11 (a grade of its own beside the demo's) and its
    rates for 2021 and 2022, which replace the demo's for the test."""
    group = PayGradeGroup.objects.get_or_create(name="E 9a – E 12")[0]
    grade = PayGrade.objects.create(code="E 11 (B)", group=group)
    PayTableEntry.objects.create(pay_grade=grade, step=3, valid_from=D(2021, 1, 1), monthly_amount=Decimal("4000.00"))
    PayTableEntry.objects.create(pay_grade=grade, step=3, valid_from=D(2021, 4, 1), monthly_amount=Decimal("4072.00"))
    PayTableEntry.objects.create(pay_grade=grade, step=3, valid_from=D(2022, 1, 1), monthly_amount=Decimal("4317.00"))
    for year in (2021, 2022):
        AnnualBonusRate.objects.update_or_create(year=year, group=group, defaults={"rate": Decimal("70.28")})
        EmployerContributionRate.objects.update_or_create(
            year=year, defaults={"social_insurance_rate": Decimal("20.00"), "pension_levy_rate": Decimal("4.25")}
        )
    return grade


def test_domain_example_e11_step3_2022(e11, django_assert_num_queries):
    position = factories.position(fte="1.0", pay_grade=e11, pay_step=3)
    with django_assert_num_queries(4):
        tables = load_cost_tables()
    cost = annual_cost(position, 2022, tables)
    assert cost.gross_pay == Decimal("51804.00")  # 4,317 x 12
    assert cost.annual_bonus == Decimal("3033.99")  # 70.28 % of 4,317
    assert cost.employer_contributions == Decimal("13298.21")  # 24.25 % of 54,837.99
    assert cost.total == Decimal("68136.20")  # "about 68,100 EUR/year"


def test_half_fte_costs_half(e11):
    tables = load_cost_tables()
    full = annual_cost(factories.position(fte="1.0", pay_grade=e11, pay_step=3), 2022, tables).total
    half = annual_cost(factories.position(fte="0.5", pay_grade=e11, pay_step=3), 2022, tables).total
    assert abs(full / 2 - half) <= Decimal("0.02")


def test_pay_round_changes_pay_from_its_month(e11):
    position = factories.position(fte="1.0", pay_grade=e11, pay_step=3)
    cost = annual_cost(position, 2021, load_cost_tables())
    assert cost.gross_pay == Decimal("48648.00")  # 3 x 4,000 + 9 x 4,072
    assert cost.annual_bonus == Decimal("2861.80")  # 70.28 % of September's 4,072


def test_partial_year_counts_started_months(e11):
    position = factories.position(fte="1.0", pay_grade=e11, pay_step=3, start=D(2022, 10, 15))
    assert active_months(position, 2022) == [10, 11, 12]
    cost = annual_cost(position, 2022, load_cost_tables())
    assert cost.months == 3
    assert cost.gross_pay == Decimal("12951.00")
    assert cost.annual_bonus == Decimal("758.50")  # 3,033.99 x 3/12, rounded


def test_missing_data_gives_no_figure(e11):
    tables = load_cost_tables()
    assert annual_cost(factories.position(pay_grade=None), 2022, tables) is None
    assert annual_cost(factories.position(pay_grade=e11, pay_step=4), 2022, tables) is None  # no step 4 pay
    assert annual_cost(factories.position(pay_grade=e11, pay_step=3), 2023, tables) is None  # no 2023 rates


def test_coverage_gap_of_a_flat_rate_from_the_stored_cost(e11):
    position = factories.position(fte="1.0", pay_grade=e11, pay_step=3)
    FlatRate.objects.create(building_block=position.building_block, year=2022, amount_per_fte=Decimal("55000.00"))
    refresh_costs()
    years = costs_by_year(PositionCost.objects.of_granted_positions([position.building_block_id]))[None]
    assert years[2022].flat_rate_funding == Decimal("55000.00")
    assert years[2022].coverage_gap == Decimal("13136.20")
    assert years[2021].coverage_gap is None  # no flat rate that year


def test_position_page_years_are_the_computed_figures_in_one_query(demo, django_assert_num_queries):
    """The position page reads its stored costs and flat rates in one query; they are what the rules compute."""
    from staffing.costs import active_months, position_years
    from staffing.models import Position

    everything = load_cost_tables()
    checked = 0
    for position in Position.objects.all():
        with django_assert_num_queries(1):
            years = position_years(position)
        expected_years = [year for year in everything.years() if active_months(position, year)]
        assert [row.year for row in years] == expected_years
        for row in years:
            assert row.cost == annual_cost(position, row.year, everything)
            rate = FlatRate.objects.filter(building_block=position.building_block_id, year=row.year).first()
            assert row.flat_rate == (rate.amount_per_fte if rate else None)
            assert row.flat_rate_illustrative == bool(rate and rate.is_illustrative)
            months = len(active_months(position, row.year))
            assert row.funding == (flat_rate_share(rate.amount_per_fte, position.fte, months) if rate else None)
            if row.cost is not None and row.funding is not None:
                assert row.gap == row.cost.total - row.funding
                checked += 1
    assert checked  # the demo has positions with cost and flat rate (Durchstarten)
