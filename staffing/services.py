"""Workflows that change positions and assignments, each in one transaction.

Every change to a position or its assignments first locks the position's row
(``SELECT … FOR UPDATE``), then validates, then writes. Two people saving at the same moment
are thus checked one after the other: together they can never assign more FTE than the
position has, and a position cannot shrink below what a parallel save just assigned.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from integration_admin.core.history import ASSIGNMENT_ENDED, system_reason
from integration_admin.core.models import StaleRevision, lock_revision
from integration_admin.core.scopes import scopes_disabled
from staffing.costs import annual_cost, load_cost_tables
from staffing.models import (
    AnnualBonusRate,
    Assignment,
    EmployerContributionRate,
    PayTableEntry,
    Position,
    PositionCost,
)

COST_FIELDS = ("months", "gross_pay", "annual_bonus", "employer_contributions", "total", "is_illustrative")


def _lock(position_id: int) -> Position:
    return Position.objects.select_for_update().get(pk=position_id)


@transaction.atomic
def save_position(*, position: Position, expected_revision: int | None = None, reason: str = "") -> Position:
    """Create or change a position.

    A change needs the ``revision`` the user's form was opened with: if someone saved the position
    since, it is refused (:class:`~integration_admin.core.models.StaleRevision`) instead of silently
    overwriting theirs.
    """
    if position.pk:
        current = lock_revision(position, expected_revision)
        if (current.pay_grade_id, current.pay_step) != (position.pay_grade_id, position.pay_step):
            position.pay_grade_is_illustrative = False
    position.full_clean()
    if reason:
        position._change_reason = reason
    position.save()
    refresh_costs(positions=Position.objects.filter(pk=position.pk))
    return position


@transaction.atomic
def delete_position(*, position: Position) -> None:
    locked = _lock(position.pk)
    if locked.assignments.exists():
        raise ValidationError(
            _(
                "Eine Stelle mit Besetzungen kann nicht gelöscht werden. "
                "Setzen Sie stattdessen ein Ende oder den Status „beendet“."
            )
        )
    locked.delete()


@transaction.atomic
def save_assignment(*, assignment: Assignment, expected_revision: int | None = None, reason: str = "") -> Assignment:
    """Create or change an assignment; the shares on the position never exceed its FTE on any day.

    A change needs the ``revision`` the user's form was opened with (see :func:`save_position`).
    """
    assignment.position = _lock(assignment.position_id)
    if assignment.pk:
        lock_revision(assignment, expected_revision)
    assignment.full_clean()
    if reason:
        assignment._change_reason = reason
    assignment.save()
    return assignment


@transaction.atomic
def end_assignment(*, assignment: Assignment, end: datetime.date, expected_revision: int | None) -> Assignment:
    """Set the last day of an assignment (the person leaves or reduces to zero)."""
    assignment.end = end
    return save_assignment(
        assignment=assignment, expected_revision=expected_revision, reason=system_reason(ASSIGNMENT_ENDED)
    )


@transaction.atomic
def delete_assignment(*, assignment: Assignment) -> None:
    """Remove an assignment entered by mistake (the history keeps it)."""
    _lock(assignment.position_id)
    assignment.delete()


def refresh_every_body_costs() -> int:
    """After a change of the pay data, which the Land's bodies share: the stored costs of every
    body's positions, not only of the body whose administrator made the change."""
    with scopes_disabled():
        return refresh_costs()


@transaction.atomic
def refresh_costs(*, positions=None) -> int:
    """Recompute the stored annual cost of ``positions`` (all when ``None``) for every year with rates.

    Called after a position or the pay data change; writes only what differs and returns the
    number of rows created, changed or deleted.
    """
    tables = load_cost_tables()
    years = tables.years()
    queryset = Position.objects.all() if positions is None else positions
    wanted: dict[tuple[int, int], PositionCost] = {}
    fields = ("pk", "building_block_id", "fte", "pay_grade_id", "pay_step", "start", "end", "pay_grade_is_illustrative")
    for position in queryset.only(*fields).order_by().iterator(chunk_size=2000):
        for year in years:
            cost = annual_cost(position, year, tables)
            if cost is None:
                continue
            wanted[(position.pk, year)] = PositionCost(
                position_id=position.pk,
                year=year,
                months=cost.months,
                gross_pay=cost.gross_pay,
                annual_bonus=cost.annual_bonus,
                employer_contributions=cost.employer_contributions,
                total=cost.total,
                is_illustrative=cost.is_illustrative,
            )
    existing_rows = PositionCost.objects.all()
    if positions is not None:
        existing_rows = existing_rows.filter(position__in=positions.values("pk"))
    stale, changed = [], []
    for row in existing_rows.iterator(chunk_size=2000):
        new = wanted.pop((row.position_id, row.year), None)
        if new is None:
            stale.append(row.pk)
        elif any(getattr(row, name) != getattr(new, name) for name in COST_FIELDS):
            for name in COST_FIELDS:
                setattr(row, name, getattr(new, name))
            changed.append(row)
    for start in range(0, len(stale), 500):
        PositionCost.objects.filter(pk__in=stale[start : start + 500]).delete()
    PositionCost.objects.bulk_update(changed, COST_FIELDS, batch_size=500)
    PositionCost.objects.bulk_create(wanted.values(), batch_size=500)
    return len(stale) + len(changed) + len(wanted)


# --- master data: pay tables and the rates of a year ------------------------------------------------


@transaction.atomic
def save_pay_table(*, valid_from: datetime.date, rows) -> int:
    """Save the monthly pay of grades and steps valid from ``valid_from`` (a pay round), then
    recompute every body's stored position costs (as ``manage.py refresh_costs`` does).

    ``rows``: (grade, revision the form was opened with, {step: amount or None}) for each grade
    whose row changed. Each grade's row is locked and its revision checked first
    (:class:`~integration_admin.core.models.StaleRevision`: nothing is written). An amount writes
    the entry of that day; ``None`` removes an entry of that day (an earlier one stays in force).
    Entries typed here are real values, no longer illustrative. Returns the cost rows changed."""
    for grade, seen, amounts in rows:
        lock_revision(grade, seen)
        for step, amount in sorted(amounts.items()):
            entry = PayTableEntry.objects.filter(pay_grade=grade, step=step, valid_from=valid_from).first()
            if amount is None:
                if entry is not None:
                    entry.delete()
                continue
            if entry is None:
                entry = PayTableEntry(pay_grade=grade, step=step, valid_from=valid_from)
            elif entry.monthly_amount == amount:
                continue
            entry.monthly_amount = amount
            entry.is_illustrative = False
            entry.full_clean()
            entry.save()
        grade.save(update_fields=["revision"])
    return refresh_every_body_costs()


@transaction.atomic
def save_year_rates(
    *,
    year: int,
    expected_revision: int | None,
    social_insurance_rate,
    pension_levy_rate,
    bonus_rates: dict,
) -> EmployerContributionRate:
    """Save the employer rates and the bonus rates ({grade group: rate or None}) of a year together,
    then recompute the stored position costs. The year's employer-rate row is locked and its
    revision checked; a form opened when the year had no rates yet is refused once someone
    else entered them (a form sent twice creates them once). ``None`` removes a bonus rate."""
    rates = EmployerContributionRate.objects.select_for_update().filter(year=year).first()
    if rates is None:
        rates = EmployerContributionRate(year=year)
    elif expected_revision is None:
        raise StaleRevision(rates)
    else:
        lock_revision(rates, expected_revision)
    rates.social_insurance_rate = social_insurance_rate
    rates.pension_levy_rate = pension_levy_rate
    rates.is_illustrative = False
    rates.full_clean()
    rates.save()
    for group, rate in bonus_rates.items():
        existing = AnnualBonusRate.objects.filter(year=year, group=group).first()
        if rate is None:
            if existing is not None:
                existing.delete()
            continue
        if existing is not None and existing.rate == rate:
            continue
        bonus = existing or AnnualBonusRate(year=year, group=group)
        bonus.rate = rate
        bonus.is_illustrative = False
        bonus.full_clean()
        bonus.save()
    refresh_every_body_costs()
    return rates
