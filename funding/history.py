"""The audit trail of one grant decision and its figures "as of" a past day.

:func:`decision_history` merges the histories of the decision, its versions, own shares,
call-offs, proofs of use, pass-throughs and the documents of all of them into one timeline (one
query per kind of record).
:func:`decision_as_of` rebuilds what the records said at a moment, from the same history
tables (django-simple-history's ``as_of``).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from funding.models import (
    CallOff,
    CostShare,
    DecisionVersion,
    GrantDecision,
    PassThrough,
    Payout,
    ProofOfUse,
    Receipt,
    RepaymentClaim,
)
from integration_admin.core.history import HistoryEntry, entries_from_records
from integration_admin.core.models import Document
from staffing.models import Organisation

IGNORE = ("modified", "created", "revision")


def version_label(number: int) -> str:
    return _("Erstbescheid") if number == 0 else _("%(number)s. Änderungsbescheid") % {"number": number}


def _rows(model, *related, **filters):
    """The model's history rows, newest first, with the user and the ``related`` objects joined."""
    query = model.history.filter(**filters).select_related("history_user", *related)
    return query.order_by("-history_date", "-history_id")


def document_rows(decision_id: int, version_ids):
    """The history rows of the documents of the decision, its versions, proofs and pass-throughs,
    also of those deleted since (their ids from their history), newest first, in one query."""

    def of(model, ids):
        meta = model._meta
        return Q(content_type__app_label=meta.app_label, content_type__model=meta.model_name, object_id__in=ids)

    query = (
        of(GrantDecision, [decision_id])
        | of(DecisionVersion, list(version_ids))
        | of(ProofOfUse, ProofOfUse.history.filter(decision_id=decision_id).values("id"))
        | of(PassThrough, PassThrough.history.filter(decision_id=decision_id).values("id"))
    )
    rows = Document.history.filter(query).select_related("history_user")
    return rows.order_by("-history_date", "-history_id")


def decision_history(decision_id: int) -> tuple[GrantDecision, list[HistoryEntry]]:
    """The decision and who changed what and when on it and everything attached to it, newest first.

    One query per kind of record (the decision, its versions, own shares, call-offs, proofs,
    pass-throughs and documents), each with its users and named objects joined. The decision itself is its newest
    history row (django-simple-history's ``instance``), read with its programme, funder and
    application, so the page needs no query of its own; their names in changed fields need no
    lookup either. Raises ``GrantDecision.DoesNotExist`` for a decision that does not exist (any more)
    or belongs to another body than the active scope's.
    """
    related = ("programme", "funder", "application__programme")  # (an application's name needs its programme)
    # The history tables are not scoped to a body: the decision's rows only if the decision is one
    # the active scope sees (a subquery of its scoped manager, in the same query), so that another
    # body's decision has no history here but a 404 (core.scopes).
    visible = GrantDecision.objects.filter(pk=decision_id).values("pk")
    decision_rows = list(_rows(GrantDecision, *related, id=decision_id).filter(id__in=visible))
    if decision_rows and decision_rows[0].history_type != "-":
        newest = decision_rows[0]
        decision = newest.instance
        known = [newest.programme, newest.funder, newest.application]
    else:  # no history (records created without it) or deleted: the table decides
        decision = GrantDecision.objects.select_related(*related).get(pk=decision_id)
        known = [decision.programme, decision.funder, decision.application]
    version_rows = list(_rows(DecisionVersion, decision_id=decision.pk))
    numbers = {row.id: row.number for row in version_rows}

    def share_subject(record):
        number = numbers.get(record.version_id)
        label = version_label(number) if number is not None else "?"
        return _("Eigenanteil (%(version)s)") % {"version": label}

    entries = [
        *entries_from_records(
            decision_rows,
            GrantDecision,
            ignore=IGNORE,
            subject=lambda r: _("Bescheid"),
            show_created_values=True,
            known=known,
        ),
        *entries_from_records(
            version_rows,
            DecisionVersion,
            ignore=(*IGNORE, "decision"),
            subject=lambda r: version_label(r.number),
            show_created_values=True,
            known=known,
        ),
        *entries_from_records(
            _rows(CostShare, "organisation", version_id__in=list(numbers)),
            CostShare,
            ignore=(*IGNORE, "version"),
            subject=share_subject,
            show_created_values=True,
            known=known,
        ),
        *entries_from_records(
            _rows(CallOff, decision_id=decision.pk),
            CallOff,
            ignore=(*IGNORE, "decision"),
            subject=lambda r: _("Mittelabruf vom %(day)s") % {"day": date_format(r.called_on, "SHORT_DATE_FORMAT")},
            show_created_values=True,
            known=known,
        ),
        *entries_from_records(
            _rows(ProofOfUse, decision_id=decision.pk),
            ProofOfUse,
            ignore=(*IGNORE, "decision"),
            subject=lambda r: _("Nachweis, Frist %(day)s") % {"day": date_format(r.due_on, "SHORT_DATE_FORMAT")},
            show_created_values=True,
            known=known,
        ),
        *entries_from_records(
            _rows(Receipt, "plan_item", "reviewed_by", proof__decision_id=decision.pk),
            Receipt,
            ignore=(*IGNORE, "proof", "reviewed_at"),
            subject=lambda r: _("Beleg %(number)s") % {"number": r.number},
            show_created_values=True,
            known=known,
        ),
        *entries_from_records(
            _rows(RepaymentClaim, decision_id=decision.pk),
            RepaymentClaim,
            ignore=(*IGNORE, "decision", "proof"),
            subject=lambda r: _("Rückforderung"),
            show_created_values=True,
            known=known,
        ),
        *entries_from_records(
            _rows(PassThrough, "recipient", decision_id=decision.pk),
            PassThrough,
            ignore=(*IGNORE, "decision"),
            subject=lambda r: _("Weiterleitung"),
            show_created_values=True,
            known=known,
        ),
        *entries_from_records(
            _rows(Payout, pass_through__decision_id=decision.pk),
            Payout,
            ignore=(*IGNORE, "pass_through"),
            subject=lambda r: (
                _("Auszahlung, angefordert am %(day)s") % {"day": date_format(r.requested_on, "SHORT_DATE_FORMAT")}
            ),
            show_created_values=True,
            known=known,
        ),
        *entries_from_records(
            document_rows(decision.pk, numbers),
            Document,
            ignore=("content_type", "object_id", "sha256", "uploaded_by", "uploaded_at"),
            subject=lambda r: _("Dokument „%(title)s“") % {"title": r.title},
            show_created_values=True,
        ),
    ]
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return decision, entries


@dataclass
class DecisionSnapshot:
    """A decision and its records as they were at ``moment``."""

    moment: datetime.datetime
    decision: GrantDecision
    versions: list[DecisionVersion] = field(default_factory=list)
    call_offs: list[CallOff] = field(default_factory=list)
    proofs: list[ProofOfUse] = field(default_factory=list)
    pass_throughs: list[PassThrough] = field(default_factory=list)


def decision_as_of(decision: GrantDecision, moment: datetime.datetime) -> DecisionSnapshot | None:
    """The decision as recorded at ``moment``; ``None`` if it did not exist yet (or no longer)."""
    try:
        then = decision.history.as_of(moment)
    except GrantDecision.DoesNotExist:
        return None
    versions = sorted(DecisionVersion.history.as_of(moment).filter(decision_id=decision.pk), key=lambda v: -v.number)
    shares = list(CostShare.history.as_of(moment).filter(version_id__in=[v.pk for v in versions]))
    pass_throughs = list(PassThrough.history.as_of(moment).filter(decision_id=decision.pk))
    organisations = Organisation.objects.in_bulk(
        {s.organisation_id for s in shares} | {p.recipient_id for p in pass_throughs}
    )
    by_version: dict[int, list[CostShare]] = {v.pk: [] for v in versions}
    for share in sorted(shares, key=lambda s: organisations[s.organisation_id].short_name):
        share.organisation = organisations[share.organisation_id]
        by_version[share.version_id].append(share)
    for version in versions:
        version.snapshot_shares = by_version[version.pk]
    for pass_through in pass_throughs:
        pass_through.recipient = organisations[pass_through.recipient_id]
    return DecisionSnapshot(
        moment=moment,
        decision=then,
        versions=versions,
        call_offs=sorted(CallOff.history.as_of(moment).filter(decision_id=decision.pk), key=lambda c: c.called_on),
        proofs=sorted(ProofOfUse.history.as_of(moment).filter(decision_id=decision.pk), key=lambda p: p.due_on),
        pass_throughs=pass_throughs,
    )
