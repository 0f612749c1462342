"""The money rules of the settlement: final grant by financing type, the 20 % line tolerance,
overpaid parts, interest by the base rate, deadlines and the two-month rule on amounts."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from funding import money

D = Decimal
day = datetime.date


def test_share_financing_settles_at_the_rate_of_the_admitted_expenditure():
    # 80 % of 100.000 granted = 80.000; only 90.000 admitted: 72.000
    assert money.settled_grant(
        financing_type="share", eligible=D("90000.00"), granted=D("80000.00"), rate=D("80")
    ) == D("72000.00")
    # more expenditure than planned never raises the grant
    assert money.settled_grant(
        financing_type="share", eligible=D("150000.00"), granted=D("80000.00"), rate=D("80")
    ) == D("80000.00")


def test_deficit_financing_loses_every_saving_in_full():
    # plan 100.000, own 10.000, third party 20.000: grant 70.000; spent 95.000: 65.000
    assert money.settled_grant(
        financing_type="deficit",
        eligible=D("95000.00"),
        granted=D("70000.00"),
        own_funds=D("10000.00"),
        third_party_funds=D("20000.00"),
    ) == D("65000.00")
    # third party brought 5.000 more than planned: 5.000 less grant
    assert money.settled_grant(
        financing_type="deficit",
        eligible=D("100000.00"),
        granted=D("70000.00"),
        own_funds=D("10000.00"),
        third_party_funds=D("25000.00"),
    ) == D("65000.00")


def test_fixed_amount_stays_unless_the_expenditure_is_lower():
    assert money.settled_grant(financing_type="fixed", eligible=D("60000.00"), granted=D("55000.00")) == D(
        "55000.00"
    )
    assert money.settled_grant(financing_type="flat_rate", eligible=D("50000.00"), granted=D("55000.00")) == D(
        "50000.00"
    )
    assert money.settled_grant(financing_type="full", eligible=D("41000.50"), granted=D("45000.00")) == D(
        "41000.50"
    )


def test_a_line_may_run_twenty_percent_over():
    planned = {"personal": D("100000.00"), "sach": D("10000.00")}
    admitted = {"personal": D("95000.00"), "sach": D("13000.00"), "extra": D("500.00")}
    assert money.admissible_by_line(planned, admitted) == {
        "personal": D("95000.00"),
        "sach": D("12000.00"),
        "extra": D("500.00"),
    }


def test_overpaid_parts_come_from_the_payments_after_the_final_grant_was_reached():
    payments = [(day(2021, 3, 1), D("100000.00")), (day(2021, 9, 1), D("100000.00"))]
    assert money.overpaid_parts(payments, D("150000.00")) == [(day(2021, 9, 1), D("50000.00"))]
    assert money.overpaid_parts(payments, D("50000.00")) == [
        (day(2021, 3, 1), D("50000.00")),
        (day(2021, 9, 1), D("100000.00")),
    ]
    assert money.overpaid_parts(payments, D("200000.00")) == []


RATES = [
    (day(2016, 7, 1), D("-0.88")),
    (day(2023, 1, 1), D("1.62")),
    (day(2023, 7, 1), D("3.12")),
]


def test_interest_at_five_points_above_the_base_rate_day_by_day():
    # 10.000 € for the 365 days of 2022 at -0,88 + 5 = 4,12 %: 412,00 €
    assert money.interest([(day(2022, 1, 1), D("10000.00"))], day(2023, 1, 1), RATES, D("5")) == D("412.00")
    # across a change: 181 days at 6,62 % and 184 days at 8,12 %
    expected = D("10000") * (D("0.0662") * 181 + D("0.0812") * 184) / 365
    assert money.interest([(day(2023, 1, 1), D("10000.00"))], day(2024, 1, 1), RATES, D("5")) == expected.quantize(
        D("0.01")
    )
    assert money.interest([(day(2023, 1, 1), D("10000.00"))], day(2023, 1, 1), RATES, D("5")) == D("0.00")


@given(
    amount=st.decimals(min_value=0, max_value=10**6, places=2),
    days=st.integers(min_value=0, max_value=3000),
)
def test_interest_is_never_negative_and_grows_with_time(amount, days):
    start = day(2021, 5, 17)
    first = money.interest([(start, amount)], start + datetime.timedelta(days=days), RATES, D("5"))
    later = money.interest([(start, amount)], start + datetime.timedelta(days=days + 30), RATES, D("5"))
    assert D("0") <= first <= later


def test_deadline_months_after_the_period():
    assert money.end_of_month_after(day(2022, 12, 31), 6) == day(2023, 6, 30)
    assert money.end_of_month_after(day(2021, 12, 31), 4) == day(2022, 4, 30)
    assert money.end_of_month_after(day(2023, 8, 15), 6) == day(2024, 2, 29)


def test_two_month_rule_on_amounts():
    # 120.000 € over 2021: 10.000 € a month. 60.000 € received on 01.01. covers need up to 01.03.
    # (two months and a day), so 60.000 - 20.000 - 1/31 x 10.000 is too much.
    rows = money.two_month_excess(
        [(day(2021, 1, 1), D("60000.00"))],
        start=day(2021, 1, 1),
        end=day(2021, 12, 31),
        grant_by_year={2021: D("120000.00")},
    )
    assert rows[0]["needed_by"] == day(2021, 3, 1)
    assert rows[0]["needed"] == D("20322.58")
    assert rows[0]["excess"] == D("39677.42")
    # a call of two months' need at the start of the year is within the rule
    rows = money.two_month_excess(
        [(day(2021, 1, 1), D("20000.00"))],
        start=day(2021, 1, 1),
        end=day(2021, 12, 31),
        grant_by_year={2021: D("120000.00")},
    )
    assert rows[0]["excess"] == D("0.00")
