"""Workflows on positions and assignments: locking, validation, stored costs, vacancies."""

import contextvars
import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from programs.models import FlatRate
from staffing import services
from staffing.costs import annual_cost, costs_by_year, load_cost_tables
from staffing.models import Assignment, PayTableEntry, Position, PositionCost, staffing_periods
from tests import factories

D = datetime.date


@pytest.fixture
def grade(db):
    grade = factories.pay_grade("E 11 (T)")
    factories.pay_data(grade, years=(2021, 2022), amount="4000.00", steps=(3,))
    return grade


@pytest.mark.django_db
def test_save_assignment_refuses_more_than_the_position_has():
    position = factories.position(fte="1.0")
    services.save_assignment(
        assignment=Assignment(position=position, holder_name="A", fte_share=Decimal("0.6"), start=D(2021, 1, 1))
    )
    with pytest.raises(ValidationError) as error:
        services.save_assignment(
            assignment=Assignment(position=position, holder_name="B", fte_share=Decimal("0.6"), start=D(2021, 6, 1))
        )
    assert "nur 1,0 VZÄ" in error.value.message_dict["fte_share"][0]
    assert position.assignments.count() == 1


@pytest.mark.django_db
def test_end_and_delete_assignment_keep_history():
    position = factories.position(fte="1.0")
    assignment = factories.assignment(position, "1.0", D(2021, 1, 1))
    services.end_assignment(assignment=assignment, end=D(2021, 6, 30), expected_revision=assignment.revision)
    assignment.refresh_from_db()
    assert assignment.end == D(2021, 6, 30)
    assert assignment.history.first().history_change_reason == "Besetzung beendet"
    with pytest.raises(ValidationError):  # before its start
        services.end_assignment(assignment=assignment, end=D(2020, 12, 31), expected_revision=assignment.revision)
    services.delete_assignment(assignment=Assignment.objects.get(pk=assignment.pk))
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert Assignment.history.filter(id=assignment.pk).count() == 3  # created, ended, deleted


@pytest.mark.django_db
def test_save_position_refuses_a_stale_form():
    position = factories.position(fte="1.0")
    seen = position.revision
    other = Position.objects.get(pk=position.pk)
    other.title = "Von jemand anderem geändert"
    services.save_position(position=other, expected_revision=seen)
    position.fte = Decimal("2.0")
    with pytest.raises(ValidationError) as error:
        services.save_position(position=position, expected_revision=seen)
    assert "inzwischen von jemand anderem geändert" in error.value.messages[0]
    position.refresh_from_db()
    assert position.fte == Decimal("1.000") and position.title == "Von jemand anderem geändert"


@pytest.mark.django_db
def test_save_position_records_the_reason_and_resets_illustrative_pay_grade(grade):
    position = factories.position(fte="1.0", pay_grade=grade, pay_step=3, pay_grade_is_illustrative=True)
    position.title = "Neu"
    services.save_position(
        position=position, expected_revision=position.revision, reason="Umbenennung laut Stellenplan"
    )
    assert position.history.first().history_change_reason == "Umbenennung laut Stellenplan"
    assert Position.objects.get(pk=position.pk).pay_grade_is_illustrative  # pay grade unchanged: still illustrative
    position.pay_step = 4
    services.save_position(position=position, expected_revision=position.revision)
    assert not Position.objects.get(pk=position.pk).pay_grade_is_illustrative


@pytest.mark.django_db
def test_delete_position_only_without_assignments():
    position = factories.position()
    factories.assignment(position, "0.5")
    with pytest.raises(ValidationError):
        services.delete_position(position=position)
    empty = factories.position()
    services.delete_position(position=empty)
    assert not Position.objects.filter(pk=empty.pk).exists()


@pytest.mark.django_db
def test_refresh_costs_stores_what_costs_computes(grade):
    full = factories.position(fte="1.0", pay_grade=grade, pay_step=3)
    half = factories.position(fte="0.5", pay_grade=grade, pay_step=3, start=D(2022, 7, 1))
    no_grade = factories.position(fte="1.0")
    ours = Position.objects.filter(pk__in=[full.pk, half.pk, no_grade.pk])  # (beside the demo's)
    # every year with rates (the demo's reach back to 2020): the full position's 2021 and 2022 (its
    # pay table starts in 2021), the half one's 2022 and, not yet started, nothing in 2020 and 2021
    assert services.refresh_costs(positions=ours) == 5
    tables = load_cost_tables()
    for position in (full, half):
        for year in (2021, 2022):
            stored = PositionCost.objects.get(position=position, year=year)
            live = annual_cost(position, year, tables)
            assert (stored.months, stored.total, stored.gross_pay) == (live.months, live.total, live.gross_pay)
    assert PositionCost.objects.get(position=half, year=2021).total == Decimal("0.00")  # not yet existing
    assert not PositionCost.objects.filter(position=no_grade).exists()
    assert services.refresh_costs(positions=ours) == 0  # nothing changed: nothing written

    PayTableEntry.objects.filter(pay_grade=grade, valid_from__year=2022).update(monthly_amount=Decimal("4100.00"))
    assert services.refresh_costs(positions=ours) == 2  # the 2022 rows of both positions
    full.pay_grade = None
    full.save()
    services.refresh_costs(positions=Position.objects.filter(pk=full.pk))
    assert not PositionCost.objects.filter(position=full).exists()
    assert PositionCost.objects.filter(position=half).count() == 3  # other positions untouched


@pytest.mark.django_db
def test_costs_by_year_sums_cost_and_coverage_gap(grade):
    org = factories.organisation("ORGX")
    block = factories.building_block()
    funded = factories.position(block, org, fte="1.0", pay_grade=grade, pay_step=3)
    factories.position(factories.building_block(), org, fte="0.5", pay_grade=grade, pay_step=3)
    FlatRate.objects.create(building_block=block, year=2022, amount_per_fte=Decimal("55000.00"), is_illustrative=True)
    services.refresh_costs()
    summary = costs_by_year(PositionCost.objects.filter(position__organisation=org))[None]
    year = summary[2022]
    tables = load_cost_tables()
    full_cost = annual_cost(funded, 2022, tables).total
    assert year.positions == 2 and year.funded_positions == 1
    assert year.funded_cost == full_cost
    assert year.flat_rate_funding == Decimal("55000.00")
    assert year.coverage_gap == full_cost - Decimal("55000.00")
    assert year.flat_rate_illustrative
    assert summary[2021].coverage_gap is None  # no flat rate in 2021


def test_staffing_periods_show_vacancies():
    position = Position(fte=Decimal("1.5"), start=D(2020, 1, 1), end=D(2022, 12, 31))
    a = Assignment(fte_share=Decimal("1.0"), start=D(2020, 9, 1), end=D(2022, 12, 31))
    b = Assignment(fte_share=Decimal("0.5"), start=D(2020, 10, 1), end=D(2021, 12, 31))
    periods = [(p.start, p.end, p.assigned, p.vacant) for p in staffing_periods(position, [a, b])]
    assert periods == [
        (D(2020, 1, 1), D(2020, 8, 31), Decimal("0"), Decimal("1.5")),
        (D(2020, 9, 1), D(2020, 9, 30), Decimal("1.0"), Decimal("0.5")),
        (D(2020, 10, 1), D(2021, 12, 31), Decimal("1.5"), Decimal("0.0")),
        (D(2022, 1, 1), D(2022, 12, 31), Decimal("1.0"), Decimal("0.5")),
    ]
    open_position = Position(fte=Decimal("1.0"), start=None, end=None)
    periods = staffing_periods(open_position, [Assignment(fte_share=Decimal("1.0"), start=D(2021, 1, 1), end=None)])
    assert [(p.start, p.end, p.assigned) for p in periods] == [
        (None, D(2020, 12, 31), Decimal("0")),
        (D(2021, 1, 1), None, Decimal("1.0")),
    ]
    assert [(p.start, p.end, p.vacant) for p in staffing_periods(open_position, [])] == [(None, None, Decimal("1.0"))]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_assignments_cannot_together_exceed_the_position():
    """Two saves at the same moment, 0,6 + 0,6 on a 1,0 position: the row lock lets only one through.

    The first transaction saves and keeps its lock open for a moment; the second starts then. Without
    the lock the second would validate against data without the first's uncommitted row and pass.
    """
    if connection.vendor != "postgresql":
        pytest.skip("SELECT … FOR UPDATE needs PostgreSQL (SQLite locks the whole database)")
    position = factories.position(fte="1.0")
    first_saved = threading.Event()
    results: dict[str, object] = {}

    def first():
        try:
            with transaction.atomic():
                services.save_assignment(
                    assignment=Assignment(
                        position_id=position.pk, holder_name="A", fte_share=Decimal("0.6"), start=D(2021, 1, 1)
                    )
                )
                first_saved.set()
                threading.Event().wait(0.5)  # hold the lock while the second one tries
            results["first"] = "saved"
        except Exception as error:  # pragma: no cover - reported below
            results["first"] = error
        finally:
            first_saved.set()
            connection.close()

    def second():
        first_saved.wait(5)
        try:
            with transaction.atomic():
                services.save_assignment(
                    assignment=Assignment(
                        position_id=position.pk, holder_name="B", fte_share=Decimal("0.6"), start=D(2021, 1, 1)
                    )
                )
            results["second"] = "saved"
        except ValidationError as error:
            results["second"] = error
        finally:
            connection.close()

    # (a thread starts without the test's body scope: each runs in a copy of it)
    threads = [threading.Thread(target=contextvars.copy_context().run, args=(job,)) for job in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results["first"] == "saved"
    assert isinstance(results["second"], ValidationError)
    assert "fte_share" in results["second"].message_dict
    assert list(Assignment.objects.filter(position=position).values_list("holder_name", flat=True)) == ["A"]


@pytest.mark.django_db
def test_admin_changes_to_pay_data_refresh_the_stored_costs(grade, rf):
    from django.contrib import admin as django_admin

    from staffing.models import PayTableEntry

    position = factories.position(fte="1.0", pay_grade=grade, pay_step=3)
    services.refresh_costs()
    before = PositionCost.objects.get(position=position, year=2022).total
    entry = PayTableEntry.objects.get(pay_grade=grade, valid_from__year=2022)
    entry.monthly_amount = Decimal("4500.00")
    model_admin = django_admin.site._registry[PayTableEntry]
    model_admin.save_model(rf.post("/"), entry, form=None, change=True)
    assert PositionCost.objects.get(position=position, year=2022).total > before
    model_admin.delete_model(rf.post("/"), entry)  # the 2021 amount (4.000 €) applies again in 2022
    assert PositionCost.objects.get(position=position, year=2022).total == before
