"""Long papers as background jobs: start, progress, download, failure and retry, who may do what.

The queue is django-tasks' database backend; here the task is enqueued for real (a row in the
queue table after the request's transaction commits) and then run in the test by calling the
task's function, as ``manage.py worker`` would.
"""

import io
import logging
import signal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from bench import reports as bench_support
from integration_admin.core import pdf as core_pdf
from integration_admin.council import jobs, views
from integration_admin.council.documents import estimate_pages, render_report_document, report_snapshot
from integration_admin.council.models import Report, ReportJob, ReportJobStatus
from programs.models import Programme
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(demo):
    lead_office = Report.objects.get(reference="0001/2020").lead_office
    report = factories.report(lead_office=lead_office, title="Langer Bericht")
    factories.section(report, 1, heading="Durchstarten", programme=Programme.objects.get(short_name="Durchstarten"))
    factories.section(report, 2, heading="Tätigkeit", text=bench_support.FILLER_TEXT)
    return report


def start(client, report, django_capture_on_commit_callbacks) -> ReportJob:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("council:report-pdf-job", args=[report.pk]))
    job = ReportJob.objects.get(report=report)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    return job


def test_job_lifecycle(login, draft, django_capture_on_commit_callbacks):
    client = login("leitung")
    job = start(client, draft, django_capture_on_commit_callbacks)
    assert job.status == ReportJobStatus.QUEUED and job.requested_by.username == "leitung"
    # The task is in the database queue, for the worker.
    queued = DBTaskResult.objects.get(id=job.task_id)
    assert queued.task_path == "integration_admin.council.jobs.render_report_job"
    assert queued.args_kwargs["args"] == [job.pk]

    page = client.get(job.get_absolute_url()).content.decode()
    assert "wartet auf den Hintergrunddienst" in page
    assert f'hx-get="{reverse("council:job-status", args=[job.pk])}"' in page and 'hx-trigger="every 1s"' in page
    assert client.get(reverse("council:job-pdf", args=[job.pk])).status_code == 404  # not ready yet

    queued.task.call(*queued.args_kwargs["args"])  # what the worker does

    job.refresh_from_db()
    assert job.status == ReportJobStatus.DONE and job.attempts == 1 and not job.error
    assert job.page_count >= 2 and job.progress_done == job.page_count == job.progress_total
    assert job.percent == 100 and job.finished_at and job.started_at
    fragment = client.get(reverse("council:job-status", args=[job.pk])).content.decode()
    assert "hx-trigger" not in fragment  # polling stops
    assert "PDF herunterladen" in fragment and reverse("council:job-pdf", args=[job.pk]) in fragment

    response = client.get(reverse("council:job-pdf", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == bytes(job.content) and len(response.content) == job.size
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == job.page_count
    for number, page in enumerate(pages, start=1):
        assert f"Seite {number} von {len(pages)}" in page.extract_text()
    assert "Langer Bericht" in pages[0].extract_text()


def test_progress_is_written_while_rendering(draft, monkeypatch):
    job = ReportJob.objects.create(report=draft)
    seen = []
    real = jobs._Attempt.update

    def spy(attempt, **fields):
        seen.append(dict(fields))
        real(attempt, **fields)

    monkeypatch.setattr(jobs._Attempt, "update", spy)
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0)
    jobs.run_job(job.pk)
    estimate = estimate_pages(report_snapshot(draft))
    assert seen[0]["progress_total"] == estimate and seen[0]["phase"] == "layout"
    pages = [
        fields["progress_done"] for fields in seen if fields.get("phase") == "layout" and "progress_done" in fields
    ]
    assert pages[:2] == [1, 2] and pages == sorted(pages)
    assert any(fields.get("phase") == "writing" for fields in seen)
    assert seen[-1]["status"] == ReportJobStatus.DONE
    # Percent while running: laid-out pages of the estimate, never 100 before the end.
    running = ReportJob(status=ReportJobStatus.RUNNING, progress_done=5, progress_total=10)
    assert running.percent == 48
    assert ReportJob(status=ReportJobStatus.RUNNING, progress_done=12, progress_total=10).percent == 95


def test_failed_render_shows_german_error_and_retry_works(
    login, draft, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    client = login("leitung")
    job = start(client, draft, django_capture_on_commit_callbacks)

    def broken(*args, **kwargs):
        raise RuntimeError("pango exploded")

    with monkeypatch.context() as patch, caplog.at_level(logging.ERROR):
        patch.setattr(core_pdf, "HTML", broken)  # (the rendering itself is the core's)
        jobs.render_report_job.call(job.pk)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED and job.content is None
    assert job.error.startswith("Das PDF konnte nicht erzeugt werden.") and "pango" not in job.error
    assert any("fehlgeschlagen" in record.getMessage() for record in caplog.records)  # details in the log
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Das PDF konnte nicht erzeugt werden" in page and "Erneut versuchen" in page and "hx-trigger" not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("council:job-retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ReportJobStatus.QUEUED and not job.error
    assert DBTaskResult.objects.filter(args_kwargs__args=[job.pk]).count() == 2
    jobs.render_report_job.call(job.pk)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.DONE and job.attempts == 2
    assert client.get(reverse("council:job-pdf", args=[job.pk])).status_code == 200
    # A finished job is not run again, nor retried.
    assert jobs.run_job(job.pk) is None
    client.post(reverse("council:job-retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ReportJobStatus.DONE and job.attempts == 2


# transactional: the worker closes its database connection when it ends, which a test's open
# transaction would not survive on PostgreSQL
@pytest.mark.django_db(transaction=True)
def test_the_worker_exits_after_its_tasks_for_its_supervisor_to_start_a_fresh_one(
    draft, django_capture_on_commit_callbacks
):
    """``worker --max-tasks`` (Makefile, README's systemd unit): the process that laid out a long
    paper ends after its tasks instead of keeping that memory; ``make run`` and systemd start anew."""
    with django_capture_on_commit_callbacks(execute=True):
        first = jobs.start_job(draft, None)
        second = jobs.start_job(draft, None)
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("worker", max_tasks=1, interval=0.01, startup_delay=False, reload=False, verbosity=0)
    finally:  # (the worker installs its own handlers in this process)
        for number, handler in handlers.items():
            signal.signal(number, handler)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ReportJobStatus.DONE  # the worker ran one task and returned
    assert second.status == ReportJobStatus.QUEUED  # the next one waits for the fresh worker


def test_a_job_whose_worker_died_can_be_retried(login, draft, django_capture_on_commit_callbacks):
    client = login("leitung")
    job = start(client, draft, django_capture_on_commit_callbacks)
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJobStatus.RUNNING, modified=job.created - ReportJob.STALE_AFTER * 2
    )
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Erneut versuchen" in page and "hx-trigger" not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("council:job-retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ReportJobStatus.QUEUED


def test_an_old_finished_job_is_not_queued_again(draft, django_capture_on_commit_callbacks):
    """retry_job follows ReportJob.can_retry: only failed jobs and stale queued or running ones."""
    job = ReportJob.objects.create(report=draft, status=ReportJobStatus.DONE, content=b"%PDF", size=4, page_count=1)
    ReportJob.objects.filter(pk=job.pk).update(modified=job.created - ReportJob.STALE_AFTER * 2)
    job.refresh_from_db()
    assert not job.can_retry
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        jobs.retry_job(job)
    assert job.status == ReportJobStatus.DONE and not callbacks


def test_caseworkers_may_not_start_watch_or_download_draft_jobs(login, draft, django_capture_on_commit_callbacks):
    client = login("leitung")
    job = start(client, draft, django_capture_on_commit_callbacks)
    jobs.run_job(job.pk)
    for username in ("sb-ki", "sb-drk"):
        client = login(username)
        assert client.post(reverse("council:report-pdf-job", args=[draft.pk])).status_code == 403
        for name in ("job-detail", "job-status", "job-pdf"):  # (need to know: a job one may not see is 404)
            assert client.get(reverse(f"council:{name}", args=[job.pk])).status_code == 404, name
        assert client.post(reverse("council:job-retry", args=[job.pk])).status_code == 404
    assert ReportJob.objects.filter(report=draft).count() == 1
    client = login("admin")
    assert client.get(reverse("council:job-pdf", args=[job.pk])).status_code == 200
    assert client.get(reverse("council:job-pdf", args=[job.pk + 1000])).status_code == 404
    # GET does not start anything.
    assert client.get(reverse("council:report-pdf-job", args=[draft.pk])).status_code == 405


def test_long_draft_is_offered_as_job_short_one_printed_at_once(login, draft, monkeypatch):
    client = login("leitung")
    url = reverse("council:report-pdf", args=[draft.pk])
    assert client.get(url)["Content-Type"] == "application/pdf"
    monkeypatch.setattr(views, "DIRECT_PDF_MAX_PAGES", 1)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "im Hintergrund erzeugt" in page and reverse("council:report-pdf-job", args=[draft.pk]) in page
    assert (
        client.get(reverse("council:report-detail", args=[draft.pk]))
        .content.decode()
        .count(reverse("council:report-pdf-job", args=[draft.pk]))
    )


def test_released_report_needs_no_job(login, django_capture_on_commit_callbacks):
    client = login("leitung")
    released = Report.objects.get(reference="0001/2020")
    response = client.post(reverse("council:report-pdf-job", args=[released.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("council:report-pdf", args=[released.pk])
    assert not ReportJob.objects.exists()


def test_estimate_is_close_for_text(draft):
    content = render_report_document(report_snapshot(draft))
    pages = len(PdfReader(io.BytesIO(content)).pages)
    assert abs(estimate_pages(report_snapshot(draft)) - pages) <= 1


def test_bench_support_uses_the_job_code_path(demo):
    report = bench_support.report_of_pages(6)
    assert bench_support.report_of_pages(6) == report  # found again, not made twice
    content, pages = bench_support.render(report)
    assert content.startswith(b"%PDF") and 4 <= pages <= 8
    assert pages == len(PdfReader(io.BytesIO(content)).pages)  # counted from the progress, as the job does
