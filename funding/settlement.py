"""Settling a decision's proof of use to the cent: receipts admitted or cut line by line, the
final grant recomputed under the decision's financing type, an overpayment turned into a
repayment claim with interest; and proof deadlines derived from the rule.

The settlement reads every receipt of the decision's proofs (interim and final: each receipt is
entered once, in the proof of its year) against the current version's financing plan. A line of
the plan counts up to 20 % over its planned amount (:data:`funding.money.LINE_TOLERANCE`); with a
plan, a receipt must name its line. The final grant is :func:`funding.money.settled_grant`; the
money received from the Land above it is claimed back, each part with interest from the day it
was received (:func:`funding.money.overpaid_parts`).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from funding import money
from funding.models import (
    ZERO,
    BaseRate,
    CallOff,
    DecisionVersion,
    EligibilityRule,
    GrantDecision,
    PassThrough,
    PlanItem,
    ProofKind,
    ProofOfUse,
    Receipt,
    RepaymentClaim,
    RepaymentPart,
)
from funding.services import lock_decision
from integration_admin.core.models import record_change


def line_key(item: PlanItem) -> tuple:
    """A line of the financing plan across its years and across amendments (which copy the items)."""
    return (item.kind, item.label, item.building_block_id, item.organisation_id)


@dataclass
class SettlementLine:
    label: str
    planned: Decimal | None
    claimed: Decimal = ZERO
    admitted: Decimal = ZERO
    admissible: Decimal = ZERO

    @property
    def over_tolerance(self) -> bool:
        return self.admissible < self.admitted


@dataclass
class Settlement:
    version: DecisionVersion | None
    lines: list[SettlementLine] = field(default_factory=list)
    claimed: Decimal = ZERO
    admitted: Decimal = ZERO
    eligible: Decimal = ZERO
    unreviewed: int = 0
    receipt_count: int = 0
    granted: Decimal | None = None
    settled_grant: Decimal | None = None
    received: Decimal = ZERO
    overpaid_parts: list[tuple[datetime.date, Decimal]] = field(default_factory=list)
    third_party: Decimal | None = None

    @property
    def has_plan_lines(self) -> bool:
        return any(line.planned is not None for line in self.lines)

    @property
    def overpayment(self) -> Decimal:
        return sum((amount for _day, amount in self.overpaid_parts), ZERO)

    @property
    def still_to_pay(self) -> Decimal:
        """What the Land still owes after the settlement (settled grant above the money received)."""
        if self.settled_grant is None:
            return ZERO
        return max(self.settled_grant - self.received, ZERO)


def settlement_for(proof: ProofOfUse) -> Settlement:
    """The settlement of ``proof``'s decision as its receipts stand (a handful of queries)."""
    decision = proof.decision
    version = decision.versions.filter(is_current=True).first()
    result = Settlement(version=version)
    if version is None:
        return result
    items = list(version.plan_items.all())
    plan = version.plan_table(items)
    planned: dict[tuple, Decimal] = {}
    labels: dict[tuple, str] = {}
    for row in (plan or {}).get("rows", []):
        item = row["item"]
        if not item.is_cost or row["total"] is None:
            continue
        key = line_key(item)
        planned[key] = planned.get(key, ZERO) + row["total"]
        labels[key] = str(item)
    receipts = list(
        Receipt.objects.filter(proof__decision=decision).select_related("plan_item").order_by("dated_on", "pk")
    )
    claimed: dict[tuple, Decimal] = {}
    admitted: dict[tuple, Decimal] = {}
    for receipt in receipts:
        key = line_key(receipt.plan_item) if receipt.plan_item_id else ("", "", None, None)
        labels.setdefault(key, str(receipt.plan_item) if receipt.plan_item_id else _("ohne Position des Plans"))
        claimed[key] = claimed.get(key, ZERO) + receipt.amount
        # a receipt not yet reviewed counts in full until it is (the figures say "vorläufig")
        admitted[key] = admitted.get(key, ZERO) + (
            receipt.admitted_amount if receipt.admitted_amount is not None else receipt.amount
        )
        if receipt.admitted_amount is None:
            result.unreviewed += 1
    admissible = money.admissible_by_line(planned, admitted)
    for key in list(planned) + [key for key in claimed if key not in planned]:
        result.lines.append(
            SettlementLine(
                label=labels[key],
                planned=planned.get(key),
                claimed=claimed.get(key, ZERO),
                admitted=admitted.get(key, ZERO),
                admissible=admissible.get(key, ZERO),
            )
        )
    result.receipt_count = len(receipts)
    result.claimed = sum(claimed.values(), ZERO)
    result.admitted = sum(admitted.values(), ZERO)
    result.eligible = sum(admissible.values(), ZERO)
    result.granted = version.granted_amount
    result.third_party = proof.third_party_actual if proof.third_party_actual is not None else version.third_party_funds
    if version.granted_amount is not None:
        result.settled_grant = money.settled_grant(
            financing_type=version.financing_type,
            eligible=result.eligible,
            granted=version.granted_amount,
            rate=version.rate,
            cap=version.cap,
            own_funds=version.own_funds,
            third_party_funds=result.third_party,
        )
        payments = [
            (call_off.received_on, call_off.received_amount)
            for call_off in CallOff.objects.filter(decision=decision, received_on__isnull=False)
        ]
        result.received = sum((amount for _day, amount in payments), ZERO)
        result.overpaid_parts = money.overpaid_parts(payments, result.settled_grant)
    return result


def latest_base_rate() -> Decimal | None:
    """The base rate in force today (one query); ``None`` if none is recorded."""
    return (
        BaseRate.objects.filter(valid_from__lte=timezone.localdate())
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )


@dataclass
class RecipientSettlement:
    """A pass-through recipient's proof: what was passed on against what its receipts admit."""

    passed_on: Decimal
    claimed: Decimal
    admitted: Decimal
    unreviewed: int

    @property
    def claim_back(self) -> Decimal:
        return max(self.passed_on - self.admitted, ZERO)


def recipient_settlement(proof: ProofOfUse) -> RecipientSettlement | None:
    """For a recipient's proof: the pass-through's money against its own receipts (one query)."""
    if proof.pass_through_id is None:
        return None
    receipts = list(proof.receipts.values_list("amount", "admitted_amount"))
    return RecipientSettlement(
        passed_on=proof.pass_through.recipient_total,
        claimed=sum((amount for amount, _admitted in receipts), ZERO),
        admitted=sum((admitted if admitted is not None else amount for amount, admitted in receipts), ZERO),
        unreviewed=sum(1 for _amount, admitted in receipts if admitted is None),
    )


def check_can_settle(proof: ProofOfUse, settlement: Settlement) -> None:
    if proof.pass_through_id is not None:
        raise ValidationError(
            _(
                "Der Nachweis des Empfängers wird geprüft, nicht festgesetzt: seine Belege gehen in die Abrechnung "
                "des Kreises ein."
            )
        )
    if proof.kind != ProofKind.FINAL:
        raise ValidationError(
            _("Abgerechnet wird mit dem (abschließenden) Verwendungsnachweis, nicht mit einem Zwischennachweis.")
        )
    if proof.settled_on is not None:
        raise ValidationError(_("Die Prüfung dieses Nachweises ist schon abgeschlossen."))
    if settlement.settled_grant is None:
        raise ValidationError(
            _("Solange die Zuwendung des Bescheids nicht berechnet ist, lässt sich nichts abrechnen.")
        )
    if settlement.receipt_count == 0:
        raise ValidationError(_("Der Nachweis hat noch keine Belege."))
    if settlement.unreviewed:
        raise ValidationError(
            _("Noch %(count)s Belege sind nicht geprüft: jeder Beleg wird anerkannt oder mit Grund gekürzt.")
            % {"count": settlement.unreviewed}
        )


@transaction.atomic
def conclude_review(*, proof: ProofOfUse, day: datetime.date, user, reason: str = "") -> RepaymentClaim | None:
    """Close the review of a final proof: store the settled grant and, for money received above
    it, create the repayment claim with its parts (each bearing interest from its day). ``user``
    records both; a second person approves them (four eyes)."""
    lock_decision(proof.decision_id, None)
    proof = ProofOfUse.objects.select_for_update().get(pk=proof.pk)
    settlement = settlement_for(proof)
    check_can_settle(proof, settlement)
    proof.settled_on = day
    proof.settled_grant = settlement.settled_grant
    record_change(proof, user=user)
    proof.revision += 1
    proof._change_reason = reason[:100] or None
    proof.save()
    if not settlement.overpaid_parts:
        return None
    claim = RepaymentClaim(decision_id=proof.decision_id, proof=proof, amount=settlement.overpayment)
    record_change(claim, user=user)
    claim.save()
    RepaymentPart.objects.bulk_create(
        RepaymentPart(claim=claim, interest_from=part_day, amount=amount)
        for part_day, amount in settlement.overpaid_parts
    )
    return claim


@transaction.atomic
def reopen_review(*, proof: ProofOfUse, reason: str, user) -> None:
    """Open a closed review again (e.g. after an objection): its claim goes unless it was repaid."""
    if not reason.strip():
        raise ValidationError(_("Bitte angeben, warum die Prüfung wieder geöffnet wird."))
    lock_decision(proof.decision_id, None)
    proof = ProofOfUse.objects.select_for_update().get(pk=proof.pk)
    claim = RepaymentClaim.objects.filter(proof=proof).first()
    if claim is not None:
        if claim.repaid_on is not None:
            raise ValidationError(
                _("Die Rückforderung ist am %(day)s zurückgezahlt; die Prüfung bleibt abgeschlossen.")
                % {"day": f"{claim.repaid_on:%d.%m.%Y}"}
            )
        claim._change_reason = reason[:100]
        claim.delete()
    proof.settled_on = None
    proof.settled_grant = None
    record_change(proof, user=user)
    proof.revision += 1
    proof._change_reason = reason[:100]
    proof.save()


def check_open(proof: ProofOfUse) -> None:
    if proof.settled_on is not None:
        raise ValidationError(
            _("Die Prüfung ist am %(day)s abgeschlossen; Belege lassen sich erst nach dem Wiederöffnen ändern.")
            % {"day": f"{proof.settled_on:%d.%m.%Y}"}
        )


@transaction.atomic
def save_receipt(*, receipt: Receipt, user=None) -> Receipt:
    """Save a receipt of an open review. A change of its amount undoes an earlier review of it."""
    check_open(ProofOfUse.objects.select_for_update().get(pk=receipt.proof_id))
    if receipt.pk is not None:
        before = Receipt.objects.get(pk=receipt.pk)
        if before.amount != receipt.amount and receipt.admitted_amount == before.admitted_amount:
            receipt.admitted_amount = None
            receipt.cut_reason = ""
            receipt.reviewed_by = None
            receipt.reviewed_at = None
    needs_line(receipt)
    receipt.full_clean()
    receipt.save()
    return receipt


def needs_line(receipt: Receipt) -> None:
    """With a financing plan, a receipt names the line it belongs to (else the 20 % rule cannot apply)."""
    if receipt.plan_item_id is not None:
        return
    version = receipt.proof.decision.versions.filter(is_current=True).first()
    if version is not None and version.plan_items.costs().exists():
        raise ValidationError({"plan_item": _("Bitte die Position des Finanzierungsplans wählen.")})


@transaction.atomic
def review_receipt(*, receipt: Receipt, admitted_amount: Decimal, cut_reason: str, user) -> Receipt:
    """Admit a receipt in full or cut it with a reason; who and when are kept."""
    check_open(ProofOfUse.objects.select_for_update().get(pk=receipt.proof_id))
    receipt.admitted_amount = admitted_amount
    receipt.cut_reason = cut_reason.strip() if admitted_amount < receipt.amount else ""
    receipt.reviewed_by = user
    receipt.reviewed_at = timezone.now()
    receipt.full_clean()
    receipt.save()
    return receipt


@transaction.atomic
def admit_all(*, proof: ProofOfUse, user) -> int:
    """Admit every unreviewed receipt of the proof in full; returns how many."""
    check_open(ProofOfUse.objects.select_for_update().get(pk=proof.pk))
    count = 0
    for receipt in proof.receipts.filter(admitted_amount__isnull=True):
        review_receipt(receipt=receipt, admitted_amount=receipt.amount, cut_reason="", user=user)
        count += 1
    return count


# --- deadlines by rule --------------------------------------------------------------------------


@dataclass
class DerivedDeadline:
    kind: str
    covers_year: int | None
    due_on: datetime.date
    existing: ProofOfUse | None = None
    pass_through: PassThrough | None = None  # a recipient's deadline (before the Kreis' own)

    @property
    def differs(self) -> bool:
        return self.existing is not None and self.existing.due_on != self.due_on

    @property
    def kind_label(self) -> str:
        return ProofKind(self.kind).label


def derived_deadlines(decision: GrantDecision) -> tuple[EligibilityRule, list[DerivedDeadline]]:
    """The proof deadlines the rule in force gives for the current grant period, matched with the
    proofs already recorded (by kind and year), and those of the recipients of pass-throughs
    whose contract sets them a lead (:func:`recipient_deadlines`)."""
    rule = EligibilityRule.loaded_for(decision)
    version = decision.versions.filter(is_current=True).first()
    pass_throughs = list(decision.pass_throughs.select_related("recipient"))
    return rule, deadlines_by_rule(rule, version, list(decision.proofs.all()), pass_throughs)


def deadlines_by_rule(
    rule: EligibilityRule, version: DecisionVersion | None, proofs: list, pass_throughs: list | None = None
) -> list[DerivedDeadline]:
    """:func:`derived_deadlines` from loaded records (no query)."""
    own = kreis_deadlines(rule, version, proofs)
    return own + recipient_deadlines(own, version, proofs, pass_throughs or [])


def recipient_deadlines(
    own: list[DerivedDeadline], version: DecisionVersion | None, proofs: list, pass_throughs: list
) -> list[DerivedDeadline]:
    """Each recipient's deadline before each of the Kreis' (``PassThrough.proof_lead_months``
    earlier, at a month's end): its interim proofs only for the years its pass-through covers."""
    result = []
    for pass_through in pass_throughs:
        lead = pass_through.proof_lead_months
        if not lead:
            continue
        start = pass_through.period_start or version.period_start
        end = pass_through.period_end or version.period_end
        for deadline in own:
            if deadline.covers_year is not None and not start.year <= deadline.covers_year <= end.year:
                continue
            match = next(
                (
                    p
                    for p in proofs
                    if p.kind == deadline.kind
                    and p.covers_year == deadline.covers_year
                    and p.pass_through_id == pass_through.pk
                ),
                None,
            )
            due = money.end_of_month_after(deadline.due_on, -lead)
            result.append(DerivedDeadline(deadline.kind, deadline.covers_year, due, match, pass_through))
    return result


def kreis_deadlines(rule: EligibilityRule, version: DecisionVersion | None, proofs: list) -> list[DerivedDeadline]:
    """The Kreis' own proof deadlines by the rule (interim after each year but the last, final
    after the period), matched with the Kreis' recorded proofs."""
    if version is None or version.period_start is None or version.period_end is None:
        return []
    result = []
    if rule.interim_proof_months is not None:
        for year in range(version.period_start.year, version.period_end.year):
            due = money.end_of_month_after(datetime.date(year, 12, 31), rule.interim_proof_months)
            match = next(
                (p for p in proofs if p.kind == ProofKind.INTERIM and p.covers_year == year and not p.pass_through_id),
                None,
            )
            result.append(DerivedDeadline(ProofKind.INTERIM, year, due, match))
    if rule.final_proof_months is not None:
        due = money.end_of_month_after(version.period_end, rule.final_proof_months)
        match = next((p for p in proofs if p.kind == ProofKind.FINAL and not p.pass_through_id), None)
        result.append(DerivedDeadline(ProofKind.FINAL, None, due, match))
    return result


@transaction.atomic
def apply_derived_deadlines(*, decision: GrantDecision, overwrite: bool = False) -> list[ProofOfUse]:
    """Create the proofs the rule asks for that are not recorded yet; with ``overwrite`` also move
    the deadlines of recorded ones to the rule's (those typed by hand otherwise stay)."""
    lock_decision(decision.pk, None)
    rule, deadlines = derived_deadlines(decision)
    changed = []
    source = rule.source or _("Förderregel")
    for deadline in deadlines:
        if deadline.existing is None:
            if deadline.pass_through is None:
                note = _("Frist aus der Regel (%(source)s).") % {"source": source}
            else:
                note = _("Frist des Empfängers: %(months)s Monat(e) vor der Frist des Kreises.") % {
                    "months": deadline.pass_through.proof_lead_months
                }
            proof = ProofOfUse(
                decision=decision,
                kind=deadline.kind,
                covers_year=deadline.covers_year,
                due_on=deadline.due_on,
                receipts_required=True,
                pass_through=deadline.pass_through,
                note=note,
            )
        elif overwrite and deadline.differs:
            proof = deadline.existing
            proof.due_on = deadline.due_on
            proof.revision += 1
        else:
            continue
        proof._change_reason = _("Frist aus der Regel")
        proof.full_clean()
        proof.save()
        changed.append(proof)
    return changed
