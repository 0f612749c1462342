"""Demo data of the funding app on top of the founding example (integration_admin.demo).

The source document gives no call-offs, proof deadlines or pass-through amounts, so everything
here is flagged illustrative; the founding figures themselves are not touched. Records are
looked up by a natural key and saved only when something changed (idempotent, no extra history).
"""

import datetime
from decimal import Decimal

from funding.models import CallOff, GrantDecision, GrantForm, PassThrough, ProofKind, ProofOfUse, Receipt
from integration_admin.core.db import upsert
from staffing.models import Organisation

D = datetime.date

# Teilhabemanagement (Durchstarten block 6): 624.493,60 € granted until 31.12.2022.
CALL_OFFS = [
    # called_on, amount, needed_on, received_on
    (D(2020, 9, 1), "70000.00", D(2020, 10, 1), D(2020, 9, 15)),
    (D(2021, 3, 1), "110000.00", D(2021, 6, 1), D(2021, 3, 16)),  # called three months ahead: warned
    (D(2021, 9, 1), "110000.00", D(2021, 10, 1), D(2021, 9, 15)),
    (D(2022, 3, 1), "110000.00", D(2022, 4, 1), D(2022, 3, 15)),
    (D(2022, 7, 1), "110000.00", D(2022, 8, 1), D(2022, 7, 15)),
    (D(2022, 11, 2), "114493.60", D(2022, 12, 1), D(2022, 11, 16)),
]

PROOFS = [
    # kind, year, due_on, report, statement, receipts required, receipts
    (ProofKind.INTERIM, 2020, D(2021, 6, 30), D(2021, 6, 28), D(2021, 6, 28), True, D(2021, 6, 28)),
    (ProofKind.INTERIM, 2021, D(2022, 6, 30), D(2022, 6, 24), D(2022, 6, 29), True, D(2022, 6, 29)),
    (ProofKind.FINAL, None, D(2023, 6, 30), None, None, True, None),
]

# The final proof's receipt list as the administrator starts to review it (illustrative):
# number, dated, payee, purpose, amount, paid on, admitted (None: not yet reviewed), reason of a cut
RECEIPTS = [
    ("2020-01", D(2020, 12, 31), "Kreiskasse (Personalausgaben KI)", "Personalkosten 2020", "105000.00",
     D(2020, 12, 31), "105000.00", ""),
    ("2021-01", D(2021, 12, 31), "Kreiskasse (Personalausgaben KI)", "Personalkosten 2021", "318000.00",
     D(2021, 12, 31), None, ""),
    ("2021-02", D(2021, 11, 5), "Büro Schmidt GmbH", "Büroausstattung Teilhabemanagement", "3480.00",
     D(2021, 11, 20), "2900.00", "Schreibtischleuchte (580,00 €) ist keine Ausstattung des Arbeitsplatzes laut Plan"),
    ("2022-01", D(2022, 12, 31), "Kreiskasse (Personalausgaben KI)", "Personalkosten 2022", "352000.00",
     D(2022, 12, 31), None, ""),
]  # fmt: skip


def load_funding_demo() -> None:
    decision = GrantDecision.objects.filter(title="Teilhabemanagement (Förderbaustein 6)").first()
    if decision is None:
        return
    for called_on, amount, needed_on, received_on in CALL_OFFS:
        upsert(
            CallOff,
            {"decision": decision, "called_on": called_on},
            amount=Decimal(amount),
            needed_on=needed_on,
            received_on=received_on,
            received_amount=Decimal(amount),
            is_illustrative=True,
            note="Beispiel: im Bericht nicht genannt.",
        )
    for kind, year, due_on, report, statement, receipts_required, receipts in PROOFS:
        upsert(
            ProofOfUse,
            {"decision": decision, "kind": kind, "covers_year": year},
            due_on=due_on,
            report_submitted_on=report,
            statement_submitted_on=statement,
            receipts_required=receipts_required,
            receipts_submitted_on=receipts,
            is_illustrative=True,
            note=(
                "Beispiel: Frist sechs Monate nach Ende des Bewilligungszeitraums, wie bei kommunalen "
                "Zuwendungen in NRW üblich."
                if kind == ProofKind.FINAL
                else "Beispiel: Zwischennachweis je Jahr."
            ),
        )
    final = ProofOfUse.objects.filter(decision=decision, kind=ProofKind.FINAL).first()
    for number, dated_on, payee, purpose, amount, paid_on, admitted, reason in RECEIPTS:
        upsert(
            Receipt,
            {"proof": final, "number": number},
            dated_on=dated_on,
            payee=payee,
            purpose=purpose,
            amount=Decimal(amount),
            paid_on=paid_on,
            admitted_amount=Decimal(admitted) if admitted else None,
            cut_reason=reason,
        )
    drk = Organisation.objects.filter(short_name="DRK").first()
    version = decision.versions.filter(is_current=True).first()
    share = version.cost_shares.filter(organisation=drk).first() if version and drk else None
    if share is not None:
        upsert(
            PassThrough,
            {"decision": decision, "recipient": drk},
            form=GrantForm.ZUSCHUSS,
            amount=share.grant_amount,
            actual_cost_basis=True,
            funded_fte=Decimal("1.000"),
            conditions=(
                "80 % der tatsächlichen Personalausgaben der Teilhabemanagement-Stelle; den Eigenanteil von 20 % "
                "trägt das DRK. Verwendungsnachweis mit Belegliste nach ANBest-P."
            ),
            is_illustrative=True,
        )
