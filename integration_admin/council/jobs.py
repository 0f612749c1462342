"""PDFs as background jobs (django-tasks, database backend; ``manage.py worker`` runs them).

Three kinds (:class:`~integration_admin.council.models.ReportJobKind`): the PDF of a long draft,
the release of a report (number, frozen snapshot, stored file: ``services.release_report``) and
the minutes excerpt of an agenda item. A job is a
:class:`~integration_admin.council.models.ReportJob` row: the request that starts it only writes
the row and puts a task in the queue (after the transaction commits, so the worker finds the
row); the worker renders, writes its progress (pages laid out of the estimated total) into the
row as it goes, and stores the PDF in the database, so any app server can hand it out. A failure
leaves status "failed" with a German message for the user (the technical error goes to the log)
and can be retried.

A worker claims a job by one conditional UPDATE that also counts the attempt; every later write
of that worker names the attempt, so a worker that was taken for dead and comes back changes
nothing. While it works, a thread of its own writes the job's ``heartbeat``; a running job
without one for ``ReportJob.DEAD_AFTER`` lost its worker and can be retried at once.
"""

import hashlib
import logging
import threading
import time
from contextlib import contextmanager

from django.db import DatabaseError, IntegrityError, InterfaceError, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from integration_admin.core.models import lock_revision
from integration_admin.core.scopes import scope, scopes_disabled
from integration_admin.council import services
from integration_admin.council.documents import (
    estimate_excerpt_pages,
    estimate_pages,
    excerpt_file_name,
    render_excerpt_pdf,
    render_report_document,
    report_snapshot,
)
from integration_admin.council.models import AgendaItem, Report, ReportJob, ReportJobKind, ReportJobStatus

logger = logging.getLogger(__name__)

# Progress is written at most this often (seconds): enough for a page polling every second.
PROGRESS_INTERVAL = 0.5

RENDER_FAILED = (
    "Das PDF konnte nicht erzeugt werden. Bitte versuchen Sie es erneut; "
    "wenn der Fehler bleibt, wenden Sie sich an die Administration."
)
REPORT_GONE = "Die Vorlage gibt es nicht mehr; das PDF kann nicht erzeugt werden."


def concurrent_release_message() -> str:
    return _("Gleichzeitig wurde eine andere Freigabe dieser Vorlage bearbeitet. Bitte laden Sie die Seite neu.")


class ReleaseRunning(Exception):
    """The report's release is already under way: ``job`` is the one to watch."""

    def __init__(self, job: ReportJob):
        super().__init__(job.pk)
        self.job = job


class _TakenOver(Exception):
    """The job was retried and claimed anew while this worker still ran it: its result is not stored."""


def start_job(report: Report, user) -> ReportJob:
    """Create a job printing the draft ``report`` and queue it once the current transaction commits."""
    job = ReportJob.objects.create(report=report, requested_by=user, report_revision=report.revision)
    _enqueue(job)
    return job


def start_release(report: Report, user, *, revision: int | None) -> ReportJob:
    """Queue the release of ``report`` as the user confirmed it: at ``revision``, the revision
    their confirmation page showed (the job releases exactly that one, see ``services.release_report``).

    Raises :class:`~integration_admin.core.models.StaleRevision` when the report was changed since
    (or the revision is missing), :class:`ReleaseRunning` when a release of the report is already
    queued or running (a unique constraint backs this, for two requests at the same moment) and
    :class:`services.ReleaseError` when the report is released already.
    """
    if report.is_released:
        raise services.ReleaseError(_("Die Vorlage ist bereits freigegeben."))
    for _attempt in range(2):
        try:
            with transaction.atomic():
                locked = lock_revision(report, revision)
                report.revision = locked.revision  # (lock_revision readied the next one for a save; none here)
                if locked.is_released:
                    raise services.ReleaseError(_("Die Vorlage ist bereits freigegeben."))
                job = ReportJob.objects.create(
                    kind=ReportJobKind.RELEASE, report=locked, requested_by=user, report_revision=revision
                )
        except IntegrityError:
            _raise_if_release_running(report.pk)
            continue  # the open release ended between our insert and the look-up: try once more
        _enqueue(job)
        return job
    raise services.ReleaseError(concurrent_release_message())


def start_excerpt(item: AgendaItem, user) -> ReportJob:
    """Queue the minutes excerpt of ``item``."""
    job = ReportJob.objects.create(kind=ReportJobKind.EXCERPT, agenda_item=item, requested_by=user)
    _enqueue(job)
    return job


def retry_job(job: ReportJob) -> ReportJob:
    """Queue a failed (or dead) job again; its earlier attempts stay counted.

    Raises :class:`ReleaseRunning` for a release when another release of the same report was
    started meanwhile and is queued or running (one open release per report, a unique
    constraint): that one is the job to watch.
    """
    for _attempt in range(2):
        try:
            with transaction.atomic():
                updated = (
                    ReportJob.objects.retryable()
                    .filter(pk=job.pk)
                    .update(
                        status=ReportJobStatus.QUEUED,
                        error="",
                        phase="",
                        progress_done=0,
                        started_at=None,
                        finished_at=None,
                        heartbeat=None,
                        modified=timezone.now(),
                    )
                )
        except IntegrityError:
            _raise_if_release_running(job.report_id)
            continue  # the other release ended between our update and the look-up: try once more
        job.refresh_from_db()
        if updated:
            _enqueue(job)
        return job
    raise services.ReleaseError(concurrent_release_message())


def _raise_if_release_running(report_id: int) -> None:
    running = ReportJob.objects.open_releases().defer("content").filter(report_id=report_id).first()
    if running is not None:
        raise ReleaseRunning(running)


def _enqueue(job: ReportJob) -> None:
    def enqueue():
        result = render_report_job.enqueue(job.pk)
        ReportJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)


@task()
def render_report_job(job_id: int) -> None:
    """The queued task: run the job (see :func:`run_job`).

    A long paper's layout takes the worker process to several hundred MB, which Python and the C
    library keep after the job. The worker therefore runs a limited number of tasks and exits
    (``worker --max-tasks``), and its supervisor starts a fresh one (README, "Background
    worker"): the usual answer to a worker that keeps memory.

    The job runs in the scope of its body (the one whose user started it).
    """
    with scopes_disabled():
        body_id = ReportJob.objects.filter(pk=job_id).values_list("body_id", flat=True).first()
    if body_id is None:
        return
    with scope(body=body_id):
        run_job(job_id)


def run_job(job_id: int) -> ReportJob | None:
    """Run a job. Returns the job, or None if another worker has it, it is gone or it was taken over."""
    now = timezone.now()
    claimed = (
        ReportJob.objects.claimable()
        .filter(pk=job_id)
        .update(
            status=ReportJobStatus.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            heartbeat=now,
            modified=now,
            phase="snapshot",
            progress_done=0,
        )
    )
    if not claimed:
        return None
    job = ReportJob.objects.defer("content").get(pk=job_id)
    attempt = _Attempt(job)
    try:
        with heartbeat(attempt):
            if job.kind == ReportJobKind.RELEASE:
                _release(attempt)
            elif job.kind == ReportJobKind.EXCERPT:
                _excerpt(attempt)
            else:
                _print(attempt)
    except _TakenOver:
        logger.warning(
            "PDF-Auftrag %s: Versuch %s wurde inzwischen neu gestartet; Ergebnis verworfen", job.pk, job.attempts
        )
        return None
    except (Report.DoesNotExist, AgendaItem.DoesNotExist):
        return attempt.fail(REPORT_GONE, None)
    except services.ReleaseError as error:
        return attempt.fail(str(error), None)
    except Exception as error:  # noqa: BLE001 (a RenderError or anything else: the job fails, the worker lives on)
        return attempt.fail(RENDER_FAILED, error)
    return ReportJob.objects.defer("content").get(pk=job.pk)


class _Attempt:
    """One worker's run of a job: every write is conditional on it still being this attempt's."""

    def __init__(self, job: ReportJob):
        self.job = job
        self.laid_out = 0
        self.total = 0
        self._last = 0.0

    @property
    def mine(self):
        return ReportJob.objects.filter(pk=self.job.pk, attempts=self.job.attempts, status=ReportJobStatus.RUNNING)

    def update(self, **fields) -> None:
        fields["modified"] = timezone.now()
        if not self.mine.update(**fields):
            raise _TakenOver

    def start_layout(self, total: int) -> None:
        self.total = total
        self.update(progress_total=total, phase="layout")

    def progress(self, pages: int | None, phase: str) -> None:
        self.laid_out = max(self.laid_out, pages or 0)
        now = time.monotonic()
        if phase == "writing" or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            fields = {"phase": phase}
            if pages is not None:
                fields["progress_done"] = pages
                fields["progress_total"] = max(self.total, pages)
            self.update(**fields)

    def finish(self, *, content: bytes | None, file_name: str, what: str) -> None:
        pages = self.laid_out
        fields = {"content": content, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        self.update(
            status=ReportJobStatus.DONE,
            page_count=pages,
            progress_done=pages,
            progress_total=pages,
            file_name=file_name,
            phase="",
            finished_at=timezone.now(),
            **(fields if content is not None else {}),
        )
        logger.info("PDF-Auftrag %s: %s, %s Seiten", self.job.pk, what, pages)

    def fail(self, message: str, error: Exception | None) -> ReportJob | None:
        job = self.job
        logger.error(
            "PDF-Auftrag %s (%s) fehlgeschlagen: %s", job.pk, job.report_id or job.agenda_item_id, error, exc_info=error
        )
        try:
            self.update(status=ReportJobStatus.FAILED, error=message, phase="", finished_at=timezone.now())
        except _TakenOver:
            return None
        return ReportJob.objects.defer("content").get(pk=job.pk)


def _print(attempt: _Attempt) -> None:
    report = Report.objects.defer("snapshot").get(pk=attempt.job.report_id)
    paper = report_snapshot(report)
    attempt.start_layout(estimate_pages(paper))
    content = render_report_document(paper, progress=attempt.progress)
    attempt.finish(content=content, file_name=report.pdf_file_name, what=f"Vorlage {report.pk}")


def _release(attempt: _Attempt) -> None:
    """Release the report: render outside any transaction, store number, snapshot, file and the
    job's "done" in one (``services.release_report``)."""
    job = attempt.job
    report = Report.objects.get(pk=job.report_id)

    def render(snapshot: dict) -> bytes:
        attempt.start_layout(estimate_pages(snapshot))
        return render_report_document(snapshot, progress=attempt.progress)

    def mark_done(released: Report) -> None:
        attempt.update(
            status=ReportJobStatus.DONE,
            page_count=attempt.laid_out,
            progress_done=attempt.laid_out,
            progress_total=attempt.laid_out,
            file_name=released.pdf_file_name,
            size=released.file.size,
            sha256=released.file.sha256,
            phase="",
            finished_at=timezone.now(),
        )

    released = services.release_report(
        report=report, user=job.requested_by, render=render, revision=job.report_revision, on_stored=mark_done
    )
    logger.info("PDF-Auftrag %s: Vorlage %s freigegeben als %s", job.pk, report.pk, released.reference)


def _excerpt(attempt: _Attempt) -> None:
    item = AgendaItem.objects.select_related("meeting__committee").get(pk=attempt.job.agenda_item_id)
    attempt.start_layout(estimate_excerpt_pages(item))
    content = render_excerpt_pdf(item, progress=attempt.progress)
    attempt.finish(content=content, file_name=excerpt_file_name(item), what=f"Auszug TOP {item.pk}")


@contextmanager
def heartbeat(attempt: _Attempt):
    """While the block runs, a thread writes the job's ``heartbeat`` every ``HEARTBEAT_INTERVAL``.

    The thread has its own database connection (Django's connections are per thread) and closes
    it when it ends. A failed write (the database restarting, say) is logged and tried again at
    the next beat; the job itself decides whether it can go on.
    """
    stop = threading.Event()
    interval = ReportJob.HEARTBEAT_INTERVAL.total_seconds()
    job = attempt.job

    def beat():
        try:
            with scope(body=job.body_id):  # (a thread starts without the job's scope)
                while not stop.wait(interval):
                    try:
                        if not attempt.mine.update(heartbeat=timezone.now()):
                            return  # finished, failed or taken over
                    except (DatabaseError, InterfaceError) as error:
                        logger.warning("PDF-Auftrag %s: Lebenszeichen nicht geschrieben: %s", job.pk, error)
                        connections.close_all()
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"heartbeat-job-{job.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
