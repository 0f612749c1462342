"""Issue 23: call-offs recorded before the four-eyes principle count as approved, by nobody.

The migration's data step is called on today's tables (the schema step runs when the test
database is built, and ``makemigrations --check`` holds the models to it): migrating the whole
project back and forth for it cost 18 s of every test run.
"""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from funding.models import CallOff
from tests import factories

pytestmark = pytest.mark.django_db

migration = importlib.import_module("funding.migrations.0013_call_off_four_eyes")


def test_earlier_call_offs_are_approved_before_four_eyes_and_new_ones_await_approval():
    CallOff.objects.all().delete()  # (the demo's are recorded under four eyes; before it, none were)
    decision = factories.decision(title="Vor dem Vier-Augen-Prinzip")
    # as a call-off recorded before the migration: no recorder, no approval
    earlier = CallOff.objects.create(decision=decision, called_on=datetime.date(2020, 1, 2), amount=Decimal("1.00"))
    assert not earlier.is_approved
    migration.approve_earlier_call_offs(apps, None)
    earlier.refresh_from_db()
    assert earlier.is_approved and earlier.approved_before_four_eyes
    assert earlier.approved_at == earlier.created and earlier.recorded_by is None
    assert not CallOff.objects.filter(approved_at__isnull=True).exists()
    new = CallOff.objects.create(decision=decision, called_on=datetime.date(2020, 1, 3), amount=Decimal("1.00"))
    assert not new.is_approved  # saved without the services: awaiting approval, never approved
