"""Four eyes (issue 23): a call-off needs a second person's approval; the recorder cannot give it."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from funding import services
from funding.models import CallOff, GrantDecision
from integration_admin.core.models import approve
from integration_admin.models import User
from tests import factories

OWN = "Freigeben muss eine zweite Person: Sie haben diesen Eintrag selbst erfasst."


@pytest.fixture
def decision(db):
    decision = factories.decision(title="Vier Augen")
    factories.version(decision, eligible_expenditure=Decimal("125000.00"), rate=Decimal("80"))
    return decision


def user(name):
    return User.objects.get(username=name)


def recorded(decision, by="admin", amount="1000.00"):
    call_off = CallOff(decision=decision, called_on=datetime.date(2021, 1, 1), amount=Decimal(amount))
    return services.save_call_off(call_off=call_off, user=user(by))


def test_a_recorded_call_off_awaits_approval_and_a_second_person_gives_it(demo, decision):
    call_off = recorded(decision)
    assert call_off.recorded_by == user("admin") and not call_off.is_approved
    approved = approve(call_off, user=user("leitung"))
    assert approved.is_approved and approved.approved_by == user("leitung")
    assert not approved.approved_before_four_eyes


def test_the_recorder_cannot_approve_nor_can_a_caseworker(demo, decision):
    call_off = recorded(decision)
    with pytest.raises(ValidationError, match=OWN):
        approve(call_off, user=user("admin"))
    with pytest.raises(ValidationError, match="Freigeben dürfen nur"):
        approve(call_off, user=user("sb-ki"))
    approve(call_off, user=user("leitung"))
    with pytest.raises(ValidationError, match="bereits freigegeben"):
        approve(call_off, user=user("leitung"))


def test_the_database_refuses_the_recorder_as_approver(demo, decision):
    call_off = recorded(decision)
    with pytest.raises(IntegrityError), transaction.atomic():
        CallOff.objects.filter(pk=call_off.pk).update(approved_by=user("admin"), approved_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():  # an approver without a date
        CallOff.objects.filter(pk=call_off.pk).update(approved_by=user("leitung"))
    with pytest.raises(IntegrityError), transaction.atomic():  # a date without a person, but a recorder
        CallOff.objects.filter(pk=call_off.pk).update(approved_at=timezone.now())


def test_the_approve_view_refuses_the_recorder_with_the_german_reason(login, decision):
    call_off = recorded(decision)
    client = login("admin")
    response = client.post(reverse("funding:calloff-approve", args=[call_off.pk]))
    assert response.status_code == 403
    assert OWN in response.content.decode()
    call_off.refresh_from_db()
    assert not call_off.is_approved


def test_the_approve_view_refuses_a_caseworker(login, decision):
    call_off = recorded(decision)
    response = login("sb-ki").post(reverse("funding:calloff-approve", args=[call_off.pk]))
    assert response.status_code == 403
    assert "Freigeben dürfen nur" in response.content.decode()


def test_the_head_approves_on_the_decision_page_and_the_history_names_her(login, decision):
    call_off = recorded(decision)
    client = login("leitung")
    page = client.get(decision.get_absolute_url()).content.decode()
    assert "Freigabe ausstehend" in page
    assert "1 Mittelabruf wartet auf die Freigabe durch eine zweite Person" in page
    assert reverse("funding:calloff-approve", args=[call_off.pk]) in page
    response = client.post(reverse("funding:calloff-approve", args=[call_off.pk]))
    assert response.status_code == 302
    assert client.post(reverse("funding:calloff-approve", args=[call_off.pk])).status_code == 409
    page = client.get(decision.get_absolute_url()).content.decode()
    day = timezone.localdate().strftime("%d.%m.%Y")
    assert "freigegeben" in page and f"am {day}" in page
    newest = call_off.history.order_by("-history_date", "-history_id").first()
    assert newest.history_user == user("leitung") and newest.approved_by_id == user("leitung").pk
    history = client.get(reverse("funding:decision-history", args=[decision.pk])).content.decode()
    assert "freigegeben von" in history and "freigegeben (Vier-Augen-Prinzip)" in history


def test_the_recorder_sees_no_approve_button(login, decision):
    call_off = recorded(decision)
    page = login("admin").get(decision.get_absolute_url()).content.decode()
    assert "Freigabe ausstehend" in page
    assert reverse("funding:calloff-approve", args=[call_off.pk]) not in page


def test_changing_an_approved_call_off_withdraws_the_approval_and_says_so(login, decision):
    call_off = recorded(decision, by="admin")
    approve(call_off, user=user("leitung"))
    call_off.refresh_from_db()
    client = login("admin")
    data = {"called_on": "01.02.2021", "amount": "2.000,00", "needed_on": "", "received_on": "",
            "received_amount": "", "revision": call_off.revision}  # fmt: skip
    response = client.post(reverse("funding:calloff-update", args=[call_off.pk]), data, follow=True)
    assert "Die Freigabe wurde zurückgenommen" in response.content.decode()
    call_off.refresh_from_db()
    assert not call_off.is_approved and call_off.recorded_by == user("admin")
    # Recording the payment received leaves an approval as it was.
    approve(call_off, user=user("leitung"))
    call_off.refresh_from_db()
    data = {**data, "received_on": "10.02.2021", "received_amount": "2.000,00", "revision": call_off.revision}
    client.post(reverse("funding:calloff-update", args=[call_off.pk]), data)
    call_off.refresh_from_db()
    assert call_off.is_approved and call_off.received_amount == Decimal("2000.00")


def test_the_demo_shows_one_call_off_awaiting_the_heads_approval(login):
    decision = GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")
    waiting = [c for c in decision.call_offs.all() if not c.is_approved]
    assert len(waiting) == 1 and waiting[0].recorded_by.username == "admin"
    assert waiting[0].may_be_approved_by(user("leitung"))
    assert not waiting[0].may_be_approved_by(user("admin"))
    assert not waiting[0].may_be_approved_by(user("sb-ki"))
