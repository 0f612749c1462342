"""Workflows that change several funding records at once, each in one transaction.

Every workflow that changes a decision's figures takes the decision's ``revision`` the user saw
(optimistic locking, as for every editable record): it locks the decision row, compares, and
refuses with :class:`~integration_admin.core.models.StaleRevision` before writing anything if
someone else saved in between.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from funding import money
from funding.models import (
    VERSION_FIGURES,
    CallOff,
    CostShare,
    DecisionVersion,
    FinancingType,
    GrantDecision,
    PassThrough,
)
from integration_admin.core.db import FteSum
from integration_admin.core.history import FLAT_RATE_CHANGED, VERSION_SUPERSEDED, system_reason
from integration_admin.core.models import StaleRevision
from programs.models import BuildingBlock
from staffing.models import Organisation, Position

REASON_MAX_LENGTH = 100  # django-simple-history's change-reason column


def check_reason_for_changed_figures(*, figures_changed: bool, reason: str) -> None:
    """A correction of a letter's figures (amounts, rates, dates) needs a reason for the audit trail."""
    if figures_changed and not reason.strip():
        raise ValidationError(
            {"change_reason": _("Die Beträge oder Daten des Bescheids ändern sich: bitte einen Grund angeben.")}
        )


def lock_decision(decision_id: int, expected_revision: int | None) -> GrantDecision:
    """Lock the decision row for this transaction; refuse if its revision is not the one the user saw."""
    locked = GrantDecision.objects.select_for_update().get(pk=decision_id)
    if expected_revision is not None and locked.revision != expected_revision:
        raise StaleRevision(locked)
    return locked


def _bump_revision(decision: GrantDecision, locked: GrantDecision) -> None:
    """Count one more save of the decision without a history row of its own (revision is not a fact)."""
    decision.revision = locked.revision + 1
    decision.skip_history_when_saving = True
    try:
        decision.save(update_fields=["revision"])
    finally:
        del decision.skip_history_when_saving


def position_weights(version: DecisionVersion) -> dict[Organisation, Decimal]:
    """FTE per organisation of the positions in the decision's building blocks (the usual key)."""
    rows = (
        Position.objects.filter(building_block__decisions=version.decision_id)
        .values("organisation")
        .annotate(fte_total=FteSum("fte"))
        .order_by("organisation__short_name")
    )
    organisations = Organisation.objects.in_bulk([row["organisation"] for row in rows])
    return {organisations[row["organisation"]]: row["fte_total"] for row in rows if row["fte_total"] > 0}


def current_weights(version: DecisionVersion) -> dict[Organisation, Decimal]:
    """The key a version's own shares were split by."""
    return {share.organisation: share.weight for share in version.cost_shares.select_related("organisation")}


def can_split(version: DecisionVersion) -> bool:
    return (
        version.eligible_expenditure is not None
        and version.granted_amount is not None
        and version.granted_amount <= version.eligible_expenditure
    )


@transaction.atomic
def split_cost_shares(
    *, version: DecisionVersion, weights: Mapping[Organisation, Decimal], reason: str = ""
) -> list[CostShare]:
    """Split a version's eligible expenditure, grant and own share between organisations.

    The eligible expenditure is split by ``weights`` (usually FTE); the grant is then split in
    proportion to those eligible parts, and each own share is the difference. Both splits use
    the largest-remainder method, so every column adds up to the version's totals to the cent,
    grant + own share = eligible holds for every organisation, and no part can turn negative
    (a grant part never exceeds its eligible part, because the grant never exceeds the total).

    Rows are updated in place per organisation, so the history shows old and new amounts.
    """
    if version.eligible_expenditure is None or version.granted_amount is None:
        raise ValidationError(_("Ohne zuwendungsfähige Ausgaben und Zuwendung lässt sich kein Eigenanteil aufteilen."))
    if not weights:
        raise ValidationError(_("Es gibt keine Organisation, auf die der Eigenanteil verteilt werden kann."))
    if version.granted_amount > version.eligible_expenditure:
        raise ValidationError(_("Die Zuwendung ist höher als die zuwendungsfähigen Ausgaben."))
    eligible = money.split_proportionally(version.eligible_expenditure, weights)
    if version.eligible_expenditure:
        grant = money.split_proportionally(version.granted_amount, eligible)
    else:
        grant = dict.fromkeys(eligible, Decimal("0.00"))
    existing = {share.organisation_id: share for share in version.cost_shares.all()}
    result = []
    for organisation, weight in weights.items():
        figures = (weight, eligible[organisation], grant[organisation], eligible[organisation] - grant[organisation])
        share = existing.pop(organisation.pk, None)
        if share is not None and (share.weight, share.eligible_amount, share.grant_amount, share.own_share) == figures:
            result.append(share)
            continue
        if share is None:
            share = CostShare(version=version, organisation=organisation)
        share.weight, share.eligible_amount, share.grant_amount, share.own_share = figures
        share._change_reason = reason[:REASON_MAX_LENGTH] or None
        share.save()
        result.append(share)
    for old in existing.values():
        old._change_reason = reason[:REASON_MAX_LENGTH] or None
        old.delete()
    return result


def resplit(
    version: DecisionVersion, *, weights: Mapping[Organisation, Decimal] | None = None, reason: str = ""
) -> None:
    """Keep a version's own shares in step with its figures: the same key, or the positions' FTE."""
    weights = weights if weights is not None else (current_weights(version) or position_weights(version))
    if weights and can_split(version):
        split_cost_shares(version=version, weights=weights, reason=reason)
    else:
        for old in version.cost_shares.all():
            old._change_reason = reason[:REASON_MAX_LENGTH] or None
            old.delete()


@transaction.atomic
def create_decision(
    *,
    decision: GrantDecision,
    building_blocks: Iterable[BuildingBlock],
    version: DecisionVersion,
) -> GrantDecision:
    """A new decision with its original letter (version 0); own shares split by the positions' FTE."""
    decision.revision = 1
    decision.save()
    decision.building_blocks.set(building_blocks)
    version.decision = decision
    version.number = 0
    version.is_current = True
    version.reason = ""
    version.save()
    weights = position_weights(version)
    if weights and can_split(version):
        split_cost_shares(version=version, weights=weights)
    return decision


@transaction.atomic
def update_decision(
    *,
    decision: GrantDecision,
    expected_revision: int | None,
    building_blocks: Iterable[BuildingBlock] | None = None,
    version: DecisionVersion | None = None,
    reason: str = "",
    decision_changed: bool = True,
) -> GrantDecision:
    """Save corrections to a decision and its current letter, if nobody else saved in between.

    ``version`` (the current version with corrected figures) is saved only when given; the
    ``reason`` goes into the history of every record changed and the own shares follow the
    new figures with the same key. Changed figures need a reason.
    """
    check_reason_for_changed_figures(figures_changed=version is not None, reason=reason)
    locked = lock_decision(decision.pk, expected_revision)
    if version is not None and (version.decision_id != decision.pk or not version.is_current):
        raise ValidationError(
            _("Korrigiert werden kann nur die geltende Fassung; sonst bitte einen Änderungsbescheid.")
        )
    reason = reason[:REASON_MAX_LENGTH]
    if decision_changed:
        decision._change_reason = reason or None
        decision.revision = locked.revision + 1
        decision.save()
        if building_blocks is not None:
            decision.building_blocks.set(building_blocks)
    else:
        _bump_revision(decision, locked)
    if version is not None:
        version._change_reason = reason or None
        version.save()
        resplit(version, reason=reason)
    return decision


@transaction.atomic
def record_amendment(
    *,
    decision: GrantDecision,
    expected_revision: int | None,
    reason: str,
    figures: Mapping[str, object],
    dated_on=None,
    received_on=None,
) -> DecisionVersion:
    """An amendment (Änderungsbescheid): version n+1 with the changed figures becomes current.

    The figures not in ``figures`` are copied from the current version; the earlier version is
    kept unchanged except that it is no longer current; the own shares are split by the same key.
    """
    if not reason.strip():
        raise ValidationError({"reason": _("Ein Änderungsbescheid braucht einen Grund.")})
    locked = lock_decision(decision.pk, expected_revision)
    current = locked.versions.select_for_update().filter(is_current=True).first()
    highest = locked.versions.aggregate(highest=Max("number"))["highest"]
    new = DecisionVersion(
        decision=locked,
        number=0 if highest is None else highest + 1,
        is_current=True,
        reason=reason.strip(),
        dated_on=dated_on,
        received_on=received_on,
    )
    unknown = set(figures) - set(VERSION_FIGURES)
    if unknown:
        raise ValueError(f"not figures of a decision letter: {sorted(unknown)}")
    for name in VERSION_FIGURES:
        setattr(new, name, figures[name] if name in figures else getattr(current, name, None))
    new.full_clean(exclude=["decision"])
    weights = {}
    if current is not None:
        weights = current_weights(current)
        current.is_current = False
        current._change_reason = system_reason(VERSION_SUPERSEDED, number=new.number)[:REASON_MAX_LENGTH]
        current.save()
    new._change_reason = reason.strip()[:REASON_MAX_LENGTH]
    new.save()
    resplit(new, weights=weights or None, reason=new._change_reason)
    _bump_revision(decision, locked)
    return new


@transaction.atomic
def set_cost_share_weights(
    *, decision: GrantDecision, expected_revision: int, weights: Mapping[Organisation, Decimal], reason: str = ""
) -> list[CostShare]:
    """Split the current version's own share by a key the administrator chose."""
    locked = lock_decision(decision.pk, expected_revision)
    version = locked.versions.filter(is_current=True).first()
    if version is None:
        raise ValidationError(_("Der Bescheid hat noch keine geltende Fassung."))
    shares = split_cost_shares(version=version, weights=weights, reason=reason)
    _bump_revision(decision, locked)
    return shares


@transaction.atomic
def save_call_off(*, call_off: CallOff) -> CallOff:
    """Save a call-off; the decision is locked, so two call-offs at once cannot exceed the grant together."""
    lock_decision(call_off.decision_id, None)
    call_off.check_within_grant()
    call_off.save()
    return call_off


@transaction.atomic
def save_pass_through(*, pass_through: PassThrough) -> PassThrough:
    """Save a pass-through; the decision is locked while the total is checked against the grant."""
    lock_decision(pass_through.decision_id, None)
    pass_through.check_within_grant()
    pass_through.save()
    return pass_through


@transaction.atomic
def refresh_flat_rate_grants(*, building_block_ids: Iterable[int], year: int) -> list[DecisionVersion]:
    """Recompute the grants of current flat-rate versions whose blocks' rate for ``year`` changed.

    The grant is stored (so that totals can be summed in the database); a changed rate must
    therefore be carried into the versions that use it, with a reason in their history.
    """
    changed = []
    versions = DecisionVersion.objects.current().filter(
        financing_type=FinancingType.FLAT_RATE, decision__building_blocks__in=list(building_block_ids)
    )
    for version in versions.distinct():
        try:
            grant = version.compute_grant()
        except ValidationError:
            grant = None
        if grant != version.granted_amount:
            version._change_reason = system_reason(FLAT_RATE_CHANGED, year=year)[:REASON_MAX_LENGTH]
            version.save()
            resplit(version, reason=version._change_reason)
            changed.append(version)
    return changed
