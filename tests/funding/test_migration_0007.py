"""Issue 21: existing data migrate without a changed figure. The demo's database is taken back to
the schema before financing plans (funding 0006), given a flat-rate decision computed from the
master data the old way, and migrated forward again: every stored figure stays to the cent and
the rates are frozen into the decision."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.migrations import ON_POSTGRESQL

pytestmark = [pytest.mark.django_db(transaction=True), ON_POSTGRESQL]

BEFORE = [("funding", "0006_revisions_and_illustrative_values")]


def migrate(targets):
    """Migrate to ``targets``; the models of every app as they are then (others at their latest)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # the models as the migrations now applied leave them (going back also unapplies the migrations
    # of other apps that depend on the targets', e.g. the move of records into bodies)
    applied = MigrationExecutor(connection).loader.applied_migrations
    return executor.loader.project_state([node for node in applied if node in executor.loader.graph.nodes]).apps


def test_demo_data_migrates_to_financing_plans_without_a_changed_figure(demo):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("funding")  # [("funding", "00NN_…")]
    try:
        old = migrate(BEFORE)
        version_model = old.get_model("funding", "DecisionVersion")
        rate_model = old.get_model("programs", "FlatRate")
        decision_model = old.get_model("funding", "GrantDecision")
        block = old.get_model("programs", "BuildingBlock").objects.get(programme__short_name="KIM", number=2)
        rate_model.objects.update_or_create(
            building_block=block, year=2021, defaults={"amount_per_fte": Decimal("55000.00")}
        )
        decision = decision_model.objects.create(
            programme_id=block.programme_id, funder_id=old.get_model("programs", "Funder").objects.first().pk,
            title="KIM Pauschale vor der Migration", form="zuweisung",
        )  # fmt: skip
        decision.building_blocks.add(block)
        version_model.objects.create(
            decision=decision, number=0, is_current=True, financing_type="flat_rate", funded_fte=Decimal("2.5"),
            period_start=datetime.date(2021, 4, 1), period_end=datetime.date(2021, 12, 31),
            granted_amount=Decimal("103125.00"),  # 2,5 x 55.000 x 9/12, as the old code stored it
        )  # fmt: skip
        before = {
            row[0]: row[1:]
            for row in version_model.objects.values_list(
                "pk", "eligible_expenditure", "granted_amount", "funded_fte", "rate", "stated_amount"
            )
        }
        shares_before = sorted(
            old.get_model("funding", "CostShare").objects.values_list(
                "pk", "eligible_amount", "grant_amount", "own_share"
            )
        )
    finally:
        new = migrate(latest)
    from funding.models import CostShare, DecisionVersion

    after = {
        row[0]: row[1:]
        for row in DecisionVersion.objects.values_list(
            "pk", "eligible_expenditure", "granted_amount", "funded_fte", "rate", "stated_amount"
        )
    }
    assert after == before
    assert sorted(CostShare.objects.values_list("pk", "eligible_amount", "grant_amount", "own_share")) == shares_before
    migrated = DecisionVersion.objects.get(decision__title="KIM Pauschale vor der Migration")
    assert migrated.frozen_rates() == {2021: Decimal("55000.00")}
    migrated.save()  # recomputed from the frozen rate: the same grant
    assert migrated.granted_amount == Decimal("103125.00")
    founding = DecisionVersion.objects.get(decision__title="Teilhabemanagement (Förderbaustein 6)")
    assert (founding.eligible_expenditure, founding.granted_amount, founding.own_share) == (
        Decimal("780617.00"),
        Decimal("624493.60"),
        Decimal("156123.40"),
    )
    assert new is not None
