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
from django.utils import timezone
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
    Payout,
    PlanItem,
    PlanItemKind,
)
from integration_admin.core.db import FteSum
from integration_admin.core.formats import euro
from integration_admin.core.history import FLAT_RATE_FROZEN, VERSION_SUPERSEDED, system_reason
from integration_admin.core.models import StaleRevision, record_change
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
        and version.granted_amount + (version.third_party_funds or Decimal("0")) <= version.eligible_expenditure
    )


@transaction.atomic
def split_cost_shares(
    *, version: DecisionVersion, weights: Mapping[Organisation, Decimal], reason: str = ""
) -> list[CostShare]:
    """Split a version's eligible expenditure, grant and own share between organisations.

    The eligible expenditure is split by ``weights`` (usually FTE); the grant and third-party
    funds are then split in proportion to those eligible parts, and each own share is the
    difference (third-party money is not an own share). The splits use the largest-remainder
    method, so every column adds up to the version's totals to the cent, grant + third party +
    own share = eligible holds for every organisation, and no part can turn negative (grant and
    third party together never exceed the total).

    Rows are updated in place per organisation, so the history shows old and new amounts.
    """
    if version.eligible_expenditure is None or version.granted_amount is None:
        raise ValidationError(_("Ohne zuwendungsfähige Ausgaben und Zuwendung lässt sich kein Eigenanteil aufteilen."))
    if not weights:
        raise ValidationError(_("Es gibt keine Organisation, auf die der Eigenanteil verteilt werden kann."))
    third_party = version.third_party_funds or Decimal("0.00")
    if version.granted_amount + third_party > version.eligible_expenditure:
        raise ValidationError(_("Zuwendung und Drittmittel sind höher als die zuwendungsfähigen Ausgaben."))
    eligible = money.split_proportionally(version.eligible_expenditure, weights)
    if version.eligible_expenditure:
        # Grant and third-party funds as one split, so that both together stay within each eligible part.
        funded = money.split_proportionally(version.granted_amount + third_party, eligible)
        grant = money.split_proportionally(version.granted_amount, funded) if any(funded.values()) else funded
    else:
        funded = grant = dict.fromkeys(eligible, Decimal("0.00"))
    existing = {share.organisation_id: share for share in version.cost_shares.all()}
    result = []
    for organisation, weight in weights.items():
        third = funded[organisation] - grant[organisation]
        figures = (
            weight,
            eligible[organisation],
            grant[organisation],
            third,
            eligible[organisation] - funded[organisation],
        )
        share = existing.pop(organisation.pk, None)
        current = share and (
            share.weight,
            share.eligible_amount,
            share.grant_amount,
            share.third_party_amount,
            share.own_share,
        )
        if share is not None and current == figures:
            result.append(share)
            continue
        if share is None:
            share = CostShare(version=version, organisation=organisation)
        share.weight, share.eligible_amount, share.grant_amount, share.third_party_amount, share.own_share = figures
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
    refresh_plan_figures(version)
    check_grant_within_eligible(version)
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
        refresh_plan_figures(version, reason=reason)
        check_grant_within_eligible(version)
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
    take_master_rates: bool = False,
) -> DecisionVersion:
    """An amendment (Änderungsbescheid): version n+1 with the changed figures becomes current.

    The figures not in ``figures`` are copied from the current version, and so is its financing
    plan with the rates frozen into it; with ``take_master_rates`` the flat rates are taken
    anew from the master data (the only way a changed master-data rate reaches an issued
    decision, recorded with the amendment's reason). The earlier version is kept unchanged
    except that it is no longer current; the own shares are split by the same key.
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
    if current is not None:
        # Computed from the plan and the rates it takes over, so the first save already stores the grant.
        new.plan_amount = current.plan_amount
        if not take_master_rates:
            new.frozen_rates_override = current.frozen_rates()
    new.full_clean(exclude=["decision"])
    weights = {}
    if current is not None:
        weights = current_weights(current)
        current.is_current = False
        current._change_reason = system_reason(VERSION_SUPERSEDED, number=new.number)[:REASON_MAX_LENGTH]
        current.save()
    new._change_reason = reason.strip()[:REASON_MAX_LENGTH]
    new.save()
    new.frozen_rates_override = None
    if current is not None:
        copy_plan(source=current, target=new, reason=new._change_reason, without_frozen_rates=take_master_rates)
    refresh_plan_figures(new, reason=new._change_reason)
    check_grant_within_eligible(new)
    resplit(new, weights=weights or None, reason=new._change_reason)
    _bump_revision(decision, locked)
    return new


@transaction.atomic
def correct_superseded_version(*, version: DecisionVersion, reason: str) -> DecisionVersion:
    """Correct an earlier letter (from the admin): its plan's figures, the grant check and its
    own shares follow, with the reason, while its decision is locked."""
    locked = lock_decision(version.decision_id, None)
    reason = reason.strip()[:REASON_MAX_LENGTH]
    version._change_reason = reason or None
    version.save()
    refresh_plan_figures(version, reason=reason)
    check_grant_within_eligible(version)
    resplit(version, reason=reason)
    _bump_revision(locked, locked)
    return version


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
def save_call_off(*, call_off: CallOff, user) -> CallOff:
    """Save a call-off recorded or changed by ``user`` (four eyes: it then awaits a second person's
    approval, see core.models.record_change); the decision is locked, so two call-offs at once
    cannot exceed the grant together."""
    lock_decision(call_off.decision_id, None)
    call_off.check_within_grant()
    record_change(call_off, user=user)
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
def save_payout(*, payout: Payout, user) -> Payout:
    """Save a payout recorded or changed by ``user`` (four eyes: it then awaits a second person's
    approval, see core.models.record_change). The pass-through is locked while the payouts'
    total is checked against what it provides; a payout is paid only once approved."""
    PassThrough.objects.select_for_update().get(pk=payout.pass_through_id)
    payout.check_within_pass_through()
    record_change(payout, user=user)
    if payout.paid_on is not None and not payout.is_approved:
        raise ValidationError({"paid_on": _("Ausgezahlt werden kann erst nach der Freigabe durch eine zweite Person.")})
    payout.save()
    return payout


def copy_plan(*, source: DecisionVersion, target: DecisionVersion, reason: str, without_frozen_rates: bool) -> None:
    """Copy a version's financing plan to its amendment (frozen rates stay frozen unless dropped)."""
    for item in source.plan_items.all():
        if without_frozen_rates and item.frozen_from_master_data_on is not None:
            continue
        item.pk = None
        item.version = target
        item._change_reason = reason[:REASON_MAX_LENGTH] or None
        item.save()


def sync_frozen_rates(version: DecisionVersion, *, reason: str = "") -> None:
    """Freeze the master data's flat rates into a flat-rate version, for each year of its period
    that has none yet; rates already frozen are never changed (the letter's rate binds).

    The frozen rates follow the funded FTE typed on the figures; a plan whose personnel lines are
    typed by hand carries its own rates and is left alone (other lines, e.g. third-party funds or
    a one-off amount, do not stop the freezing). A version that is no longer financed by flat
    rates loses its frozen rates."""
    items = list(version.plan_items.all())
    frozen = {item.year: item for item in items if item.frozen_from_master_data_on is not None}
    if version.financing_type != FinancingType.FLAT_RATE:
        for item in frozen.values():
            item._change_reason = reason[:REASON_MAX_LENGTH] or None
            item.delete()
        return
    if any(item.kind == PlanItemKind.PERSONNEL and item.frozen_from_master_data_on is None for item in items):
        return  # the letter's personnel lines are typed by hand, with their own rates
    if version.funded_fte is None:
        return
    if version.period_start is None or version.period_end is None:
        return
    try:
        master = version.master_rates()
    except ValidationError:
        master = {}
    today = timezone.localdate()
    for year in range(version.period_start.year, version.period_end.year + 1):
        item = frozen.get(year)
        if item is None and year in master:
            item = PlanItem(
                version=version,
                kind=PlanItemKind.PERSONNEL,
                label=_("Pauschale je VZÄ und Jahr"),
                year=year,
                amount=master[year],
                frozen_from_master_data_on=today,
                sort_order=year,
            )
        if item is not None and item.fte != version.funded_fte:
            item.fte = version.funded_fte
            item._change_reason = reason[:REASON_MAX_LENGTH] or None
            item.save()


def refresh_plan_figures(version: DecisionVersion, *, reason: str = "") -> None:
    """After a version's figures or plan changed: freeze missing flat rates, take the plan's
    figures, and store the grant they compute (one save, only if something changed)."""
    sync_frozen_rates(version, reason=reason)
    before = {name: getattr(version, name) for name in PLAN_FIGURES}
    grant_before = version.granted_amount
    version.apply_plan(list(version.plan_items.all()))
    check_amounts_fit(version)
    if {name: getattr(version, name) for name in PLAN_FIGURES} != before or version.compute_grant() != grant_before:
        version._change_reason = reason[:REASON_MAX_LENGTH] or None
        version.save()


# The figures of a version that a financing plan entered by hand may set.
PLAN_FIGURES = (
    "plan_amount",
    "eligible_expenditure",
    "funded_fte",
    "own_funds",
    "third_party_funds",
    "unit_amount",
    "units",
)
MONEY_LIMIT = Decimal("1e12")  # the money columns hold 14 digits, two after the point


def check_amounts_fit(version: DecisionVersion) -> None:
    """Refuse plan figures too large to store (a few zeros too many) before anything is written."""
    grant = version.compute_grant()
    amounts = (version.plan_amount, version.eligible_expenditure, version.own_funds, version.third_party_funds, grant)
    if any(amount is not None and abs(amount) >= MONEY_LIMIT for amount in amounts):
        raise ValidationError(
            _("Die Beträge des Finanzierungsplans sind zu groß (ab 1 Billion €): bitte Beträge und VZÄ prüfen.")
        )


def check_grant_within_eligible(version: DecisionVersion) -> None:
    """Refuse a grant above the eligible expenditure: the own share would turn negative."""
    excess = version.grant_above_eligible()
    if excess is None:
        return
    raise ValidationError(
        _(
            "Die Zuwendung (%(grant)s) übersteigt die zuwendungsfähigen Ausgaben (%(eligible)s) um %(excess)s; "
            "der Eigenanteil würde negativ. Ein Festbetrag oder eine Pauschale darf die zuwendungsfähigen "
            "Ausgaben nicht übersteigen: bitte Beträge, VZÄ oder Ausgaben prüfen."
        )
        % {
            "grant": euro(version.granted_amount),
            "eligible": euro(version.eligible_expenditure),
            "excess": euro(excess),
        }
    )


@transaction.atomic
def save_financing_plan(
    *, decision: GrantDecision, expected_revision: int | None, formset, reason: str = ""
) -> DecisionVersion:
    """Save the current version's financing plan (an inline formset of its items) and the figures
    it computes, if nobody else saved the decision in between. Changing or removing items of a
    plan needs a reason (it corrects a letter already entered); entering items for the first
    time does not."""
    # Typing the letter's rate over a rate taken from the master data the same day is entering the
    # letter, not correcting it; any other change or removal of a line already saved is.
    today = timezone.localdate()
    corrects = any(
        form.instance.pk
        and (form in formset.deleted_forms or (form.has_changed() and getattr(form, "frozen_on", None) != today))
        for form in formset.forms
    )
    check_reason_for_changed_figures(figures_changed=corrects, reason=reason)
    locked = lock_decision(decision.pk, expected_revision)
    version = locked.versions.select_for_update().get(is_current=True)
    frozen_years_before = set(
        version.plan_items.filter(frozen_from_master_data_on__isnull=False).values_list("year", flat=True)
    )
    reason = reason.strip()[:REASON_MAX_LENGTH]
    items = formset.save(commit=False)
    for item in formset.deleted_objects:
        item._change_reason = reason or None
        item.delete()
    for item in items:
        item.version = version
        item._change_reason = reason or None
        item.save()
    check_no_rate_twice(version)
    check_every_line_counts(version)
    check_flat_rate_years_kept(version, frozen_years_before)
    refresh_plan_figures(version, reason=reason)
    check_grant_within_eligible(version)
    resplit(version, reason=reason)
    _bump_revision(decision, locked)
    return version


@transaction.atomic
def restore_financing_plan(
    *, decision_id: int, expected_revision: int | None, items: list[dict], figures: dict, reason: str
) -> DecisionVersion:
    """Put back a current version's plan and figures as they were (undoing an import of plans):
    ``items`` as the fields of :class:`PlanItem` (ids for the records, frozen dates kept),
    ``figures`` the :data:`PLAN_FIGURES` before; the grant and the shares follow."""
    locked = lock_decision(decision_id, expected_revision)
    version = locked.versions.select_for_update().get(is_current=True)
    reason = reason.strip()[:REASON_MAX_LENGTH]
    for item in version.plan_items.all():
        item._change_reason = reason or None
        item.delete()
    for data in items:
        item = PlanItem(version=version)
        for name, value in data.items():
            model_field = PlanItem._meta.get_field(name)
            setattr(item, model_field.attname, model_field.to_python(value) if value is not None else None)
        item._change_reason = reason or None
        item.save()
    for name, value in figures.items():
        setattr(version, name, DecisionVersion._meta.get_field(name).to_python(value))
    version._change_reason = reason or None
    version.save()
    refresh_plan_figures(version, reason=reason)
    resplit(version, reason=reason)
    _bump_revision(locked, locked)
    return version


def check_every_line_counts(version: DecisionVersion) -> None:
    """Refuse lines that would silently count as 0: a year outside the grant period, a material
    flat rate without personnel cost in its building block."""
    if version.period_start is None or version.period_end is None:
        return
    items = list(version.plan_items.select_related("building_block"))
    lines = [item.as_line() for item in items]
    by_year = money.plan_by_year(lines, version.period_start, version.period_end, version.month_counting)
    for item, amounts in zip(items, by_year, strict=True):
        if amounts or item.frozen_from_master_data_on is not None:
            continue
        values = {"item": str(item), "start": version.period_start.year, "end": version.period_end.year}
        if item.kind == PlanItemKind.MATERIAL:
            raise ValidationError(
                _(
                    "Die Sachkostenpauschale „%(item)s“ findet keine Personalkosten, von denen sie berechnet "
                    "werden kann (im selben Baustein und Jahr); so zählte sie 0 €."
                )
                % values
            )
        raise ValidationError(
            _(
                "Die Position „%(item)s“ fällt in kein Jahr des Bewilligungszeitraums (%(start)s–%(end)s); so "
                "zählte sie 0 €."
            )
            % values
        )


def check_flat_rate_years_kept(version: DecisionVersion, frozen_years_before: set[int]) -> None:
    """A flat-rate letter keeps a rate for every year it had one: removing a frozen rate without a
    line of the letter's own would let the master data's come back unnoticed."""
    if version.financing_type != FinancingType.FLAT_RATE or version.period_start is None or version.period_end is None:
        return
    years = set(version.plan_items.filter(kind=PlanItemKind.PERSONNEL).values_list("year", flat=True))
    if None in years:
        return  # a personnel line for every year of the period
    missing = sorted(
        year for year in frozen_years_before - years if version.period_start.year <= year <= version.period_end.year
    )
    if missing:
        raise ValidationError(
            _(
                "Für %(years)s stünde keine Pauschale mehr im Plan. Bitte den Satz des Bescheids in der Zeile "
                "eintragen, statt sie zu entfernen."
            )
            % {"years": ", ".join(map(str, missing))}
        )


def check_no_rate_twice(version: DecisionVersion) -> None:
    """A plan typed by hand beside the rates taken over from the master data would count both:
    refuse, naming the rates to change or remove."""
    items = list(version.plan_items.filter(kind=PlanItemKind.PERSONNEL))
    frozen = [item for item in items if item.frozen_from_master_data_on is not None]
    if frozen and len(frozen) < len(items):
        raise ValidationError(
            _(
                "Im Plan stehen noch die aus den Stammdaten übernommenen Pauschalen (%(rates)s). Bitte den Satz "
                "des Bescheids in diesen Zeilen eintragen oder sie entfernen; sonst würden beide gezählt."
            )
            % {"rates": ", ".join(f"{item.year}: {euro(item.amount)}" for item in sorted(frozen, key=lambda i: i.year))}
        )


def issued_versions_with_other_rate(*, building_block_id: int, year: int, amount) -> list[DecisionVersion]:
    """Current versions of the block's decisions whose frozen rate for ``year`` differs from ``amount``:
    after a master-data change they keep their own rate (a change reaches them only by an amendment)."""
    items = (
        PlanItem.objects.filter(
            version__is_current=True,
            version__decision__building_blocks=building_block_id,
            frozen_from_master_data_on__isnull=False,
            year=year,
        )
        .exclude(amount=amount)
        .select_related("version__decision")
        .order_by("version__decision__title")
    )
    return list({item.version_id: item.version for item in items}.values())


def apply_master_flat_rate(*, rate) -> str:
    """After a flat rate of the master data was saved (page or admin): decisions of its block that
    still lack a rate for its year take it; issued decisions keep their frozen rate. Returns the
    message naming those that keep theirs ("" when none does)."""
    fill_missing_flat_rates(building_block_id=rate.building_block_id, year=rate.year)
    keeping = issued_versions_with_other_rate(
        building_block_id=rate.building_block_id, year=rate.year, amount=rate.amount_per_fte
    )
    if not keeping:
        return ""
    return _(
        "Die Pauschale gilt für neue Bescheide. %(count)s erlassene Bescheide behalten ihre "
        "festgeschriebene Pauschale für %(year)s (%(titles)s); sie ändert sich dort nur mit einem "
        "Änderungsbescheid („Pauschalen aus den Stammdaten übernehmen“)."
    ) % {
        "count": len(keeping),
        "year": rate.year,
        "titles": ", ".join(version.decision.title for version in keeping),
    }


@transaction.atomic
def save_eligibility_rule(*, decision: GrantDecision, expected_revision: int | None, rule, reason: str = ""):
    """Save a decision's own eligibility rule, if nobody else saved the decision in between.

    The rule's way of counting months is a proposal for new letters; the letters already entered
    keep theirs (it is part of their figures, changed by a correction or an amendment)."""
    locked = lock_decision(decision.pk, expected_revision)
    rule.decision = locked
    rule.programme = None
    rule._change_reason = reason.strip()[:REASON_MAX_LENGTH] or None
    rule.full_clean()
    rule.save()
    _bump_revision(decision, locked)
    return rule


@transaction.atomic
def fill_missing_flat_rates(*, building_block_id: int, year: int) -> list[DecisionVersion]:
    """After a master-data rate for ``year`` was entered: current flat-rate versions of the block
    that still lack a rate for that year take it (frozen from now on). Rates already frozen are
    never replaced; a changed rate reaches an issued decision only through an amendment."""
    versions = (
        DecisionVersion.objects.current()
        .filter(financing_type=FinancingType.FLAT_RATE, decision__building_blocks=building_block_id)
        .exclude(plan_items__year=year, plan_items__frozen_from_master_data_on__isnull=False)
        .distinct()
    )
    changed = []
    for found in versions:
        decision = lock_decision(found.decision_id, None)  # a correction saved meanwhile is not overwritten
        version = decision.versions.get(pk=found.pk)
        grant_before = version.granted_amount
        refresh_plan_figures(version, reason=system_reason(FLAT_RATE_FROZEN, year=year))
        if version.granted_amount != grant_before:
            resplit(version, reason=system_reason(FLAT_RATE_FROZEN, year=year))
            _bump_revision(decision, decision)
            changed.append(version)
    return changed
