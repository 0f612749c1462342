"""The funding demo data: illustrative call-offs, deadlines and pass-through on the founding decision."""

from decimal import Decimal

import pytest

from funding.models import CallOff, CostShare, GrantDecision, PassThrough, ProofOfUse
from integration_admin.demo import load_demo

pytestmark = pytest.mark.django_db


def test_founding_figures_are_untouched_and_the_additions_illustrative(demo):
    decision = GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")
    version = decision.versions.get(is_current=True)
    assert (version.eligible_expenditure, version.granted_amount, version.own_share) == (
        Decimal("780617.00"),
        Decimal("624493.60"),
        Decimal("156123.40"),
    )
    own = dict(version.cost_shares.values_list("organisation__short_name", "own_share"))
    assert own == {"KI": Decimal("93674.04"), "DRK": Decimal("62449.36")}
    assert not version.is_illustrative  # from the source document

    call_offs = CallOff.objects.filter(decision=decision)
    assert call_offs.count() == 6 and all(c.is_illustrative for c in call_offs)
    assert call_offs.totals() == {"called": Decimal("624493.60"), "received": Decimal("624493.60")}
    assert all(p.is_illustrative for p in ProofOfUse.objects.filter(decision=decision))
    pass_through = PassThrough.objects.get(decision=decision)
    assert pass_through.is_illustrative and pass_through.recipient.short_name == "DRK"
    assert pass_through.amount == CostShare.objects.get(version=version, organisation__short_name="DRK").grant_amount


def test_loading_twice_changes_nothing(demo):
    models = (CallOff, ProofOfUse, PassThrough, CostShare)
    counts = [(m.objects.count(), m.history.count()) for m in models]
    load_demo()
    assert counts == [(m.objects.count(), m.history.count()) for m in models]
