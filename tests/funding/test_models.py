import datetime
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from funding.models import CostShare, DecisionVersion, FinancingType
from funding.services import split_cost_shares
from integration_admin.core.db import MoneySum
from integration_admin.core.formats import CENT
from programs.models import FlatRate
from tests import factories

pytestmark = pytest.mark.django_db


def test_share_financing_grant_is_computed_on_save():
    version = factories.version(eligible_expenditure=Decimal("780617.00"), rate=Decimal("80"))
    version.refresh_from_db()
    assert version.granted_amount == Decimal("624493.60")
    assert version.own_share == Decimal("156123.40")


def test_share_financing_respects_cap():
    version = factories.version(eligible_expenditure=Decimal("1000"), rate=Decimal("80"), cap=Decimal("700"))
    assert version.granted_amount == Decimal("700")


def test_stated_amount_difference_is_reported_to_the_cent():
    version = factories.version(
        eligible_expenditure=Decimal("780617.00"), rate=Decimal("80"), stated_amount=Decimal("624493.59")
    )
    assert version.stated_difference == Decimal("-0.01")


def test_full_financing_needs_reason():
    version = DecisionVersion(
        decision=factories.decision(), financing_type=FinancingType.FULL, eligible_expenditure=Decimal("10")
    )
    with pytest.raises(ValidationError) as error:
        version.full_clean()
    assert "full_financing_reason" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        version.save()


def test_flat_rate_grant_uses_yearly_rates_of_the_block():
    block = factories.building_block()
    decision = factories.decision(programme_obj=block.programme)
    decision.building_blocks.add(block)
    FlatRate.objects.create(building_block=block, year=2020, amount_per_fte=Decimal("55000"))
    FlatRate.objects.create(building_block=block, year=2021, amount_per_fte=Decimal("57000"))
    version = factories.version(
        decision,
        financing_type=FinancingType.FLAT_RATE,
        funded_fte=Decimal("5"),
        period_start=datetime.date(2020, 10, 1),
        period_end=datetime.date(2021, 12, 31),
    )
    # 2020: 55,000 x 5 x 3/12 = 68,750; 2021: 57,000 x 5 = 285,000
    assert version.granted_amount == Decimal("353750.00")


def test_flat_rate_without_rate_for_a_year_has_no_grant_yet():
    version = factories.version(financing_type=FinancingType.FLAT_RATE, funded_fte=Decimal("5"))
    assert version.granted_amount is None


@pytest.mark.parametrize(
    "fields",
    [
        {"rate": Decimal("100.01")},
        {"rate": Decimal("0")},
        {"period_start": datetime.date(2022, 1, 1), "period_end": datetime.date(2021, 12, 31)},
        {"number": 1, "reason": ""},
    ],
)
def test_database_constraints_reject_invalid_versions(fields):
    decision = factories.decision()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.version(decision, eligible_expenditure=Decimal("100"), **{"rate": Decimal("50"), **fields})


def test_only_one_current_version_per_decision():
    decision = factories.decision()
    factories.version(decision, number=0, is_current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.version(decision, number=1, is_current=True, reason="Erhöhung")


def test_cost_share_must_add_up():
    version = factories.version(eligible_expenditure=Decimal("100"), rate=Decimal("80"))
    org = factories.organisation()
    with pytest.raises(IntegrityError), transaction.atomic():
        CostShare.objects.create(
            version=version, organisation=org, weight=1, eligible_amount=100, grant_amount=80, own_share="19.99"
        )


def test_split_cost_shares_by_fte_adds_up():
    version = factories.version(eligible_expenditure=Decimal("780617.00"), rate=Decimal("80"))
    ki, drk = factories.organisation("KI"), factories.organisation("DRK")
    shares = split_cost_shares(version=version, weights={ki: Decimal("1.5"), drk: Decimal("1.0")})
    by_org = {share.organisation.short_name: share for share in shares}
    assert by_org["KI"].own_share == Decimal("93674.04")
    assert by_org["DRK"].own_share == Decimal("62449.36")
    assert by_org["KI"].grant_amount + by_org["DRK"].grant_amount == Decimal("624493.60")
    totals = CostShare.objects.filter(version=version).aggregate(
        own=MoneySum("own_share"), eligible=MoneySum("eligible_amount")
    )
    assert totals == {"own": Decimal("156123.40"), "eligible": Decimal("780617.00")}


def test_money_sum_is_exact_where_floats_are_not():
    """SQLite adds decimals as floats (321.200000000001 was seen); MoneySum adds whole cents.

    Sixty amounts near the largest a decision holds (< 10^12 EUR): their float sum is a cent off.
    """
    rng = random.Random(1)
    amounts = [Decimal(rng.randint(90_000_000_000_000, 99_999_999_999_999)) / 100 for _ in range(60)]
    decision = factories.decision()
    DecisionVersion.objects.bulk_create(
        DecisionVersion(
            decision=decision,
            number=number,
            is_current=number == 0,
            reason="Änderung" if number else "",
            financing_type=FinancingType.FULL,
            full_financing_reason="Ausnahme",
            eligible_expenditure=amount,
            granted_amount=amount,
        )
        for number, amount in enumerate(amounts)
    )
    float_total = 0.0
    for amount in amounts:
        float_total += float(amount)
    assert Decimal(repr(float_total)).quantize(CENT) != sum(amounts)  # the trap is real
    versions = DecisionVersion.objects.filter(decision=decision)
    assert versions.aggregate(total=MoneySum("eligible_expenditure"))["total"] == sum(amounts)
    assert versions.totals() == {"eligible": sum(amounts), "granted": sum(amounts), "own_share": Decimal("0.00")}


class CostShareProperty(HypothesisTestCase):
    """Own shares stored through the service always add up, whatever the split (database round trip)."""

    @settings(max_examples=60, deadline=None)
    @given(
        eligible=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2),
        rate=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100.00"), places=2),
        fte=st.lists(
            st.decimals(min_value=Decimal("0.001"), max_value=Decimal("40"), places=3), min_size=1, max_size=4
        ),
    )
    def test_stored_shares_add_up(self, eligible, rate, fte):
        version = factories.version(eligible_expenditure=eligible, rate=rate)
        orgs = [factories.organisation(f"O{version.pk}-{i}") for i in range(len(fte))]
        split_cost_shares(version=version, weights=dict(zip(orgs, fte, strict=True)))
        totals = version.cost_shares.aggregate(
            eligible=MoneySum("eligible_amount"), granted=MoneySum("grant_amount"), own=MoneySum("own_share")
        )
        version.refresh_from_db()
        assert totals["eligible"] == eligible
        assert totals["granted"] == version.granted_amount
        assert totals["granted"] + totals["own"] == eligible


def test_decisions_active_on_a_day():
    from funding.models import GrantDecision  # noqa: PLC0415

    running = factories.decision(title="läuft")
    factories.version(running, period_start=datetime.date(2020, 1, 1), period_end=datetime.date(2022, 12, 31))
    open_end = factories.decision(title="offen")
    factories.version(open_end, period_start=None, period_end=None)
    ended = factories.decision(title="vorbei")
    old = factories.version(ended, period_start=datetime.date(2018, 1, 1), period_end=datetime.date(2019, 12, 31))
    # An amendment that extends the period: only the current version counts.
    old.is_current = False
    old.save()
    factories.version(ended, number=1, reason="Verlängerung", period_start=datetime.date(2018, 1, 1),
                      period_end=datetime.date(2021, 6, 30))  # fmt: skip
    day = datetime.date(2021, 1, 1)
    ours = GrantDecision.objects.filter(pk__in=[running.pk, open_end.pk, ended.pk])  # (beside the demo's)
    assert set(ours.active_on(day).values_list("title", flat=True)) == {"läuft", "offen", "vorbei"}
    assert set(ours.active_on(datetime.date(2022, 1, 1)).values_list("title", flat=True)) == {
        "läuft",
        "offen",
    }
