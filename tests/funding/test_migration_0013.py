"""Issue 23: call-offs recorded before the four-eyes principle count as approved, by nobody."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.funding.test_migration_0007 import migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("funding", "0012_recipient_proofs")]


def test_earlier_call_offs_are_approved_before_four_eyes_and_new_ones_await_approval(demo):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("funding")
    try:
        old = migrate(BEFORE)
        decision = old.get_model("funding", "GrantDecision").objects.get(title="Teilhabemanagement (Förderbaustein 6)")
        old.get_model("funding", "CallOff").objects.create(
            decision=decision, called_on=datetime.date(2020, 1, 2), amount=Decimal("1.00")
        )
    finally:
        migrate(latest)
    from funding.models import CallOff

    earlier = CallOff.objects.get(decision__title="Teilhabemanagement (Förderbaustein 6)", called_on="2020-01-02")
    assert earlier.is_approved and earlier.approved_before_four_eyes
    assert earlier.approved_at == earlier.created and earlier.recorded_by is None
    assert not CallOff.objects.filter(approved_at__isnull=True).exists()
    new = CallOff.objects.create(decision=earlier.decision, called_on=datetime.date(2020, 1, 3), amount=Decimal("1.00"))
    assert not new.is_approved  # saved without the services: awaiting approval, never approved
