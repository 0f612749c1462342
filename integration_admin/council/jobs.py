"""Long report PDFs as background jobs (django-tasks, database backend; ``manage.py db_worker`` runs them).

A job is a :class:`~integration_admin.models.ReportJob` row: the request that starts it only
writes the row and puts a task in the queue (after the transaction commits, so the worker
finds the row); the worker renders the paper, writes its progress (pages laid out of the
estimated total) into the row as it goes, and stores the PDF in the row, i.e. in the database,
so any app server can hand it out. A failure leaves status "failed" with a German message for
the user (the technical error goes to the log) and can be retried.
"""

import hashlib
import logging
import time

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from integration_admin.council.documents import estimate_pages, render_report_document, report_snapshot
from integration_admin.council.models import Report, ReportJob, ReportJobStatus

logger = logging.getLogger(__name__)

# Progress is written at most this often (seconds): enough for a page polling every second.
PROGRESS_INTERVAL = 0.5

RENDER_FAILED = (
    "Das PDF konnte nicht erzeugt werden. Bitte versuchen Sie es erneut; "
    "wenn der Fehler bleibt, wenden Sie sich an die Administration."
)
REPORT_GONE = "Die Vorlage gibt es nicht mehr; das PDF kann nicht erzeugt werden."


def start_job(report: Report, user) -> ReportJob:
    """Create a job for ``report`` and queue it once the current transaction commits."""
    job = ReportJob.objects.create(report=report, requested_by=user, report_revision=report.revision)
    _enqueue(job)
    return job


def retry_job(job: ReportJob) -> ReportJob:
    """Queue a failed (or dead) job again; its earlier attempts stay counted."""
    stale = Q(
        status__in=[ReportJobStatus.QUEUED, ReportJobStatus.RUNNING],
        modified__lt=timezone.now() - ReportJob.STALE_AFTER,
    )
    updated = ReportJob.objects.filter(Q(status=ReportJobStatus.FAILED) | stale, pk=job.pk).update(
        status=ReportJobStatus.QUEUED,
        error="",
        phase="",
        progress_done=0,
        started_at=None,
        finished_at=None,
        modified=timezone.now(),
    )
    job.refresh_from_db()
    if updated:
        _enqueue(job)
    return job


def _enqueue(job: ReportJob) -> None:
    def enqueue():
        result = render_report_job.enqueue(job.pk)
        ReportJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)


@task()
def render_report_job(job_id: int) -> None:
    """The queued task: render the job's report (see :func:`run_job`).

    A long paper's layout takes the worker process to several hundred MB, which Python and the C
    library keep after the job. The worker therefore runs a limited number of tasks and exits
    (``db_worker --max-tasks``), and its supervisor starts a fresh one (README, "Background
    worker"): the usual answer to a worker that keeps memory.
    """
    run_job(job_id)


def run_job(job_id: int) -> ReportJob | None:
    """Render the PDF of a job. Returns the job, or None if another worker has it or it is gone."""
    stale = timezone.now() - ReportJob.STALE_AFTER
    claimed = ReportJob.objects.filter(
        Q(status=ReportJobStatus.QUEUED) | Q(status=ReportJobStatus.RUNNING, modified__lt=stale), pk=job_id
    ).update(
        status=ReportJobStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        modified=timezone.now(),
        phase="snapshot",
        progress_done=0,
    )
    if not claimed:
        return None
    job = ReportJob.objects.defer("content").get(pk=job_id)
    try:
        report = Report.objects.defer("snapshot").get(pk=job.report_id)
        paper = report_snapshot(report)
        total = estimate_pages(paper)
        _update(job, progress_total=total, phase="layout")

        last = 0.0
        laid_out = 0

        def progress(pages: int | None, phase: str) -> None:
            nonlocal last, laid_out
            laid_out = max(laid_out, pages or 0)
            now = time.monotonic()
            if phase == "writing" or now - last >= PROGRESS_INTERVAL:
                last = now
                fields = {"phase": phase}
                if pages is not None:
                    fields["progress_done"] = pages
                    fields["progress_total"] = max(total, pages)
                _update(job, **fields)

        content = render_report_document(paper, progress=progress)
    except Report.DoesNotExist:
        return _fail(job, REPORT_GONE, None)
    except Exception as error:  # noqa: BLE001 (a RenderError or anything else: the job fails, the worker lives on)
        return _fail(job, RENDER_FAILED, error)
    pages = laid_out
    _update(
        job,
        status=ReportJobStatus.DONE,
        content=content,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        page_count=pages,
        progress_done=pages,
        progress_total=pages,
        file_name=report.pdf_file_name,
        phase="",
        finished_at=timezone.now(),
    )
    logger.info("PDF-Auftrag %s: Vorlage %s, %s Seiten, %s Bytes", job.pk, report.pk, pages, len(content))
    return ReportJob.objects.defer("content").get(pk=job.pk)


def _update(job: ReportJob, **fields) -> None:
    fields["modified"] = timezone.now()
    ReportJob.objects.filter(pk=job.pk).update(**fields)


def _fail(job: ReportJob, message: str, error: Exception | None) -> ReportJob:
    logger.error("PDF-Auftrag %s (Vorlage %s) fehlgeschlagen: %s", job.pk, job.report_id, error, exc_info=error)
    _update(job, status=ReportJobStatus.FAILED, error=message, phase="", finished_at=timezone.now())
    return ReportJob.objects.defer("content").get(pk=job.pk)
