import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from staffing.models import Assignment, Position, peak_assigned_fte
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.mark.parametrize("fte", ["0", "-1"])
def test_fte_must_be_positive_in_the_database(fte):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.position(fte=fte)


def test_position_period_is_ordered():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.position(start=D(2021, 1, 1), end=D(2020, 12, 31))


def test_peak_assigned_fte_sweeps_days():
    a = Assignment(fte_share=Decimal("1.0"), start=D(2020, 1, 1), end=D(2020, 6, 30))
    b = Assignment(fte_share=Decimal("0.5"), start=D(2020, 7, 1), end=None)
    c = Assignment(fte_share=Decimal("0.5"), start=D(2020, 6, 30), end=D(2020, 6, 30))
    assert peak_assigned_fte([a, b]) == Decimal("1.0")  # one ends the day before the other starts
    assert peak_assigned_fte([a, b, c]) == Decimal("1.5")  # c overlaps a on its last day


def make_assignment(position, share, start, end=None, name="Erika Mustermann"):
    assignment = Assignment(position=position, holder_name=name, fte_share=Decimal(share), start=start, end=end)
    assignment.full_clean()
    assignment.save()
    return assignment


def test_assignments_never_exceed_position_fte_on_any_day():
    position = factories.position(fte="1.5")
    make_assignment(position, "1.0", D(2020, 1, 1), D(2020, 12, 31))
    make_assignment(position, "0.5", D(2020, 6, 1))
    with pytest.raises(ValidationError) as error:
        make_assignment(position, "0.5", D(2020, 12, 31))  # 2.0 on 31.12.2020
    assert "fte_share" in error.value.message_dict
    assert "nur 1,5 VZÄ" in error.value.message_dict["fte_share"][0]
    make_assignment(position, "0.5", D(2021, 1, 1))  # after the first one ended: 1.0 in total


def test_assignment_must_lie_inside_the_position():
    position = factories.position(start=D(2020, 4, 1), end=D(2022, 12, 31))
    with pytest.raises(ValidationError) as error:
        make_assignment(position, "1.0", D(2020, 3, 1), D(2020, 12, 31))
    assert "start" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_assignment(position, "1.0", D(2020, 5, 1))  # open end, but the position ends
    assert "end" in error.value.message_dict


def test_position_cannot_shrink_below_its_assignments():
    position = factories.position(fte="1.0")
    make_assignment(position, "1.0", D(2020, 1, 1))
    position.fte = Decimal("0.5")
    with pytest.raises(ValidationError) as error:
        position.full_clean()
    assert "fte" in error.value.message_dict


def test_assignment_constraints_in_the_database():
    position = factories.position()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(position=position, holder_name="X", fte_share=0, start=D(2020, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            position=position, holder_name="X", fte_share=1, start=D(2020, 1, 2), end=D(2020, 1, 1)
        )


def test_active_on_and_total_fte():
    block = factories.building_block()
    factories.position(block, factories.organisation("A"), "1.5", start=D(2020, 1, 1), end=D(2020, 12, 31))
    factories.position(block, factories.organisation("B"), "1.0", start=D(2021, 1, 1))
    positions = Position.objects.filter(building_block=block)
    assert positions.active_on(D(2020, 6, 1)).total_fte() == Decimal("1.5")
    assert positions.total_fte() == Decimal("2.5")


def test_position_changes_are_recorded_in_history():
    position = factories.position(fte="1.0")
    position.fte = Decimal("0.5")
    position.save()
    assert [h.fte for h in position.history.order_by("history_date")] == [Decimal("1.000"), Decimal("0.500")]
