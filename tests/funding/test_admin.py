"""The Django admin for funding records: administrators only, and no way around the rules."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from funding import services
from funding.models import CallOff, CostShare, DecisionVersion, FinancingType, GrantDecision
from integration_admin.models import Role, User
from programs.models import FlatRate
from tests import factories
from tests.conftest import login_as


@pytest.fixture
def founding(demo):
    return GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")


def test_staff_without_the_administrator_role_sees_no_funding_admin(client, founding):
    User.objects.create_user("staff-head", password="x" * 14, role=Role.HEAD, is_staff=True)
    login_as(client, "staff-head")  # staff sign in with a second factor
    for url in [
        reverse("admin:funding_grantdecision_changelist"),
        reverse("admin:funding_grantdecision_change", args=[founding.pk]),
        reverse("admin:funding_decisionversion_changelist"),
        reverse("admin:funding_calloff_changelist"),
        reverse("admin:programs_flatrate_changelist"),
    ]:
        assert client.get(url).status_code == 403, url


def test_admin_pages_open_for_the_administrator(founding, login):
    client = login("admin")
    version = founding.versions.get()
    for url in [
        reverse("admin:funding_grantdecision_changelist"),
        reverse("admin:funding_grantdecision_change", args=[founding.pk]),
        reverse("admin:funding_decisionversion_change", args=[version.pk]),
        reverse("admin:funding_calloff_add"),
        reverse("admin:funding_passthrough_add"),
        reverse("admin:funding_proofofuse_add"),
        reverse("admin:programs_flatrate_add"),
        reverse("admin:funding_application_changelist"),
    ]:
        assert client.get(url).status_code == 200, url
    # Versions and decisions are not added here (the pages number them and move "current").
    assert client.get(reverse("admin:funding_decisionversion_add")).status_code == 403
    assert client.get(reverse("admin:funding_grantdecision_add")).status_code == 403
    html = client.get(reverse("admin:funding_decisionversion_change", args=[version.pk])).content.decode()
    assert 'name="granted_amount"' not in html  # read-only: computed, never typed in
    assert 'name="is_current"' not in html and 'name="number"' not in html


def version_admin_data(version, **changes):
    data = {
        "dated_on": "",
        "received_on": "10.08.2020",
        "financing_type": "share",
        "eligible_expenditure": "780617,00",
        "rate": "80",
        "stated_amount": "624493,60",
        "period_end": "31.12.2022",
        "seen_revision": version.decision.revision,
        "change_reason": "",
        "month_counting": "started_months",
        "cost_shares-TOTAL_FORMS": "0",
        "cost_shares-INITIAL_FORMS": "0",
        "plan_items-TOTAL_FORMS": "0",
        "plan_items-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_admin_version_change_needs_a_reason_and_keeps_shares_in_step(founding, login):
    client = login("admin")
    version = founding.versions.get()
    url = reverse("admin:funding_decisionversion_change", args=[version.pk])
    data = version_admin_data(version, eligible_expenditure="800000,00", granted_amount="1")
    response = client.post(url, data)
    assert response.status_code == 200 and "bitte einen Grund angeben" in response.content.decode()
    data["change_reason"] = "Korrektur im Admin"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    version.refresh_from_db()
    assert version.granted_amount == Decimal("640000.00")  # computed; the posted "1" is ignored
    assert version.history.first().history_change_reason == "Korrektur im Admin"
    assert sum(s.own_share for s in CostShare.objects.filter(version=version)) == Decimal("160000.00")
    founding.refresh_from_db()
    assert founding.revision == 2

    # A form opened before that save is refused.
    stale = version_admin_data(version, eligible_expenditure="1,00", change_reason="alt", seen_revision=1)
    response = client.post(url, stale)
    assert response.status_code == 200 and "inzwischen" in response.content.decode()
    version.refresh_from_db()
    assert version.eligible_expenditure == Decimal("800000.00")
    # So is a form without the revision it was opened with.
    missing = version_admin_data(version, eligible_expenditure="1,00", change_reason="ohne Stand")
    del missing["seen_revision"]
    response = client.post(url, missing)
    assert response.status_code == 200 and "inzwischen" in response.content.decode()
    version.refresh_from_db()
    assert version.eligible_expenditure == Decimal("800000.00")


def test_admin_call_off_above_the_grant_is_refused(founding, login):
    client = login("admin")
    response = client.post(
        reverse("admin:funding_calloff_add"),
        {"decision": founding.pk, "called_on": "01.01.2023", "amount": "0,01"},
    )
    assert response.status_code == 200
    assert "bewilligt sind aber nur" in response.content.decode()
    assert CallOff.objects.filter(decision=founding).count() == 6


def test_a_flat_rate_is_frozen_into_the_decision_and_a_change_reaches_it_only_by_an_amendment(login, demo):
    """Issue 21: changing a master-data rate silently rewrote the grants of issued decisions."""
    client = login("admin")
    block = factories.building_block()
    decision = factories.decision(block.programme)
    decision.building_blocks.add(block)
    version = factories.version(
        decision,
        financing_type=FinancingType.FLAT_RATE,
        funded_fte=Decimal("5"),
        period_start=datetime.date(2021, 1, 1),
        period_end=datetime.date(2021, 12, 31),
    )
    assert version.granted_amount is None
    # A rate entered for a year the decision still lacks is taken over and frozen.
    response = client.post(
        reverse("admin:programs_flatrate_add"),
        {"building_block": block.pk, "year": "2021", "amount_per_fte": "55000.00"},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.granted_amount == Decimal("275000.00")
    assert version.history.first().history_change_reason == "Pauschale 2021 aus den Stammdaten übernommen"
    assert version.frozen_rates() == {2021: Decimal("55000.00")}
    # A later change of the master data does not touch it; the admin names the decision.
    rate = FlatRate.objects.get(building_block=block)
    response = client.post(
        reverse("admin:programs_flatrate_change", args=[rate.pk]),
        {"building_block": block.pk, "year": "2021", "amount_per_fte": "57000.00"},
        follow=True,
    )
    assert "behalten ihre festgeschriebene Pauschale" in response.content.decode()
    assert decision.title in response.content.decode()
    version.refresh_from_db()
    assert version.granted_amount == Decimal("275000.00")
    client.post(reverse("admin:programs_flatrate_delete", args=[rate.pk]), {"post": "yes"})
    version.refresh_from_db()
    assert version.granted_amount == Decimal("275000.00")
    # Only an amendment that says so takes the master data's new rate, with its reason.
    FlatRate.objects.create(building_block=block, year=2021, amount_per_fte=Decimal("57000.00"))
    kept = services.record_amendment(decision=decision, expected_revision=None, reason="FTE berichtigt",
                                     figures={"funded_fte": Decimal("4")})  # fmt: skip
    assert kept.granted_amount == Decimal("220000.00")  # 4 x 55.000, the frozen rate
    taken = services.record_amendment(
        decision=decision, expected_revision=None, reason="Pauschale 2021 auf 57.000 € erhöht",
        figures={}, take_master_rates=True,
    )  # fmt: skip
    assert taken.granted_amount == Decimal("228000.00")  # 4 x 57.000
    assert taken.history.first().history_change_reason == "Pauschale 2021 auf 57.000 € erhöht"
    assert DecisionVersion.objects.get(pk=kept.pk).granted_amount == Decimal("220000.00")


def test_payouts_receipts_and_claims_are_looked_up_in_the_admin_but_not_changed(founding, login):
    """They are recorded and approved on their pages (four eyes, review, row lock), so the admin only shows them."""
    proof = factories.proof(founding, due_on=datetime.date(2023, 6, 30))
    receipt = proof.receipts.create(
        number="A1", dated_on=datetime.date(2021, 3, 1), payee="Stadtwerke", purpose="Miete", amount=Decimal("100.00")
    )
    client = login("admin")
    for model in ("payout", "receipt", "repaymentclaim"):
        assert client.get(reverse(f"admin:funding_{model}_changelist")).status_code == 200, model
        assert client.get(reverse(f"admin:funding_{model}_add")).status_code == 403, model
    url = reverse("admin:funding_receipt_change", args=[receipt.pk])
    html = client.get(url).content.decode()
    assert "Stadtwerke" in html and 'name="amount"' not in html
    response = client.post(url, {"number": "A1", "payee": "geändert", "amount": "1,00"})
    assert response.status_code == 403
    receipt.refresh_from_db()
    assert (receipt.payee, receipt.amount) == ("Stadtwerke", Decimal("100.00"))
