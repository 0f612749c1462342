"""The exact-sum helpers of integration_admin.core.db, at top level and inside a subquery."""

from decimal import Decimal

import pytest
from django.db.models import OuterRef, Subquery

from funding.models import CostShare, DecisionVersion
from integration_admin.core.db import CentsSum, MoneySum, from_cents

pytestmark = pytest.mark.django_db


def test_cents_sum_inside_a_subquery_is_exact(demo):
    """MoneySum's SQLite converter does not run inside a Subquery; CentsSum needs none."""
    own = (
        CostShare.objects.filter(version=OuterRef("pk"))
        .order_by()
        .values("version")
        .annotate(total=CentsSum("own_share"))
        .values("total")
    )
    version = DecisionVersion.objects.annotate(own_cents=Subquery(own)).get(eligible_expenditure=Decimal("780617.00"))
    assert from_cents(version.own_cents) == Decimal("156123.40")
    assert CostShare.objects.filter(version=version).aggregate(total=MoneySum("own_share"))["total"] == Decimal(
        "156123.40"
    )


def test_from_cents_handles_none_and_negatives():
    assert from_cents(None) is None
    assert from_cents(-1) == Decimal("-0.01")
