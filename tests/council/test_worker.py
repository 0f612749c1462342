"""The background worker and dead jobs (issue 20, finding 6), without processes or a database restart.

The outage and the killed worker themselves, with real processes on PostgreSQL, are in
``test_worker_outages.py``.
"""

import datetime
import logging
import signal
import threading

import pytest
from django.core.management import call_command
from django.db import ProgrammingError
from django.db.utils import ConnectionHandler
from django.urls import reverse
from django.utils import timezone

from integration_admin.council import jobs
from integration_admin.council import pdf as pdf_module
from integration_admin.council.management.commands import worker as worker_command
from integration_admin.council.models import Report, ReportJob, ReportJobStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def keep_signal_handlers():
    """The worker installs its own SIGINT/SIGTERM/SIGQUIT handlers in this process."""
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for number, handler in handlers.items():
        signal.signal(number, handler)


class OutageWorker(worker_command.Command):
    """Our ``worker`` command meeting a database that does not answer: its first ``outages`` runs
    open a real connection to a database that cannot be reached (an SQLite file in a folder that
    does not exist), and the error is Django's own; the next run is db_worker's real one (with
    ``batch``: it runs what is queued, then ends). Its waits are recorded, not slept."""

    def __init__(self, *, outages: int, unreachable_path, **kwargs):
        super().__init__(**kwargs)
        self.outages = outages
        self.unreachable = ConnectionHandler(
            {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(unreachable_path)}}
        )
        self.runs = 0
        self.waits = []

    def run_worker(self, *args, **options):
        self.runs += 1
        if self.runs <= self.outages:
            self.unreachable["default"].ensure_connection()  # raises OperationalError
        return super().run_worker(*args, **options)

    def wait_before_retry(self, seconds: float) -> None:
        self.waits.append(seconds)
        if len(self.waits) > 10:
            pytest.fail(f"the worker still retries after {self.waits}")


# Transactional: after each outage the worker closes the broken connections, as it must in
# production; inside a test's transaction that would close the test's own (on PostgreSQL).
@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_out_database_errors_with_back_off(caplog, keep_signal_handlers, tmp_path):
    """db_worker ended on the first OperationalError of an outage; ours waits 1, 2, 4 … s and runs anew."""
    worker = OutageWorker(outages=3, unreachable_path=tmp_path / "no-such-folder" / "db.sqlite3")
    with caplog.at_level(logging.WARNING, logger="integration_admin.council.worker"):
        call_command(worker, batch=True, reload=False, startup_delay=False, max_backoff=3, verbosity=0)
    assert worker.runs == 4 and worker.waits == [1.0, 2.0, 3.0]  # doubled, never beyond --max-backoff
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 3 and all("Datenbank nicht erreichbar" in message for message in messages)
    assert "unable to open database file" in messages[0]


class BrokenSchemaWorker(OutageWorker):
    def run_worker(self, *args, **options):
        self.runs += 1
        raise ProgrammingError('relation "django_tasks_db_dbtaskresult" does not exist')


def test_other_errors_still_end_the_worker(keep_signal_handlers, tmp_path):
    worker = BrokenSchemaWorker(outages=0, unreachable_path=tmp_path / "unused.sqlite3")
    with pytest.raises(ProgrammingError):
        call_command(worker, reload=False, startup_delay=False, verbosity=0)
    assert worker.runs == 1 and worker.waits == []  # no retry for this


@pytest.fixture
def draft(demo):
    report = factories.report(lead_office=Report.objects.get(reference="0001/2020").lead_office, title="Lang")
    factories.section(report, 1, heading="Abschnitt", text="Text")
    return report


def running_job(report, heartbeat_age: datetime.timedelta) -> ReportJob:
    job = ReportJob.objects.create(report=report, attempts=1)
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJobStatus.RUNNING, heartbeat=timezone.now() - heartbeat_age, modified=timezone.now()
    )
    job.refresh_from_db()
    return job


def test_a_job_whose_worker_stopped_signing_life_can_be_retried_at_once(
    login, draft, django_capture_on_commit_callbacks
):
    """The job of a killed worker stayed "läuft" for 10 minutes; now it is dead after DEAD_AFTER (15 s)."""
    client = login("leitung")
    alive = running_job(draft, datetime.timedelta(seconds=3))
    assert not alive.is_dead and not alive.can_retry
    page = client.get(alive.get_absolute_url()).content.decode()
    assert "Erneut versuchen" not in page and 'hx-trigger="every 1s"' in page
    client.post(reverse("council:job-retry", args=[alive.pk]))
    alive.refresh_from_db()
    assert alive.status == ReportJobStatus.RUNNING  # a working job is not started twice

    dead = running_job(draft, ReportJob.DEAD_AFTER + datetime.timedelta(seconds=1))
    assert dead.is_dead and dead.can_retry and dead.modified > timezone.now() - ReportJob.STALE_AFTER
    assert list(ReportJob.objects.retryable().filter(report=draft)) == [dead]
    page = client.get(dead.get_absolute_url()).content.decode()
    assert "antwortet nicht mehr" in page and "Erneut versuchen" in page and "hx-trigger" not in page
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("council:job-retry", args=[dead.pk]))
    dead.refresh_from_db()
    assert dead.status == ReportJobStatus.QUEUED and dead.heartbeat is None and len(callbacks) == 1
    jobs.render_report_job.call(dead.pk)
    dead.refresh_from_db()
    assert dead.status == ReportJobStatus.DONE and dead.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_the_running_job_writes_its_heartbeat(draft, monkeypatch):
    """A thread of the worker writes the heartbeat while the job renders, and stops with the job."""
    monkeypatch.setattr(ReportJob, "HEARTBEAT_INTERVAL", datetime.timedelta(milliseconds=20))
    job = ReportJob.objects.create(report=draft)
    beats = []
    real = pdf_module.html_to_pdf

    def render_until_two_beats(html, fetcher=None):
        claimed = ReportJob.objects.get(pk=job.pk).heartbeat
        done = threading.Event()
        for _ in range(500):  # (at most 10 s; two beats take 40 ms)
            current = ReportJob.objects.get(pk=job.pk).heartbeat
            if current > claimed:
                beats.append(current)
            if len(set(beats)) >= 2:
                break
            done.wait(0.02)
        return real(html, fetcher=fetcher)

    monkeypatch.setattr(pdf_module, "html_to_pdf", render_until_two_beats)
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.DONE
    assert len(set(beats)) >= 2  # the heartbeat moved while the main thread rendered
    assert not [thread for thread in threading.enumerate() if thread.name == f"heartbeat-job-{job.pk}"]
