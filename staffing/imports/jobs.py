"""A long file's preview and commit as background jobs (django-tasks, database backend;
``manage.py worker`` runs them), for every kind of import that has a preview and a commit.

Above ``settings.IMPORT_BACKGROUND_ROWS`` data rows the upload only reads the file (so a broken
one is refused at once) and queues the preview; confirming queues the commit. The run's row is
what the user watches (:class:`~staffing.models.ImportRun`): ``job_state`` queued, running, done
or failed, the rows done of the rows in the file, and for a failure a German message (the
technical error goes to the log). The commit is one transaction as on the short path: a job that
fails saves nothing of the import. Its progress is written from a second connection to the same
database (the ``progress`` alias): inside the commit's transaction it would be seen by nobody.

A worker claims a job by one conditional UPDATE that counts the attempt; progress and the end
are written only while the attempt is still this one's. A queued or running job untouched for
``ImportRun.STALE_AFTER`` (the worker down or killed) can be queued again from its page.
"""

import logging
import time

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from integration_admin.core.scopes import scope, scopes_disabled
from staffing.imports import positions
from staffing.imports.reading import ImportFileError
from staffing.models import ImportJobAction, ImportJobState, ImportRun, ImportStatus

logger = logging.getLogger(__name__)

# Progress is written at most this often (seconds): enough for a page polling every second.
PROGRESS_INTERVAL = 0.5
# How many rows of a long file's preview the page shows (the counts cover all).
PREVIEW_ROWS_SHOWN = 500


def job_failed_message() -> str:
    return _(
        "Der Import konnte nicht verarbeitet werden; es wurde nichts gespeichert. Bitte versuchen Sie es erneut; "
        "wenn der Fehler bleibt, wenden Sie sich an die Administration."
    )


def in_background(row_count: int) -> bool:
    """Whether a file with this many data rows is previewed and committed by the worker."""
    return row_count > settings.IMPORT_BACKGROUND_ROWS


def queue(run: ImportRun, action: str, *, user, sheet: str | None = None, mapping: list | None = None) -> bool:
    """Queue ``action`` (preview or commit) for ``run`` once the current transaction commits.
    False if a job of the run is queued or running already (nothing queued then)."""
    updated = (
        ImportRun.objects.filter(pk=run.pk, status=ImportStatus.PREVIEW)
        .exclude(job_state__in=[ImportJobState.QUEUED, ImportJobState.RUNNING], job_updated__gte=_stale_before())
        .update(
            job_action=action,
            job_state=ImportJobState.QUEUED,
            job_phase="",
            job_error="",
            job_updated=timezone.now(),
            progress_done=0,
        )
    )
    if not updated:
        return False
    run.refresh_from_db()
    transaction.on_commit(lambda: import_job.enqueue(run.pk, action, user.pk, sheet, mapping))
    return True


def retry(run: ImportRun, *, user) -> bool:
    """Queue a failed (or stale) job again, with the run's stored sheet and mapping."""
    if not run.can_retry:
        return False
    return queue(run, run.job_action or ImportJobAction.PREVIEW, user=user)


def _stale_before():
    return timezone.now() - ImportRun.STALE_AFTER


@task()
def import_job(run_id: int, action: str, user_id: int, sheet: str | None = None, mapping: list | None = None) -> None:
    """The queued task: run the job (see :func:`run_job`), in the scope of the run's body."""
    with scopes_disabled():
        body_id = ImportRun.objects.filter(pk=run_id).values_list("body_id", flat=True).first()
    if body_id is None:
        return
    with scope(body=body_id):
        run_job(run_id, action, user_id, sheet=sheet, mapping=mapping)


class Progress:
    """The job's progress callback: rows done of rows in the file, written at most every
    :data:`PROGRESS_INTERVAL` seconds, and only while the attempt is still this one's."""

    def __init__(self, run: ImportRun):
        self.run = run
        self._last = 0.0
        self.calls: list[tuple[int, int, str]] = []

    def __call__(self, done: int, total: int, phase: str = "check") -> None:
        self.calls.append((done, total, phase))
        now = time.monotonic()
        if now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        fields = {"progress_done": done, "progress_total": total, "job_phase": phase, "job_updated": timezone.now()}
        alias = "default"
        if connections["default"].in_atomic_block:  # the commit's transaction: write beside it
            if connections["default"].vendor == "sqlite":
                return  # one writer at a time: the bar moves again when the commit is done
            alias = "progress"
        try:
            _mine(self.run, using=alias).update(**fields)
        except DatabaseError as error:
            logger.warning("Import %s: Fortschritt nicht geschrieben: %s", self.run.pk, error)
        finally:
            if alias != "default":
                connections[alias].close()  # a write every half second: no connection left lingering


def operations(run: ImportRun):
    """The module that previews and commits ``run`` (``run_preview``, ``save_mapping``,
    ``commit_run``, each with a ``progress`` callback): the one seam where another kind of import
    picks its own module by the run's kind."""
    return positions


def _mine(run: ImportRun, using: str = "default"):
    return ImportRun.objects.using(using).filter(pk=run.pk, attempts=run.attempts, job_state=ImportJobState.RUNNING)


def run_job(
    run_id: int, action: str, user_id: int, *, sheet: str | None = None, mapping: list | None = None
) -> ImportRun | None:
    """Run a queued job. Returns the run, or None if it is gone or not queued (another worker has it)."""
    from django.contrib.auth import get_user_model

    now = timezone.now()
    claimed = ImportRun.objects.filter(pk=run_id, job_state=ImportJobState.QUEUED, job_action=action).update(
        job_state=ImportJobState.RUNNING, attempts=F("attempts") + 1, job_updated=now, progress_done=0
    )
    if not claimed:
        return None
    run = ImportRun.objects.get(pk=run_id)
    progress = Progress(run)
    try:
        user = get_user_model().objects.get(pk=user_id)
        kind = operations(run)
        if action == ImportJobAction.COMMIT:
            preview = kind.commit_run(run=run, user=user, progress=progress)
            fields = {"preview_data": None}
        elif sheet is not None:
            preview = kind.save_mapping(run, user=user, sheet=sheet, mapping=mapping, progress=progress)
            fields = {"preview_data": preview.as_data(PREVIEW_ROWS_SHOWN)}
        else:
            preview = kind.run_preview(run, user=user, progress=progress)
            fields = {"preview_data": preview.as_data(PREVIEW_ROWS_SHOWN), "sheet": preview.sheet}
            fields["mapping"] = preview.mapping
    except ImportFileError as error:
        return _fail(run, error.message, None)
    except Exception as error:  # noqa: BLE001 (anything else: the job fails, the worker lives on)
        return _fail(run, job_failed_message(), error)
    rows = len(preview.rows)
    _mine(run).update(
        job_state=ImportJobState.DONE,
        job_phase="",
        job_updated=timezone.now(),
        progress_done=rows,
        progress_total=rows,
        **fields,
    )
    logger.info("Import %s: %s fertig, %s Zeilen", run.pk, action, rows)
    return ImportRun.objects.get(pk=run.pk)


def _fail(run: ImportRun, message: str, error: Exception | None) -> ImportRun:
    logger.error("Import %s fehlgeschlagen: %s", run.pk, error or message, exc_info=error)
    _mine(run).update(job_state=ImportJobState.FAILED, job_error=message, job_phase="", job_updated=timezone.now())
    return ImportRun.objects.get(pk=run.pk)


def purge_expired() -> int:
    """Delete the runs never committed that are older than ``settings.IMPORT_RETENTION_DAYS``, with
    their file (its holders' names included); committed and undone runs stay for the audit."""
    deleted, _by_model = ImportRun.objects.expired().delete()
    if deleted:
        days = settings.IMPORT_RETENTION_DAYS
        logger.info("%s nicht übernommene Importe gelöscht (älter als %s Tage)", deleted, days)
    return deleted
