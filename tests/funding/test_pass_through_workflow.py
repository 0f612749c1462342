"""The pass-through workflow (issue 23): terms -> contract (PDF) -> payouts with four eyes."""

import datetime
import io
import logging
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from funding import services
from funding.models import GrantDecision, PassThrough, Payout
from integration_admin.core.models import approve
from integration_admin.models import User


@pytest.fixture
def pass_through(demo):
    """The demo's pass-through to the DRK on the founding decision (at actual cost, 1 FTE)."""
    decision = GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")
    return PassThrough.objects.get(decision=decision, recipient__short_name="DRK")


def user(name):
    return User.objects.get(username=name)


def payout_data(**fields):
    data = {"requested_on": "01.03.2021", "amount": "10.000,00", "needed_on": "15.03.2021", "paid_on": "",
            "paid_amount": "", "reference": "", "note": ""}  # fmt: skip
    data.update(fields)
    return data


def test_the_contract_pdf_names_the_parties_and_the_amounts(login, pass_through, caplog, settings):
    client = login("sb-drk")  # (everyone who reads the decision)
    with caplog.at_level(logging.INFO, logger="integration_admin.audit"):
        response = client.get(reverse("funding:passthrough-contract", args=[pass_through.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Weiterleitungsvertrag" in text
    assert "Kreis Heinsberg" in text and "52525 Heinsberg" in text and pass_through.recipient.name in text
    amount = f"{pass_through.amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert amount in text
    assert "Rückforderung" in text and "Verwendungsnachweis" in text
    assert any(
        f"pdf-download user=sb-drk object=funding.passthrough:{pass_through.pk}" in r.getMessage()
        for r in caplog.records
    )


def test_the_pass_through_page_shows_terms_contract_and_payouts(login, pass_through):
    client = login("leitung")
    page = client.get(pass_through.get_detail_url()).content.decode()
    assert pass_through.recipient.name in page
    assert reverse("funding:passthrough-contract", args=[pass_through.pk]) in page
    assert "noch auszuzahlen" in page
    decision_page = client.get(pass_through.decision.get_absolute_url()).content.decode()
    assert pass_through.get_detail_url() in decision_page and "noch auszuzahlen" in decision_page


def test_a_payout_needs_a_second_person_before_it_is_paid(login, pass_through):
    client = login("admin")
    response = client.post(reverse("funding:payout-create", args=[pass_through.pk]), payout_data())
    assert response.status_code == 302
    payout = Payout.objects.get(pass_through=pass_through)
    assert payout.recorded_by == user("admin") and not payout.is_approved
    # Paying before the approval is refused with a German message.
    response = client.post(
        reverse("funding:payout-update", args=[payout.pk]),
        payout_data(paid_on="20.03.2021", paid_amount="10.000,00", revision=payout.revision),
    )
    assert response.status_code == 200
    assert "Ausgezahlt werden kann erst nach der Freigabe durch eine zweite Person." in response.content.decode()
    # The recorder cannot approve it (403 with the reason), the department head can.
    response = client.post(reverse("funding:payout-approve", args=[payout.pk]))
    assert response.status_code == 403
    assert "Freigeben muss eine zweite Person" in response.content.decode()
    head = login("leitung")
    assert head.post(reverse("funding:payout-approve", args=[payout.pk])).status_code == 302
    payout.refresh_from_db()
    assert payout.approved_by == user("leitung")
    client = login("admin")
    response = client.post(
        reverse("funding:payout-update", args=[payout.pk]),
        payout_data(paid_on="20.03.2021", paid_amount="10.000,00", revision=payout.revision),
    )
    assert response.status_code == 302
    payout.refresh_from_db()
    assert payout.paid_amount == Decimal("10000.00") and payout.is_approved
    page = client.get(pass_through.get_detail_url()).content.decode()
    assert "10.000,00" in page and "freigegeben" in page


def test_payouts_above_what_the_pass_through_provides_are_refused(login, pass_through):
    client = login("admin")
    limit = pass_through.recipient_total
    too_much = f"{limit + Decimal('0.01'):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    response = client.post(reverse("funding:payout-create", args=[pass_through.pk]), payout_data(amount=too_much))
    assert response.status_code == 200
    html = response.content.decode()
    assert "die Weiterleitung sieht aber nur" in html and "DRK" in html
    assert not Payout.objects.filter(pass_through=pass_through).exists()


def test_the_service_refuses_too_much_under_the_lock(pass_through):
    admin = user("admin")
    first = Payout(
        pass_through=pass_through, requested_on=datetime.date(2021, 3, 1), amount=pass_through.recipient_total
    )
    services.save_payout(payout=first, user=admin)
    second = Payout(pass_through=pass_through, requested_on=datetime.date(2021, 3, 2), amount=Decimal("0.01"))
    with pytest.raises(ValidationError, match="Höchstens 0,00"):
        services.save_payout(payout=second, user=admin)


def test_the_database_refuses_a_payment_without_approval(pass_through):
    payout = services.save_payout(
        payout=Payout(pass_through=pass_through, requested_on=datetime.date(2021, 3, 1), amount=Decimal("100.00")),
        user=user("admin"),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.filter(pk=payout.pk).update(paid_on=datetime.date(2021, 3, 5), paid_amount=Decimal("100.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.filter(pk=payout.pk).update(approved_by=user("admin"), approved_at=timezone.now())


def test_changing_an_approved_payout_withdraws_the_approval(login, pass_through):
    payout = services.save_payout(
        payout=Payout(pass_through=pass_through, requested_on=datetime.date(2021, 3, 1), amount=Decimal("100.00")),
        user=user("admin"),
    )
    approve(payout, user=user("leitung"))
    payout.refresh_from_db()
    client = login("admin")
    response = client.post(
        reverse("funding:payout-update", args=[payout.pk]),
        payout_data(amount="200,00", revision=payout.revision),
        follow=True,
    )
    assert "Die Freigabe wurde zurückgenommen" in response.content.decode()
    payout.refresh_from_db()
    assert not payout.is_approved and payout.amount == Decimal("200.00")


def test_a_caseworker_may_not_record_or_approve_payouts(login, pass_through):
    payout = services.save_payout(
        payout=Payout(pass_through=pass_through, requested_on=datetime.date(2021, 3, 1), amount=Decimal("100.00")),
        user=user("admin"),
    )
    client = login("sb-drk")
    assert client.post(reverse("funding:payout-create", args=[pass_through.pk]), payout_data()).status_code == 403
    response = client.post(reverse("funding:payout-approve", args=[payout.pk]))
    assert response.status_code == 403 and "Freigeben dürfen nur" in response.content.decode()


def test_money_requested_more_than_two_months_ahead_is_flagged(login, pass_through):
    client = login("admin")
    client.post(
        reverse("funding:payout-create", args=[pass_through.pk]),
        payout_data(requested_on="01.03.2021", needed_on="15.06.2021"),
    )
    assert Payout.objects.get(pass_through=pass_through).called_too_early
    assert "mehr als 2 Monate vor Bedarf" in client.get(pass_through.get_detail_url()).content.decode()
