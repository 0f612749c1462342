"""The illustrative pay data and holders of the demo: flagged, idempotent, founding figures untouched."""

import datetime
from decimal import Decimal

import pytest

from integration_admin.demo import load_demo
from programs.models import FlatRate
from staffing.models import (
    AnnualBonusRate,
    Assignment,
    EmployerContributionRate,
    PayTableEntry,
    Position,
    PositionCost,
)

pytestmark = pytest.mark.django_db


def test_everything_not_from_the_source_document_is_flagged_illustrative(demo):
    assert PayTableEntry.objects.exists() and not PayTableEntry.objects.filter(is_illustrative=False).exists()
    assert not AnnualBonusRate.objects.filter(is_illustrative=False).exists()
    assert not EmployerContributionRate.objects.filter(is_illustrative=False).exists()
    assert not FlatRate.objects.filter(is_illustrative=False).exists()
    assert Assignment.objects.exists() and not Assignment.objects.filter(is_illustrative=False).exists()
    assert not Position.objects.filter(pay_grade__isnull=False, pay_grade_is_illustrative=False).exists()
    assert not PositionCost.objects.filter(is_illustrative=False).exists()


def test_pay_rounds_of_2021_and_2022(demo):
    def pay(day):
        return PayTableEntry.objects.filter(pay_grade__code="E 11", step=3, valid_from__lte=day).latest("valid_from")

    assert pay(datetime.date(2021, 3, 31)).monthly_amount == Decimal("4182.12")
    assert pay(datetime.date(2021, 4, 1)).monthly_amount == Decimal("4240.67")  # +1,4 %
    assert pay(datetime.date(2022, 4, 1)).monthly_amount == Decimal("4317.00")  # +1,8 %, DOMAIN.md's example


def test_holders_do_not_change_the_founding_figures(demo):
    fte = {p.organisation.short_name + " " + p.title: p.fte for p in Position.objects.select_related("organisation")}
    assert fte["KI Teilhabemanagement"] == Decimal("1.5") and fte["DRK Teilhabemanagement"] == Decimal("1.0")
    for position in Position.objects.all():
        held = sum(a.fte_share for a in position.assignments.all())
        assert held <= position.fte


def test_load_demo_twice_changes_nothing(demo):
    models = (PayTableEntry, AnnualBonusRate, EmployerContributionRate, Assignment, FlatRate, PositionCost, Position)
    counts = {model: model.objects.count() for model in models}
    histories = Position.history.count(), Assignment.history.count(), FlatRate.history.count()
    costs = list(PositionCost.objects.order_by("pk").values_list("pk", "total"))
    load_demo()
    assert counts == {model: model.objects.count() for model in models}
    assert histories == (Position.history.count(), Assignment.history.count(), FlatRate.history.count())
    assert costs == list(PositionCost.objects.order_by("pk").values_list("pk", "total"))
