"""Pure money rules of grant financing (VV zu § 44 LHO NRW, Nr. 2).

Every function takes and returns ``Decimal``; rounding is half-up to the cent through
:func:`integration_admin.core.formats.round_money`. No database access here, so the rules can be
tested exhaustively (tests/funding/test_money.py uses hypothesis).
"""

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

from integration_admin.core.formats import CENT, round_money

HUNDRED = Decimal("100")
TWELVE = Decimal("12")

K = TypeVar("K")


def share_grant(eligible: Decimal, rate_percent: Decimal, cap: Decimal | None = None) -> Decimal:
    """Anteilsfinanzierung: rate x eligible, rounded half-up to the cent, at most ``cap``."""
    grant = round_money(eligible * rate_percent / HUNDRED)
    if cap is not None:
        grant = min(grant, cap)
    return grant


def fixed_grant(unit_amount: Decimal, units: Decimal) -> Decimal:
    """Festbetragsfinanzierung: unit amount x units."""
    return round_money(unit_amount * units)


def deficit_grant(
    expenditure: Decimal, own_funds: Decimal, third_party_funds: Decimal, cap: Decimal | None = None
) -> Decimal:
    """Fehlbedarfsfinanzierung: the gap after own and third-party funds, never negative, at most ``cap``."""
    gap = max(expenditure - own_funds - third_party_funds, Decimal("0"))
    if cap is not None:
        gap = min(gap, cap)
    return round_money(gap)


def months_in_year(start: datetime.date, end: datetime.date, year: int) -> int:
    """Calendar months of ``year`` that the period start..end (inclusive) touches (angefangene Monate)."""
    first = max(start, datetime.date(year, 1, 1))
    last = min(end, datetime.date(year, 12, 31))
    if first > last:
        return 0
    return last.month - first.month + 1


def flat_rate_grant_by_year(
    start: datetime.date, end: datetime.date, funded_fte: Decimal, rates: Mapping[int, Decimal]
) -> dict[int, Decimal]:
    """Flat rate per FTE and year: rate(year) x FTE x months/12 for each year of the period.

    Each year is rounded half-up to the cent on its own (the way payments are booked), so the
    total is the exact sum of the yearly amounts. A year without a rate raises ``KeyError``.
    """
    result: dict[int, Decimal] = {}
    for year in range(start.year, end.year + 1):
        months = months_in_year(start, end, year)
        if months:
            result[year] = round_money(rates[year] * funded_fte * months / TWELVE)
    return result


def split_proportionally(total: Decimal, weights: Mapping[K, Decimal]) -> dict[K, Decimal]:
    """Split ``total`` (in cents) by ``weights`` so that the parts add up to ``total`` exactly.

    Largest-remainder method: every part is first rounded down to the cent; the cents left over
    go to the parts with the largest remainders (ties: in the order of ``weights``).
    """
    if not weights:
        return {}
    weight_sum = sum(weights.values(), Decimal("0"))
    if weight_sum <= 0 or any(weight < 0 for weight in weights.values()):
        raise ValueError("weights must be non-negative and not all zero")
    cents_total = int((total / CENT).to_integral_exact())
    if Decimal(cents_total) * CENT != total:
        raise ValueError("total must be a whole number of cents")
    exact = {key: Decimal(cents_total) * weight / weight_sum for key, weight in weights.items()}
    floors = {key: int(value // 1) for key, value in exact.items()}
    left_over = cents_total - sum(floors.values())
    order: Sequence[K] = sorted(weights, key=lambda key: exact[key] - floors[key], reverse=True)
    for key in order[:left_over]:
        floors[key] += 1
    return {key: Decimal(cents) * CENT for key, cents in floors.items()}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months later, clamped to the month's last day (31.12. + 2 -> 28./29.02.)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


def called_too_early(called_on: datetime.date, needed_on: datetime.date | None) -> bool:
    """Money may only be called for payments due within two months (VV Nr. 7.2 zu § 44 LHO NRW)."""
    return needed_on is not None and needed_on > add_months(called_on, 2)


def months_in_period(start: datetime.date, end: datetime.date) -> int:
    """Calendar months that start..end (inclusive) touches, over all its years."""
    return sum(months_in_year(start, end, year) for year in range(start.year, end.year + 1))


def per_fte_cap(max_per_fte: Decimal, fte: Decimal, start: datetime.date, end: datetime.date) -> Decimal:
    """A ceiling per FTE and year over a period: max x FTE x months/12, rounded half-up to the cent."""
    return round_money(max_per_fte * fte * months_in_period(start, end) / TWELVE)


def running_balance(
    granted: Decimal | None, called_by_year: Mapping[int, Decimal], received_by_year: Mapping[int, Decimal]
) -> list[dict]:
    """Per year: called and received in the year, both cumulated, and what remains of the grant.

    ``remaining`` is the grant minus everything called up to the end of the year (``None``
    while the grant is unknown). Years are those with any call or receipt, in order.
    """
    zero = Decimal("0.00")
    rows = []
    called_total = received_total = zero
    for year in sorted(set(called_by_year) | set(received_by_year)):
        called = called_by_year.get(year, zero)
        received = received_by_year.get(year, zero)
        called_total += called
        received_total += received
        rows.append(
            {
                "year": year,
                "called": called,
                "received": received,
                "called_total": called_total,
                "received_total": received_total,
                "remaining": None if granted is None else granted - called_total,
            }
        )
    return rows
