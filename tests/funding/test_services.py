"""The multi-record workflows: creating, amending and correcting decisions, own shares."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from funding import services
from funding.models import CostShare, DecisionVersion, FinancingType, GrantDecision
from integration_admin.core.db import MoneySum
from tests import factories

pytestmark = pytest.mark.django_db

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)
rates = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100.00"), places=2)
fte = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("40"), places=3)


def share_totals(version):
    return version.cost_shares.aggregate(
        eligible=MoneySum("eligible_amount"), granted=MoneySum("grant_amount"), own=MoneySum("own_share")
    )


class AmendmentProperty(HypothesisTestCase):
    """For any figures and split, every version's shares add up and the earlier version stays as it was."""

    @settings(max_examples=40, deadline=None)
    @given(
        eligible=amounts,
        rate=rates,
        new_eligible=amounts,
        new_rate=rates,
        weights=st.lists(fte, min_size=1, max_size=4),
    )
    def test_amended_shares_add_up_and_the_original_stays(self, eligible, rate, new_eligible, new_rate, weights):
        decision = factories.decision()
        original = factories.version(decision, eligible_expenditure=eligible, rate=rate)
        orgs = [factories.organisation() for _ in weights]
        services.split_cost_shares(version=original, weights=dict(zip(orgs, weights, strict=True)))
        before = sorted(CostShare.objects.filter(version=original).values_list("organisation", "own_share"))

        amendment = services.record_amendment(
            decision=decision,
            expected_revision=decision.revision,
            reason="Änderung",
            figures={"eligible_expenditure": new_eligible, "rate": new_rate},
        )
        amendment.refresh_from_db()
        original.refresh_from_db()
        totals = share_totals(amendment)
        assert totals["eligible"] == new_eligible
        assert totals["granted"] == amendment.granted_amount
        assert totals["granted"] + totals["own"] == new_eligible
        assert amendment.granted_amount + amendment.own_share == new_eligible
        assert list(amendment.cost_shares.values_list("weight", flat=True).order_by("organisation_id")) == [
            w for _, w in sorted(zip([o.pk for o in orgs], weights, strict=True))
        ]
        assert (original.is_current, amendment.is_current, amendment.number) == (False, True, 1)
        assert before == sorted(CostShare.objects.filter(version=original).values_list("organisation", "own_share"))
        assert DecisionVersion.objects.filter(decision=decision, is_current=True).count() == 1
        decision.refresh_from_db()
        assert decision.revision == 2


def test_record_amendment_numbers_and_copies():
    decision = factories.decision()
    factories.version(decision, eligible_expenditure=Decimal("1000.00"), rate=Decimal("80"))
    first = services.record_amendment(
        decision=decision, expected_revision=1, reason="a", dated_on=datetime.date(2021, 1, 1), figures={}
    )
    second = services.record_amendment(
        decision=decision, expected_revision=2, reason="b", figures={"rate": Decimal("90")}
    )
    assert (first.number, second.number) == (1, 2)
    assert first.granted_amount == Decimal("800.00") and second.granted_amount == Decimal("900.00")
    assert second.eligible_expenditure == Decimal("1000.00")
    assert second.history.first().history_change_reason == "b"
    assert decision.versions.get(number=1).history.first().history_change_reason.startswith("abgelöst")


@pytest.mark.parametrize(
    ("figures", "field"),
    [
        ({"rate": Decimal("101")}, "rate"),
        ({"eligible_expenditure": Decimal("-1")}, "eligible_expenditure"),
        ({"period_start": datetime.date(2023, 1, 1)}, "period_end"),
        ({"financing_type": FinancingType.FULL}, "full_financing_reason"),
    ],
)
def test_record_amendment_refuses_invalid_figures_and_writes_nothing(figures, field):
    decision = factories.decision()
    factories.version(decision, eligible_expenditure=Decimal("1000.00"), rate=Decimal("80"))
    with pytest.raises(ValidationError) as error:
        services.record_amendment(decision=decision, expected_revision=1, reason="x", figures=figures)
    assert field in error.value.message_dict
    assert decision.versions.count() == 1 and decision.versions.get().is_current


def test_record_amendment_needs_reason_and_current_revision():
    decision = factories.decision()
    factories.version(decision, eligible_expenditure=Decimal("1000.00"), rate=Decimal("80"))
    with pytest.raises(ValidationError):
        services.record_amendment(decision=decision, expected_revision=1, reason=" ", figures={})
    with pytest.raises(services.StaleRevision):
        services.record_amendment(decision=decision, expected_revision=7, reason="x", figures={})
    with pytest.raises(ValueError):
        services.record_amendment(decision=decision, expected_revision=1, reason="x", figures={"number": 5})
    assert decision.versions.count() == 1


def test_split_updates_rows_in_place_so_history_shows_old_and_new():
    version = factories.version(eligible_expenditure=Decimal("780617.00"), rate=Decimal("80"))
    ki, drk = factories.organisation("KI"), factories.organisation("DRK")
    services.split_cost_shares(version=version, weights={ki: Decimal("1.5"), drk: Decimal("1.0")})
    share = CostShare.objects.get(version=version, organisation=ki)
    services.split_cost_shares(version=version, weights={ki: Decimal("2.0"), drk: Decimal("1.0")}, reason="neu")
    share.refresh_from_db()  # the same row
    assert share.weight == Decimal("2.0")
    assert share.history.count() == 2 and share.history.first().history_change_reason == "neu"
    services.split_cost_shares(version=version, weights={ki: Decimal("1")})
    assert list(CostShare.objects.filter(version=version).values_list("organisation__short_name", flat=True)) == ["KI"]
    assert CostShare.history.filter(history_type="-").count() == 1


def test_create_decision_splits_by_the_positions_fte():
    block = factories.building_block()
    ki, drk = factories.organisation("KI"), factories.organisation("DRK")
    factories.position(block, ki, fte="1.5")
    factories.position(block, drk, fte="1.0")
    decision = services.create_decision(
        decision=GrantDecision(programme=block.programme, funder=factories.funder(), title="T", form="zuweisung"),
        building_blocks=[block],
        version=DecisionVersion(
            financing_type=FinancingType.SHARE, eligible_expenditure=Decimal("780617.00"), rate=Decimal("80")
        ),
    )
    version = decision.versions.get()
    own = dict(version.cost_shares.values_list("organisation__short_name", "own_share"))
    assert own == {"KI": Decimal("93674.04"), "DRK": Decimal("62449.36")}
