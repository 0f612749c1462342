"""Pure money rules of grant financing (VV zu § 44 LHO NRW, Nr. 2).

Every function takes and returns ``Decimal``; rounding is half-up to the cent through
:func:`integration_admin.core.formats.round_money`. No database access here, so the rules can be
tested exhaustively (tests/funding/test_money.py uses hypothesis).
"""

import calendar
import datetime
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
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


# How the months of a period are counted for amounts per year (an eligibility rule, kept as data).
STARTED_MONTHS = "started_months"  # every month the period touches counts in full (angefangene Monate)
BY_DAY = "by_day"  # a month counts by the share of its days inside the period (taggenau)


def month_fraction_in_year(
    start: datetime.date, end: datetime.date, year: int, counting: str = STARTED_MONTHS
) -> Fraction:
    """How many months of ``year`` the period start..end (inclusive) counts, exactly.

    With ``STARTED_MONTHS`` a whole number (every touched month in full); with ``BY_DAY`` each
    month counts the share of its days inside the period: 16.07.–31.12. is 5 + 16/31 months.
    """
    if counting == STARTED_MONTHS:
        return Fraction(months_in_year(start, end, year))
    first = max(start, datetime.date(year, 1, 1))
    last = min(end, datetime.date(year, 12, 31))
    total = Fraction(0)
    for month in range(first.month, last.month + 1) if first <= last else ():
        days_in_month = calendar.monthrange(year, month)[1]
        month_first = first.day if month == first.month else 1
        month_last = last.day if month == last.month else days_in_month
        total += Fraction(month_last - month_first + 1, days_in_month)
    return total


def per_fte_and_year(
    amount: Decimal, fte: Decimal, start: datetime.date, end: datetime.date, year: int, counting: str = STARTED_MONTHS
) -> Decimal:
    """An amount per FTE and year for the part of ``year`` the period covers: amount x FTE x months/12,
    rounded half-up to the cent (each year on its own, the way payments are booked)."""
    months = month_fraction_in_year(start, end, year, counting)
    return round_fraction(Fraction(amount) * Fraction(fte) * months / 12)


def round_fraction(exact: Fraction) -> Decimal:
    """An exact fraction rounded half-up (away from zero) to the cent, without an inexact step between."""
    cents = math.floor(abs(exact) * 100 + Fraction(1, 2))
    return (Decimal(cents) * CENT).copy_sign(Decimal(exact.numerator or 1))


def flat_rate_grant_by_year(
    start: datetime.date,
    end: datetime.date,
    funded_fte: Decimal,
    rates: Mapping[int, Decimal],
    counting: str = STARTED_MONTHS,
) -> dict[int, Decimal]:
    """Flat rate per FTE and year: rate(year) x FTE x months/12 for each year of the period.

    Each year is rounded half-up to the cent on its own (the way payments are booked), so the
    total is the exact sum of the yearly amounts. A year without a rate raises ``KeyError``.
    """
    result: dict[int, Decimal] = {}
    for year in range(start.year, end.year + 1):
        if month_fraction_in_year(start, end, year, counting):
            result[year] = per_fte_and_year(rates[year], funded_fte, start, end, year, counting)
    return result


# The kinds of a financing plan's items (funding.models.PlanItemKind uses the same values).
PERSONNEL = "personnel"  # amount per FTE and year x FTE x months/12, in every year it applies to
ONE_OFF = "one_off"  # amount per FTE, once (e.g. workplace set-up)
FIXED = "fixed"  # a fixed amount, once
MATERIAL = "material"  # a percentage of the personnel cost (of the same building block, if it names one)
OWN_FUNDS = "own_funds"
THIRD_PARTY = "third_party"
COST_KINDS = (PERSONNEL, ONE_OFF, FIXED, MATERIAL)
RESOURCE_KINDS = (OWN_FUNDS, THIRD_PARTY)


@dataclass(frozen=True)
class PlanLine:
    """One item of a financing plan, as the money rules read it."""

    kind: str
    amount: Decimal | None = None
    fte: Decimal | None = None
    percent: Decimal | None = None
    year: int | None = None  # only in this year; None: every year of the period (once: the first)
    block: int | None = None  # the building block it belongs to, for material flat rates


def plan_by_year(
    lines: Sequence[PlanLine], start: datetime.date, end: datetime.date, counting: str = STARTED_MONTHS
) -> list[dict[int, Decimal]]:
    """Each line's amount per year of the period start..end, in the order of ``lines``.

    Personnel lines: amount x FTE x months/12 in each year they apply to, each year rounded on
    its own; one-off and fixed lines and resources fall in their year (or the period's first);
    material lines are their percentage of the personnel cost of the same block (or of all
    personnel lines) in each year, rounded half-up. A line for a year outside the period is 0.
    """
    years = range(start.year, end.year + 1)
    result: list[dict[int, Decimal]] = []
    personnel: dict[tuple[int | None, int], Decimal] = {}
    for line in lines:
        amounts: dict[int, Decimal] = {}
        if line.kind == PERSONNEL:
            for year in years:
                if (line.year is None or line.year == year) and month_fraction_in_year(start, end, year, counting):
                    amounts[year] = per_fte_and_year(line.amount, line.fte, start, end, year, counting)
                    for key in ((line.block, year), (None, year)) if line.block is not None else ((None, year),):
                        personnel[key] = personnel.get(key, Decimal("0.00")) + amounts[year]
        elif line.kind in (ONE_OFF, FIXED, *RESOURCE_KINDS):
            year = line.year if line.year is not None else start.year
            if year in years:
                value = line.amount if line.kind != ONE_OFF else round_money(line.amount * line.fte)
                amounts[year] = round_money(value)
        result.append(amounts)
    for line, amounts in zip(lines, result, strict=True):
        if line.kind == MATERIAL:
            for year in years:
                if line.year is None or line.year == year:
                    base = personnel.get((line.block, year), Decimal("0.00"))
                    if base:
                        amounts[year] = round_money(base * line.percent / HUNDRED)
    return result


def plan_totals(lines: Sequence[PlanLine], by_year: Iterable[Mapping[int, Decimal]]) -> dict[str, Decimal]:
    """Cost, own funds and third-party funds of a plan, summed from its yearly amounts."""
    totals = {"cost": Decimal("0.00"), OWN_FUNDS: Decimal("0.00"), THIRD_PARTY: Decimal("0.00")}
    for line, amounts in zip(lines, by_year, strict=True):
        key = "cost" if line.kind in COST_KINDS else line.kind
        totals[key] += sum(amounts.values(), Decimal("0.00"))
    return totals


def plan_fte(lines: Sequence[PlanLine], start: datetime.date, end: datetime.date) -> Decimal | None:
    """The FTE a plan funds: the most personnel FTE that apply together in any year of the period."""
    if not any(line.kind == PERSONNEL for line in lines):
        return None
    return max(
        sum(
            (line.fte for line in lines if line.kind == PERSONNEL and line.year in (None, year)),
            Decimal("0"),
        )
        for year in range(start.year, end.year + 1)
    )


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


def per_fte_cap(
    max_per_fte: Decimal, fte: Decimal, start: datetime.date, end: datetime.date, counting: str = STARTED_MONTHS
) -> Decimal:
    """A ceiling per FTE and year over a period: max x FTE x months/12 for each year, rounded
    half-up to the cent per year (as the yearly amounts are paid), summed.

    The sum of the yearly ceilings, not one rounding over the whole period: otherwise a
    pass-through at its ceiling could be a cent above the ceiling of one of its years."""
    return sum(per_fte_by_year(max_per_fte, fte, start, end, counting).values(), Decimal("0.00"))


def running_balance(
    granted: Decimal | None, called_by_year: Mapping[int, Decimal], received_by_year: Mapping[int, Decimal]
) -> list[dict]:
    """Per year: called and received in the year, both cumulated, and what remains of the grant.

    ``remaining`` is the grant minus everything called up to the end of the year (``None``
    while the grant is unknown); negative after an amendment lowered the grant below what was
    called. Shown is never that negative figure but ``available`` (noch abrufbar, at least 0)
    and ``overpaid`` (called above the grant, to be repaid). Years are those with any call or
    receipt, in order.
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
                "available": None if granted is None else max(granted - called_total, zero),
                "overpaid": None if granted is None else max(called_total - granted, zero),
            }
        )
    return rows


def per_fte_by_year(
    per_fte: Decimal, fte: Decimal, start: datetime.date, end: datetime.date, counting: str = STARTED_MONTHS
) -> dict[int, Decimal]:
    """An amount per FTE and year for each year of start..end: per_fte x FTE x months/12, the
    months counted as ``counting`` says.

    Each year is rounded half-up to the cent on its own, as :func:`flat_rate_grant_by_year`.
    """
    return flat_rate_grant_by_year(start, end, fte, dict.fromkeys(range(start.year, end.year + 1), per_fte), counting)


def months_shown(start: datetime.date, end: datetime.date, year: int, counting: str = STARTED_MONTHS):
    """The months of ``year`` as a table shows them: whole months, or by day to two places (5,52)."""
    months = month_fraction_in_year(start, end, year, counting)
    if counting == STARTED_MONTHS:
        return int(months)
    return (Decimal(months.numerator) / Decimal(months.denominator)).quantize(CENT)


def amount_by_year(
    amount: Decimal,
    start: datetime.date,
    end: datetime.date,
    caps: Mapping[int, Decimal] | None = None,
    counting: str = STARTED_MONTHS,
) -> dict[int, Decimal]:
    """``amount`` spread over the years of start..end so that the years add up to it to the cent.

    In proportion to the yearly ``caps`` where they are given and not all zero (then no year gets
    more than its cap, as long as ``amount`` is within their sum), else to the months in each year
    (counted as ``counting`` says).
    """
    months = {year: month_fraction_in_year(start, end, year, counting) for year in range(start.year, end.year + 1)}
    weights = {year: Decimal(count.numerator) / Decimal(count.denominator) for year, count in months.items() if count}
    if caps and sum(caps.values(), Decimal("0")) > 0:
        weights = {year: caps.get(year, Decimal("0")) for year in weights}
    return split_proportionally(amount, weights)


def pass_through_by_year(
    *,
    amount: Decimal,
    start: datetime.date,
    end: datetime.date,
    fte: Decimal | None = None,
    max_per_fte: Decimal | None = None,
    top_up_per_fte: Decimal | None = None,
    counting: str = STARTED_MONTHS,
) -> list[dict]:
    """Per year of a pass-through (Weiterleitung): what the recipient gets, the months of each year
    counted as ``counting`` says (started months in full, or by day).

    - ``cap``: max_per_fte x FTE x months/12, rounded per year (None without a cap);
    - ``passed_on``: the Land's money passed on, ``amount`` split by year in proportion to the caps
      (by months where there is no cap), so the years add up to ``amount`` to the cent;
    - ``top_up``: the Kreis' own top-up, top_up_per_fte x FTE x months/12 (zero without one);
    - ``total``: passed on plus top-up.
    """
    zero = Decimal("0.00")
    caps = (
        per_fte_by_year(max_per_fte, fte, start, end, counting) if max_per_fte is not None and fte is not None else None
    )
    top_ups = per_fte_by_year(top_up_per_fte, fte, start, end, counting) if top_up_per_fte is not None and fte else {}
    passed_on = amount_by_year(amount, start, end, caps, counting)
    return [
        {
            "year": year,
            "months": months_shown(start, end, year, counting),
            "cap": None if caps is None else caps[year],
            "passed_on": passed,
            "top_up": top_ups.get(year, zero),
            "total": passed + top_ups.get(year, zero),
        }
        for year, passed in passed_on.items()
    ]


def claim_back(passed_on: Decimal, ceiling: Decimal) -> Decimal:
    """Rückforderung: what was passed on above the ceiling (a negative ceiling counts as zero)."""
    return max(passed_on - max(ceiling, Decimal("0.00")), Decimal("0.00"))


# --- after the decision: settlement of the proof of use, repayment, interest ------------------------

# The financing types (funding.models.FinancingType uses the same values).
SHARE = "share"
FIXED_AMOUNT = "fixed"
DEFICIT = "deficit"
FULL = "full"
FLAT_RATE = "flat_rate"

# A single line of the financing plan may run this much over if savings elsewhere make up for it
# (Nr. 1.2 ANBest-G / ANBest-P NRW); the plan is binding in total.
LINE_TOLERANCE = Decimal("0.20")


def admissible_by_line(
    planned: Mapping[K, Decimal], admitted: Mapping[K, Decimal], tolerance: Decimal = LINE_TOLERANCE
) -> dict[K, Decimal]:
    """Per line of the financing plan: the admitted expenditure that counts, at most the planned
    amount plus ``tolerance`` (20 %) of it. A line the plan does not have counts in full: it is
    the caller's business to refuse receipts without a line when there is a plan."""
    result = {}
    for key, amount in admitted.items():
        if key in planned:
            amount = min(amount, round_money(planned[key] * (1 + tolerance)))
        result[key] = amount
    return result


def settled_grant(
    *,
    financing_type: str,
    eligible: Decimal,
    granted: Decimal,
    rate: Decimal | None = None,
    cap: Decimal | None = None,
    own_funds: Decimal | None = None,
    third_party_funds: Decimal | None = None,
) -> Decimal:
    """The final grant after the proof of use, from the expenditure admitted (VV Nr. 2 zu § 44 LHO).

    Never more than the grant of the decision (``granted``):

    - share financing: the rate of the admitted expenditure (at most the cap);
    - deficit financing: the gap left by own and third-party funds as they were actually
      available; every saving lowers the grant in full;
    - full financing: the admitted expenditure;
    - fixed amounts and flat rates: the grant stays, unless the admitted expenditure is lower
      (a fixed amount may never exceed the expenditure, VV Nr. 2.2.3).
    """
    zero = Decimal("0.00")
    if financing_type == SHARE:
        result = share_grant(eligible, rate or zero, cap)
    elif financing_type == DEFICIT:
        result = deficit_grant(eligible, own_funds or zero, third_party_funds or zero, cap)
    else:
        result = eligible
    return max(min(result, granted), zero)


def overpaid_parts(payments: Sequence[tuple[datetime.date, Decimal]], final_grant: Decimal) -> list[tuple]:
    """The parts of the money received above the final grant, each with the day it was received.

    Payments count in the order they came in: the first ones up to the final grant are covered,
    everything received after that (and the part of the payment that crossed it) was overpaid
    from its day of receipt on (§ 49a Abs. 3 VwVfG NRW: interest from the day the grant became
    ineffective for that money, which for a reduced final grant is its payout)."""
    parts = []
    covered = max(final_grant, Decimal("0.00"))
    for day, amount in sorted(payments, key=lambda payment: payment[0]):
        if amount <= 0:
            continue
        over = amount - covered if amount > covered else Decimal("0.00")
        covered = max(covered - amount, Decimal("0.00"))
        if over > 0:
            parts.append((day, over))
    return parts


def interest(
    parts: Sequence[tuple[datetime.date, Decimal]],
    until: datetime.date,
    base_rates: Sequence[tuple[datetime.date, Decimal]],
    points_above_base: Decimal,
) -> Decimal:
    """Interest on ``parts`` (day, amount) from each day up to ``until`` (exclusive), at
    ``points_above_base`` percentage points above the base rate in force on each day (§ 247 BGB,
    ``base_rates`` as (valid from, rate in %)), counting each day as 1/365 of a year, rounded
    half-up to the cent once at the end. A day before the first base rate counts at the first."""
    rates = sorted(base_rates)
    if not rates:
        raise ValueError("no base rate")
    total = Fraction(0)
    for start, amount in parts:
        for index, (valid_from, base) in enumerate(rates):
            valid_to = rates[index + 1][0] if index + 1 < len(rates) else until
            first = max(start, valid_from) if index else start
            last = min(until, valid_to)
            days = (last - first).days
            if days <= 0:
                continue
            yearly = max(Fraction(base) + Fraction(points_above_base), Fraction(0))
            total += Fraction(amount) * yearly / 100 * days / 365
    return round_fraction(total)


def end_of_month_after(day: datetime.date, months: int) -> datetime.date:
    """The last day of the month ``months`` months after ``day``'s month (31.12.2022 + 6: 30.06.2023)."""
    first_of_next = add_months(datetime.date(day.year, day.month, 1), months + 1)
    return first_of_next - datetime.timedelta(days=1)


def need_until(
    day: datetime.date, *, start: datetime.date, end: datetime.date, grant_by_year: Mapping[int, Decimal]
) -> Decimal:
    """The part of the grant needed from the period's start up to and including ``day``: each
    year's grant spread evenly over its days in the period (the plan's average monthly need,
    each month counted by its days)."""
    if day < start:
        return Decimal("0.00")
    last = min(day, end)
    total = Fraction(0)
    for year, amount in grant_by_year.items():
        full = month_fraction_in_year(start, end, year, BY_DAY)
        if full:
            total += Fraction(amount) * month_fraction_in_year(start, last, year, BY_DAY) / full
    return round_fraction(total)


def two_month_excess(
    payments: Sequence[tuple[datetime.date, Decimal]],
    *,
    start: datetime.date,
    end: datetime.date,
    grant_by_year: Mapping[int, Decimal],
) -> list[dict]:
    """The two-month rule on amounts (VV Nr. 7.2 zu § 44 LHO NRW): after each payment, the money
    received in all is compared with what the plan needs up to two months after that payment.
    Returns one row per payment: ``day``, ``received_total``, ``needed_by`` (the day two months
    later), ``needed`` and ``excess`` (received beyond that need, at least 0)."""
    rows = []
    received = Decimal("0.00")
    for day, amount in sorted(payments, key=lambda payment: payment[0]):
        received += amount
        needed_by = add_months(day, 2)
        needed = need_until(needed_by, start=start, end=end, grant_by_year=grant_by_year)
        rows.append(
            {
                "day": day,
                "amount": amount,
                "received_total": received,
                "needed_by": needed_by,
                "needed": needed,
                "excess": max(received - needed, Decimal("0.00")),
            }
        )
    return rows
