"""The money rules of grant financing, exhaustively: hypothesis generates thousands of cases."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funding import money
from integration_admin.core.formats import CENT

amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("9999999999.99"), places=2)
rates = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100.00"), places=2)
weights = st.dictionaries(
    st.text(min_size=1, max_size=5),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("999.999"), places=3),
    min_size=1,
    max_size=8,
)


def test_founding_example():
    grant = money.share_grant(Decimal("780617.00"), Decimal("80"))
    assert grant == Decimal("624493.60")
    assert Decimal("780617.00") - grant == Decimal("156123.40")


def test_share_grant_rounds_half_up_and_caps():
    assert money.share_grant(Decimal("0.05"), Decimal("50")) == Decimal("0.03")  # 0.025 -> 0.03
    assert money.share_grant(Decimal("1000.00"), Decimal("80"), cap=Decimal("500.00")) == Decimal("500.00")


def test_fixed_and_deficit_grant():
    assert money.fixed_grant(Decimal("55000.00"), Decimal("2.5")) == Decimal("137500.00")
    assert money.deficit_grant(Decimal("100"), Decimal("30"), Decimal("20")) == Decimal("50.00")
    assert money.deficit_grant(Decimal("100"), Decimal("80"), Decimal("40")) == Decimal("0.00")
    assert money.deficit_grant(Decimal("100"), Decimal("0"), Decimal("0"), cap=Decimal("60")) == Decimal("60.00")


@settings(max_examples=3000)
@given(eligible=amounts, rate=rates, split=weights)
def test_land_share_plus_own_shares_equal_eligible(eligible, rate, split):
    grant = money.share_grant(eligible, rate)
    own_total = eligible - grant
    own_parts = money.split_proportionally(own_total, split)
    eligible_parts = money.split_proportionally(eligible, split)
    assert grant == grant.quantize(CENT)
    assert grant + sum(own_parts.values()) == eligible
    assert sum(eligible_parts.values()) == eligible
    assert all(part >= 0 and part == part.quantize(CENT) for part in own_parts.values())
    # Each part is within a cent of its exact proportional value.
    weight_sum = sum(split.values())
    for key, part in own_parts.items():
        assert abs(part - own_total * split[key] / weight_sum) < CENT


def test_split_by_fte_of_founding_example():
    parts = money.split_proportionally(Decimal("156123.40"), {"KI": Decimal("1.5"), "DRK": Decimal("1.0")})
    assert parts == {"KI": Decimal("93674.04"), "DRK": Decimal("62449.36")}


def test_split_hands_out_left_over_cents_by_largest_remainder():
    parts = money.split_proportionally(Decimal("0.10"), {"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)})
    assert parts == {"a": Decimal("0.04"), "b": Decimal("0.03"), "c": Decimal("0.03")}


def test_split_rejects_bad_input():
    with pytest.raises(ValueError):
        money.split_proportionally(Decimal("1.00"), {"a": Decimal(0)})
    with pytest.raises(ValueError):
        money.split_proportionally(Decimal("1.001"), {"a": Decimal(1)})


def test_months_in_year_counts_started_months():
    start, end = datetime.date(2020, 10, 15), datetime.date(2022, 3, 1)
    assert [money.months_in_year(start, end, y) for y in (2019, 2020, 2021, 2022, 2023)] == [0, 3, 12, 3, 0]


def test_flat_rate_by_year():
    rates = {2020: Decimal("55000.00"), 2021: Decimal("55000.00"), 2022: Decimal("57000.00")}
    by_year = money.flat_rate_grant_by_year(datetime.date(2020, 8, 1), datetime.date(2022, 12, 31), Decimal("5"), rates)
    assert by_year == {2020: Decimal("114583.33"), 2021: Decimal("275000.00"), 2022: Decimal("285000.00")}


def months_touched(start: datetime.date, end: datetime.date) -> dict[int, int]:
    """Independent count for the property test: walk the period month by month."""
    counts: dict[int, int] = {}
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        counts[year] = counts.get(year, 0) + 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return counts


@settings(max_examples=1000)
@given(
    start=st.dates(min_value=datetime.date(2015, 1, 1), max_value=datetime.date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=5 * 366),
    fte=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("50"), places=3),
    rate=st.decimals(min_value=Decimal("0"), max_value=Decimal("200000"), places=2),
)
def test_flat_rate_totals_over_partial_years_are_exact(start, days, fte, rate):
    end = start + datetime.timedelta(days=days)
    rates = dict.fromkeys(range(start.year, end.year + 1), rate)
    by_year = money.flat_rate_grant_by_year(start, end, fte, rates)
    months = months_touched(start, end)
    assert set(by_year) == set(months)
    for year, amount in by_year.items():
        exact = rate * fte * months[year] / 12
        assert amount == amount.quantize(CENT)
        assert abs(amount - exact) <= Decimal("0.005")
    # A whole year at the rate is exactly rate x FTE.
    for year, count in months.items():
        if count == 12:
            assert by_year[year] == money.round_money(rate * fte)


# --- after the decision: two-month rule, ceilings per FTE, running balance ------------------------


def test_add_months_clamps_to_the_end_of_the_month():
    assert money.add_months(datetime.date(2020, 12, 31), 2) == datetime.date(2021, 2, 28)
    assert money.add_months(datetime.date(2019, 12, 31), 2) == datetime.date(2020, 2, 29)
    assert money.add_months(datetime.date(2021, 11, 15), 2) == datetime.date(2022, 1, 15)
    assert money.add_months(datetime.date(2021, 3, 31), -1) == datetime.date(2021, 2, 28)


@settings(max_examples=1000)
@given(day=st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2090, 12, 31)),
       months=st.integers(min_value=0, max_value=60))  # fmt: skip
def test_add_months_properties(day, months):
    later = money.add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day <= day.day
    assert later >= day


def test_two_month_rule():
    called = datetime.date(2021, 3, 1)
    assert not money.called_too_early(called, None)
    assert not money.called_too_early(called, datetime.date(2021, 5, 1))  # exactly two months: allowed
    assert money.called_too_early(called, datetime.date(2021, 5, 2))
    assert money.called_too_early(called, datetime.date(2021, 6, 1))


def test_per_fte_cap_domain_example():
    # "in Höhe der tatsächlichen Personalkosten, max. 55.000 EUR je VZÄ" for a whole year and 1,0 FTE
    cap = money.per_fte_cap(Decimal("55000"), Decimal("1"), datetime.date(2021, 1, 1), datetime.date(2021, 12, 31))
    assert cap == Decimal("55000.00")
    cap = money.per_fte_cap(Decimal("55000"), Decimal("0.5"), datetime.date(2021, 7, 1), datetime.date(2022, 6, 30))
    assert cap == Decimal("27500.00")


@settings(max_examples=500)
@given(
    start=st.dates(min_value=datetime.date(2015, 1, 1), max_value=datetime.date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=4 * 366),
    fte=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("50"), places=3),
    rate=st.decimals(min_value=Decimal("0"), max_value=Decimal("200000"), places=2),
)
def test_per_fte_cap_is_the_flat_rate_over_the_whole_period(start, days, fte, rate):
    """One ceiling over the period equals the flat rate computed per year, within rounding."""
    end = start + datetime.timedelta(days=days)
    by_year = money.flat_rate_grant_by_year(start, end, fte, dict.fromkeys(range(start.year, end.year + 1), rate))
    cap = money.per_fte_cap(rate, fte, start, end)
    assert cap == cap.quantize(CENT)
    assert abs(cap - sum(by_year.values())) <= Decimal("0.005") * len(by_year)


@settings(max_examples=500)
@given(
    granted=amounts,
    called=st.dictionaries(st.integers(2015, 2030), amounts, max_size=6),
    received=st.dictionaries(st.integers(2015, 2030), amounts, max_size=6),
)
def test_running_balance_adds_up(granted, called, received):
    rows = money.running_balance(granted, called, received)
    assert [r["year"] for r in rows] == sorted(set(called) | set(received))
    if rows:
        last = rows[-1]
        assert last["called_total"] == sum(called.values(), Decimal("0"))
        assert last["received_total"] == sum(received.values(), Decimal("0"))
        assert last["remaining"] + last["called_total"] == granted
    for before, after in zip(rows, rows[1:], strict=False):
        assert after["called_total"] == before["called_total"] + after["called"]
        assert after["remaining"] == before["remaining"] - after["called"]
    assert all(r["remaining"] is None for r in money.running_balance(None, called, received))
