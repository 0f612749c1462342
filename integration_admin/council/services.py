"""Workflows on reports that change several records: release, supplement.

Releasing renders a PDF, which takes a second or so. That must not happen inside a write
transaction holding row locks, so :func:`release_report` works in three steps:

1. read the next paper number (no lock) and the live figures, build the snapshot;
2. render the PDF, outside any transaction (a failure changes nothing);
3. store everything in one short transaction (:func:`_store_release`): lock the year's
   counter row (``SELECT ... FOR UPDATE``) and the report, check that the number is still the
   next one and that nobody changed the report meanwhile, then write counter, report and file.

If someone else took the number between 1 and 3, the release starts over with the next one.
So a number is consumed only together with the report that carries it, it is never given out
twice (the counter only grows; a unique constraint backs it), and a failed render leaves
neither a gap nor a half-released report.

In the browser a release is a background job (``council.jobs``: a long paper takes longer to
render than a request may last); the job passes the revision the user confirmed and marks itself
done inside step 3's transaction (``on_stored``), so report, number, file and job agree.
"""

import hashlib
from collections.abc import Callable

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from integration_admin.core.documents import copy_documents
from integration_admin.council.documents import render_report_pdf
from integration_admin.council.models import PaperCounter, Report, ReportFile, ReportStatus
from integration_admin.council.snapshot import build_snapshot, encode
from integration_admin.models import User


class ReleaseError(Exception):
    """A release that cannot happen; the message is for the user (German)."""


class _NumberTaken(Exception):
    """Another release took the number in the meantime: try again with the next one."""


def format_reference(body, year: int, number: int, supplement: int | None = None) -> str:
    """The paper number in the body's scheme: "0123/2020" by default, a supplement "0123/2020/1"."""
    reference = body.paper_number(year, number)
    return f"{reference}/{supplement}" if supplement else reference


def _next_number(report: Report) -> tuple[int, int, int | None]:
    """(year, number, supplement number) the report would get if released now."""
    if report.supplements_id:
        parent = Report.objects.get(pk=report.supplements_id)
        if not parent.is_released:
            raise ReleaseError(_("Die Vorlage, die ergänzt wird, ist noch nicht freigegeben."))
        last = parent.supplement_reports.aggregate(last=Max("supplement_number"))["last"] or 0
        return parent.reference_year, parent.reference_number, last + 1
    year = report.date.year
    last = PaperCounter.objects.filter(year=year).values_list("last_number", flat=True).first() or 0
    return year, last + 1, None


def touch(report: Report) -> None:
    """Record that the report (or one of its sections or consultations) changed."""
    Report.objects.filter(pk=report.pk).update(revision=F("revision") + 1, modified=timezone.now())


def release_report(
    *,
    report: Report,
    user: User,
    released_at=None,
    render: Callable[[dict], bytes] = render_report_pdf,
    attempts: int = 3,
    revision: int | None = None,
    on_stored: Callable[[Report], None] | None = None,
) -> Report:
    """Freeze a draft: paper number, snapshot of figures and text, PDF with checksums.

    ``revision``: the report's revision the user confirmed (a job runs later; a report changed
    since is not released). ``on_stored(report)`` runs inside the transaction that stores the
    release; if it raises, nothing is stored.

    Raises :class:`ReleaseError` (with a German message) when the report cannot be released
    and lets :class:`~integration_admin.council.pdf.RenderError` through when the PDF fails;
    in both cases nothing was changed.
    """
    for _attempt in range(attempts):
        report.refresh_from_db()
        if report.is_released:
            raise ReleaseError(_("Die Vorlage ist bereits freigegeben."))
        if revision is not None and report.revision != revision:
            raise ReleaseError(
                _(
                    "Die Vorlage wurde geändert, nachdem die Freigabe angefordert wurde. "
                    "Bitte die Vorschau prüfen und erneut freigeben."
                )
            )
        revision = report.revision
        year, number, supplement = _next_number(report)
        reference = format_reference(report.body, year, number, supplement)
        moment = released_at or timezone.now()
        snapshot = build_snapshot(report, reference=reference, released_at=moment)
        pdf = render(snapshot)
        try:
            return _store_release(
                report_id=report.pk,
                revision=revision,
                year=year,
                number=number,
                supplement=supplement,
                snapshot=snapshot,
                pdf=pdf,
                user=user,
                released_at=moment,
                on_stored=on_stored,
            )
        except _NumberTaken:
            continue
    raise ReleaseError(_("Gleichzeitig wurden andere Vorlagen freigegeben. Bitte noch einmal freigeben."))


@transaction.atomic
def _store_release(
    *,
    report_id: int,
    revision: int,
    year: int,
    number: int,
    supplement: int | None,
    snapshot: dict,
    pdf: bytes,
    user: User,
    released_at,
    on_stored: Callable[[Report], None] | None = None,
) -> Report:
    report = Report.objects.select_for_update().get(pk=report_id)
    if supplement is None:
        PaperCounter.objects.get_or_create(year=year)
        counter = PaperCounter.objects.select_for_update().get(year=year)
        if counter.last_number + 1 != number:
            raise _NumberTaken
        counter.last_number = number
        counter.save(update_fields=["last_number"])
    else:
        Report.objects.select_for_update().get(pk=report.supplements_id)  # serialises supplement numbers
        last = Report.objects.filter(supplements=report.supplements_id).aggregate(last=Max("supplement_number"))
        if (last["last"] or 0) + 1 != supplement:
            raise _NumberTaken
    if report.is_released:
        raise ReleaseError(_("Die Vorlage ist bereits freigegeben."))
    if report.revision != revision:
        raise ReleaseError(
            _("Die Vorlage wurde während der Freigabe geändert. Bitte die Vorschau prüfen und erneut freigeben.")
        )
    report.status = ReportStatus.RELEASED
    report.reference = format_reference(report.body, year, number, supplement)
    report.reference_year = year
    report.reference_number = number
    report.supplement_number = supplement
    report.released_at = released_at
    report.released_by = user
    report.snapshot = encode(snapshot)
    report.save()
    ReportFile.objects.create(
        report=report,
        file_name=report.pdf_file_name,
        mime_type="application/pdf",
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        sha512=hashlib.sha512(pdf).hexdigest(),
        content=pdf,
    )
    if on_stored is not None:
        on_stored(report)
    return report


@transaction.atomic
@transaction.atomic
def create_supplement(*, report: Report) -> Report:
    """A new draft that supplements a released report ("0123/2020/1"), starting as a copy of it
    (its fields, sections, consultations and documents)."""
    if not report.is_released:
        raise ReleaseError(_("Nur eine freigegebene Vorlage kann ergänzt werden."))
    parent = report.supplements or report
    copy_fields = [name for name in Report.PAPER_FIELDS if name != "date"]
    supplement = Report.objects.create(
        **{name: getattr(report, name) for name in copy_fields},
        date=timezone.localdate(),
        supplements=parent,
    )
    for section in report.sections.all():
        supplement.sections.create(
            order=section.order, heading=section.heading, programme=section.programme, text=section.text
        )
    for consultation in report.consultations.all():
        supplement.consultations.create(
            committee=consultation.committee,
            meeting=consultation.meeting,
            agenda_item=consultation.agenda_item,
            role=consultation.role,
            order=consultation.order,
        )
    copy_documents(source=report, target=supplement)
    return supplement
