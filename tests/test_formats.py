from decimal import Decimal

import pytest
from django.utils import translation

from integration_admin.core.formats import euro, fte, percent, round_money

NBSP = "\N{NO-BREAK SPACE}"


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("624493.6"), f"624.493,60{NBSP}€"),
        (Decimal("780617"), f"780.617,00{NBSP}€"),
        (Decimal("0"), f"0,00{NBSP}€"),
        (Decimal("-1234.5"), f"-1.234,50{NBSP}€"),
        (Decimal("999.995"), f"1.000,00{NBSP}€"),
        (Decimal("1234567890.12"), f"1.234.567.890,12{NBSP}€"),
        (None, ""),
    ],
)
def test_euro(value, expected):
    assert euro(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("1.500"), "1,5"), (Decimal("1"), "1,0"), (Decimal("2.5"), "2,5"), (Decimal("0.750"), "0,75"),
     (Decimal("5.000"), "5,0"), (Decimal("1234.5"), "1234,5"), (None, "")],
)  # fmt: skip
def test_fte(value, expected):
    assert fte(value) == expected


def test_percent():
    assert percent(Decimal("80.00")) == f"80{NBSP}%"
    assert percent(Decimal("12.50")) == f"12,5{NBSP}%"


def test_english_separators():
    with translation.override("en"):
        assert euro(Decimal("624493.6")) == f"624,493.60{NBSP}€"
        assert fte(Decimal("1.5")) == "1.5"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("624493.595", "624493.60"), ("-0.005", "-0.01")],
)
def test_round_money_half_up(value, expected):
    assert round_money(Decimal(value)) == Decimal(expected)
