"""The proof of use settled to the cent, through the pages as the administrator uses them:
receipts entered in German formats, admitted or cut with a reason, the 20 % rule per plan line,
the final grant under share financing, the repayment claim with interest from each overpaid
part's day of receipt; deadlines by rule; the two-month rule on amounts."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from funding import money, settlement
from funding.models import (
    BaseRate,
    DecisionVersion,
    EligibilityRule,
    FinancingType,
    GrantDecision,
    PassThrough,
    ProofKind,
    ProofOfUse,
    Receipt,
    RepaymentClaim,
)
from funding.services import create_decision
from tests import factories
from tests.funding.test_financing_plan import plan_post

pytestmark = pytest.mark.django_db

D = Decimal
day = datetime.date


@pytest.fixture
def share_decision(demo, login):
    """80 % of 100.000 € planned (Personal 90.000, Sachkosten 10.000) in 2021: 80.000 € granted;
    50.000 € received on 01.03.2021 and 30.000 € on 01.09.2021."""
    block = factories.building_block()
    decision = factories.decision(block.programme, title="Anteilsfinanzierung (Test)")
    create_decision(
        decision=decision,
        building_blocks=[block],
        version=DecisionVersion(
            financing_type=FinancingType.SHARE,
            rate=D("80"),
            period_start=day(2021, 1, 1),
            period_end=day(2021, 12, 31),
        ),
    )
    decision = GrantDecision.objects.get(pk=decision.pk)
    client = login("admin")
    rows = [
        {"kind": "fixed", "label": "Personal", "amount": "90.000,00"},
        {"kind": "fixed", "label": "Sachkosten", "amount": "10.000,00"},
    ]
    response = client.post(reverse("funding:decision-plan", args=[decision.pk]), plan_post(decision, rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    version = decision.versions.get()
    assert version.granted_amount == D("80000.00")
    factories.call_off(
        decision, "50000.00", day(2021, 2, 20), received_on=day(2021, 3, 1), received_amount=D("50000.00")
    )
    factories.call_off(
        decision, "30000.00", day(2021, 8, 25), received_on=day(2021, 9, 1), received_amount=D("30000.00")
    )
    return decision


def receipt_post(number, dated, amount, plan_item, payee="Stadtwerke", purpose="Gehalt", paid=""):
    return {
        "number": number,
        "dated_on": dated,
        "payee": payee,
        "purpose": purpose,
        "plan_item": plan_item.pk if plan_item else "",
        "amount": amount,
        "paid_on": paid,
    }


def test_receipts_admitted_and_cut_settle_the_grant_and_claim_the_overpayment_with_interest(share_decision, login):
    client = login("admin")
    proof = factories.proof(share_decision, day(2022, 6, 30), kind=ProofKind.FINAL)
    items = {item.label: item for item in share_decision.versions.get().plan_items.all()}
    new = reverse("funding:receipt-create", args=[proof.pk])
    assert client.get(new).status_code == 200
    for data in (
        receipt_post("1", "31.12.2021", "85.000,00", items["Personal"], payee="Kreiskasse", paid="31.12.2021"),
        receipt_post("2", "15.06.2021", "13.000,00", items["Sachkosten"], purpose="Möbel"),
        receipt_post("3", "20.07.2021", "2.000,00", items["Sachkosten"], purpose="Bewirtung"),
    ):
        response = client.post(new, data)
        assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(proof.get_absolute_url()).content.decode()
    assert "3 Belege sind noch nicht geprüft" in page
    receipts = {r.number: r for r in Receipt.objects.filter(proof=proof)}

    # Cutting without a reason is refused in German; with one it is kept with who and when.
    review = reverse("funding:receipt-review", args=[receipts["3"].pk])
    response = client.post(review, {"admitted_amount": "0,00", "cut_reason": ""})
    assert response.status_code == 200
    assert "Bitte begründen, warum 2.000,00\xa0€ nicht anerkannt werden." in response.content.decode()
    response = client.post(review, {"admitted_amount": "0,00", "cut_reason": "Bewirtung nicht zuwendungsfähig"})
    assert response.status_code == 302
    receipts["3"].refresh_from_db()
    assert receipts["3"].admitted_amount == D("0.00") and receipts["3"].reviewed_by.username == "admin"
    response = client.post(
        review.replace(str(receipts["3"].pk), str(receipts["1"].pk)), {"admitted_amount": "90.000,01"}
    )
    assert "höchstens der Betrag des Belegs (85.000,00\xa0€)" in response.content.decode()

    # Not all reviewed: the review cannot be closed.
    client.post(reverse("funding:proof-conclude", args=[proof.pk]))
    proof.refresh_from_db()
    assert proof.settled_on is None
    assert client.post(reverse("funding:proof-admit-all", args=[proof.pk])).status_code == 302
    assert Receipt.objects.filter(proof=proof, admitted_amount__isnull=True).count() == 0

    # Sachkosten: 13.000 admitted of 10.000 planned counts 12.000 (20 % over); Personal 85.000.
    result = settlement.settlement_for(proof)
    lines = {line.label: line for line in result.lines}
    assert lines["Sachkosten"].admitted == D("13000.00") and lines["Sachkosten"].admissible == D("12000.00")
    assert result.eligible == D("97000.00")
    assert result.settled_grant == D("77600.00")  # 80 % of 97.000
    assert result.overpaid_parts == [(day(2021, 9, 1), D("2400.00"))]

    response = client.post(reverse("funding:proof-conclude", args=[proof.pk]), follow=True)
    assert "zurückzufordern sind 2.400,00\xa0€" in response.content.decode()
    proof.refresh_from_db()
    assert proof.settled_grant == D("77600.00") and proof.settled_on is not None
    claim = RepaymentClaim.objects.get(proof=proof)
    assert claim.amount == D("2400.00")
    # Four eyes: the administrator closed the review and recorded the claim; the head approves both.
    assert proof.recorded_by.username == "admin" and not proof.is_approved
    assert claim.recorded_by.username == "admin" and not claim.is_approved
    response = client.post(reverse("funding:proof-approve", args=[proof.pk]))
    assert response.status_code == 403
    assert "Sie haben diesen Eintrag selbst erfasst" in response.content.decode()
    head = login("leitung")
    assert head.post(reverse("funding:proof-approve", args=[proof.pk])).status_code == 302
    assert head.post(reverse("funding:repaymentclaim-approve", args=[claim.pk])).status_code == 302
    proof.refresh_from_db()
    claim.refresh_from_db()
    assert proof.approved_by.username == "leitung" and claim.approved_by.username == "leitung"
    assert ProofOfUse.history.filter(id=proof.pk, approved_by__username="leitung").exists()
    client = login("admin")
    # Interest: 5 points over the base rate, day by day from 01.09.2021 to the repayment.
    rates = list(BaseRate.objects.values_list("valid_from", "rate"))
    expected = money.interest([(day(2021, 9, 1), D("2400.00"))], day(2023, 9, 1), rates, D("5"))
    # 2021-09-01..2022-12-31: 487 days at 4,12 %; 2023: 181 days at 6,62 %, 62 days at 8,12 %
    exact = D("2400") * (D("0.0412") * 487 + D("0.0662") * 181 + D("0.0812") * 62) / 365
    assert expected == exact.quantize(D("0.01"))
    edit = reverse("funding:repaymentclaim-update", args=[claim.pk])
    response = client.post(edit, {"revision": claim.revision, "due_on": "01.10.2023", "repaid_on": "01.09.2023",
                                  "points_above_base": "5", "legal_basis": claim.legal_basis, "note": ""})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    assert not claim.is_approved and claim.recorded_by.username == "admin"  # a new due date: approve again
    page = client.get(proof.get_absolute_url()).content.decode()
    assert "77.600,00\xa0€" in page and "2.400,00\xa0€" in page
    decision_page = client.get(share_decision.get_absolute_url()).content.decode()
    assert "77.600,00\xa0€" in decision_page and "Rückforderung 2.400,00\xa0€" in decision_page
    assert euro_text(expected) in page

    # Closed: receipts cannot change; a repaid claim keeps the review closed.
    response = client.post(new, receipt_post("4", "01.08.2021", "10,00", items["Sachkosten"]))
    assert "Prüfung ist am" in response.content.decode()
    response = client.post(reverse("funding:proof-reopen", args=[proof.pk]), {"reason": "Widerspruch"}, follow=True)
    assert "zurückgezahlt; die Prüfung bleibt abgeschlossen" in response.content.decode()


def euro_text(amount: Decimal) -> str:
    from integration_admin.core.formats import euro

    return euro(amount)


def test_receipt_outside_the_period_or_twice_or_without_line_is_refused(share_decision, login):
    client = login("admin")
    proof = factories.proof(share_decision, day(2022, 6, 30))
    item = share_decision.versions.get().plan_items.first()
    new = reverse("funding:receipt-create", args=[proof.pk])
    response = client.post(new, receipt_post("1", "15.01.2022", "100,00", item))
    assert "liegt außerhalb des Bewilligungszeitraums (01.01.2021–31.12.2021)" in response.content.decode()
    response = client.post(new, receipt_post("1", "15.01.2021", "100,00", None))
    assert "Bitte die Position des Finanzierungsplans wählen." in response.content.decode()
    assert client.post(new, receipt_post("1", "15.01.2021", "100,00", item)).status_code == 302
    interim = factories.proof(share_decision, day(2022, 4, 30), kind=ProofKind.INTERIM, covers_year=2021)
    response = client.post(
        reverse("funding:receipt-create", args=[interim.pk]), receipt_post("1", "16.01.2021", "1,00", item)
    )
    assert "Die Beleg-Nr. 1 ist schon erfasst" in response.content.decode()
    response = client.post(new, receipt_post("2", "kein Datum", "abc", item))
    assert response.status_code == 200
    assert Receipt.objects.filter(proof__decision=share_decision).count() == 1


def test_a_changed_amount_undoes_the_review(share_decision, login):
    client = login("admin")
    proof = factories.proof(share_decision, day(2022, 6, 30))
    item = share_decision.versions.get().plan_items.first()
    client.post(reverse("funding:receipt-create", args=[proof.pk]), receipt_post("7", "01.02.2021", "500,00", item))
    receipt = Receipt.objects.get(proof=proof)
    client.post(reverse("funding:receipt-review", args=[receipt.pk]), {"admitted_amount": "500,00"})
    receipt.refresh_from_db()
    assert receipt.admitted_amount == D("500.00")
    client.post(reverse("funding:receipt-update", args=[receipt.pk]), receipt_post("7", "01.02.2021", "600,00", item))
    receipt.refresh_from_db()
    assert receipt.amount == D("600.00") and receipt.admitted_amount is None


def test_caseworker_and_head_cannot_review(share_decision, login):
    proof = factories.proof(share_decision, day(2022, 6, 30))
    for user in ("sb-ki", "leitung"):
        client = login(user)
        assert client.get(proof.get_absolute_url()).status_code == 200  # reading, as the decision
        assert client.post(reverse("funding:proof-admit-all", args=[proof.pk])).status_code == 403
        assert client.get(reverse("funding:receipt-create", args=[proof.pk])).status_code == 403


def test_deadlines_by_rule(share_decision, login):
    version = share_decision.versions.get()
    version.period_end = day(2022, 12, 31)
    version.save()
    EligibilityRule.objects.create(
        decision=share_decision, interim_proof_months=4, final_proof_months=6, source="Nr. 7.1 ANBest-G NRW"
    )
    client = login("admin")
    page = client.get(share_decision.get_absolute_url()).content.decode()
    assert "Fristen nach der Regel (Nr. 7.1 ANBest-G NRW)" in page and "30.04.2022" in page and "30.06.2023" in page
    response = client.post(reverse("funding:decision-deadlines", args=[share_decision.pk]))
    assert response.status_code == 302
    proofs = {(p.kind, p.covers_year): p.due_on for p in share_decision.proofs.all()}
    assert proofs == {(ProofKind.INTERIM, 2021): day(2022, 4, 30), (ProofKind.FINAL, None): day(2023, 6, 30)}
    # A deadline moved by hand stays, unless the rule is applied to all
    proof = share_decision.proofs.get(kind=ProofKind.FINAL)
    proof.due_on = day(2023, 9, 30)
    proof.save()
    client.post(reverse("funding:decision-deadlines", args=[share_decision.pk]))
    proof.refresh_from_db()
    assert proof.due_on == day(2023, 9, 30)
    client.post(reverse("funding:decision-deadlines", args=[share_decision.pk]), {"overwrite": "1"})
    proof.refresh_from_db()
    assert proof.due_on == day(2023, 6, 30)


def test_recipients_deadlines_follow_the_kreis_by_the_contracts_lead(share_decision, login):
    """A recipient whose contract says "two months before the Kreis": 28.02.2022 and 30.04.2023."""
    version = share_decision.versions.get()
    version.period_end = day(2022, 12, 31)
    version.save()
    EligibilityRule.objects.create(decision=share_decision, interim_proof_months=4, final_proof_months=6)
    recipient = factories.organisation("Träger B")
    pass_through = PassThrough.objects.create(
        decision=share_decision, recipient=recipient, amount=D("20000.00"), proof_lead_months=2
    )
    late = PassThrough.objects.create(  # from 2022 only: no interim proof for 2021
        decision=share_decision,
        recipient=factories.organisation("Träger C"),
        amount=D("1000.00"),
        period_start=day(2022, 1, 1),
        proof_lead_months=1,
    )
    client = login("admin")
    page = client.get(share_decision.get_absolute_url()).content.decode()
    assert "Zwischennachweis 2021 (Empfänger Träger B): 28.02.2022" in page
    assert "Verwendungsnachweis (Empfänger Träger B): 30.04.2023" in page
    client.post(reverse("funding:decision-deadlines", args=[share_decision.pk]))
    proofs = {(p.kind, p.covers_year, p.pass_through_id): p.due_on for p in share_decision.proofs.all()}
    assert proofs == {
        (ProofKind.INTERIM, 2021, None): day(2022, 4, 30),
        (ProofKind.FINAL, None, None): day(2023, 6, 30),
        (ProofKind.INTERIM, 2021, pass_through.pk): day(2022, 2, 28),
        (ProofKind.FINAL, None, pass_through.pk): day(2023, 4, 30),
        (ProofKind.FINAL, None, late.pk): day(2023, 5, 31),
    }
    contract = client.get(reverse("funding:passthrough-contract", args=[pass_through.pk])).content
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(contract)).pages).split())
    assert "bis zum Ende des Monats vorzulegen, der 2 Monate vor der Frist des Kreises liegt" in text
    with pytest.raises(ValidationError):  # a lead beyond a year is refused (form and database)
        PassThrough(decision=share_decision, recipient=recipient, amount=D("1.00"), proof_lead_months=13).full_clean()


def test_two_month_rule_warns_of_money_called_too_early(share_decision, login):
    # 80.000 € over 2021 (80 % of each plan line): 6.666,67 € a month; 50.000 € on 01.03. is
    # far more than needed by 01.05.
    client = login("admin")
    page = client.get(share_decision.get_absolute_url()).content.decode()
    assert "Mittel vom 01.03.2021: insgesamt 50.000,00\xa0€ erhalten" in page
    assert "mehr als zwei Monate zu früh abgerufen" in page


def test_a_receipt_list_imports_all_rows_or_none(share_decision, login):
    client = login("admin")
    proof = factories.proof(share_decision, day(2022, 6, 30))
    url = reverse("funding:receipt-import", args=[proof.pk])
    assert client.get(url).status_code == 200
    bad = (
        "Belegliste Träger X 2021\r\n"
        "Beleg-Nr.;Belegdatum;Empfänger;Zweck;Position;Betrag;bezahlt am\r\n"
        "A1;15.02.2021;Stadtwerke;Strom;Sachkosten;1.234,50;20.02.2021\r\n"
        "A2;1.3.22;Büro GmbH;Papier;Sachkosten;99,90;\r\n"
        "A1;16.02.2021;Stadtwerke;Strom;Reisen;12,00;\r\n"
    ).encode("cp1252")
    upload = SimpleUploadedFile("belege.csv", bad, content_type="text/csv")
    response = client.post(url, {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 Zeilen haben Fehler; es wurde nichts gespeichert." in html
    assert "außerhalb des Bewilligungszeitraums" in html
    assert "Die Beleg-Nr. A1 steht schon in Zeile 3." in html
    assert "Position „Reisen“ gibt es im Finanzierungsplan nicht" in html
    assert Receipt.objects.filter(proof=proof).count() == 0
    good = bad.replace(b"1.3.22", b"1.3.21").replace(
        b"A1;16.02.2021;Stadtwerke;Strom;Reisen", b"A3;16.02.2021;Stadtwerke;Strom;Personal"
    )
    response = client.post(url, {"file": SimpleUploadedFile("belege.csv", good)})
    assert response.status_code == 302
    receipts = {r.number: r for r in Receipt.objects.filter(proof=proof).select_related("plan_item")}
    assert receipts["A1"].amount == D("1234.50") and receipts["A1"].paid_on == day(2021, 2, 20)
    assert receipts["A3"].plan_item.label == "Personal"
    # the same file again: every number is already there, nothing changes
    response = client.post(url, {"file": SimpleUploadedFile("belege.csv", good)})
    assert "ist schon erfasst" in response.content.decode() and Receipt.objects.filter(proof=proof).count() == 3
    response = client.post(url, {"file": SimpleUploadedFile("belege.csv", b"\x00\x01binary")})
    assert response.status_code == 200 and Receipt.objects.filter(proof=proof).count() == 3


def test_a_recipients_proof_is_due_before_the_kreis_and_counts_its_receipts(share_decision, login):
    recipient = factories.organisation("Träger A")
    pass_through = PassThrough.objects.create(decision=share_decision, recipient=recipient, amount=D("20000.00"))
    own = factories.proof(share_decision, day(2022, 6, 30))
    client = login("admin")
    url = reverse("funding:proof-create", args=[share_decision.pk])
    data = {"kind": "final", "pass_through": pass_through.pk, "due_on": "30.06.2022", "receipts_required": "on"}
    response = client.post(url, {**data, "submission_token": token(client, url)})
    assert "muss vor dem des Kreises (Frist 30.06.2022) fällig sein" in response.content.decode()
    response = client.post(url, {**data, "due_on": "31.03.2022", "submission_token": token(client, url)})
    assert response.status_code == 302
    theirs = share_decision.proofs.get(pass_through=pass_through)
    item = share_decision.versions.get().plan_items.get(label="Personal")
    client.post(
        reverse("funding:receipt-create", args=[theirs.pk]), receipt_post("T1", "01.06.2021", "15.000,00", item)
    )
    page = client.get(theirs.get_absolute_url()).content.decode()
    assert "Nachweis des Empfängers: Träger A" in page
    assert "vom Empfänger zurückzufordern" in page and "5.000,00\xa0€" in page
    # its receipts are part of the Kreis' settlement
    assert settlement.settlement_for(own).claimed == D("15000.00")


def token(client, url) -> str:
    import re

    return re.search(r'name="submission_token" value="([^"]+)"', client.get(url).content.decode()).group(1)
