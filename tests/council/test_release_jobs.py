"""Releases and excerpts as background jobs (issue 20, finding 5).

A release rendered inside the request ran into gunicorn's 30 s timeout for a long paper, and the
minutes excerpt was rendered in the request however long its minutes were. Now the request starts
a job and the worker does the work; release stays correct: number, frozen snapshot, stored file
and the job's "done" are written in one transaction, a failed render releases nothing and can be
retried, and a report is released once.
"""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from integration_admin.core import pdf as core_pdf
from integration_admin.council import documents, jobs, services, views
from integration_admin.council import pdf as pdf_module
from integration_admin.council.models import (
    AgendaItem,
    PaperCounter,
    Report,
    ReportFile,
    ReportJob,
    ReportJobKind,
    ReportJobStatus,
)
from integration_admin.models import User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(demo):
    report = factories.report(lead_office=Report.objects.get(reference="0001/2020").lead_office, title="Zur Freigabe")
    factories.section(report, 1, heading="Abschnitt", text="Text")
    return report


def run_queued(job: ReportJob) -> None:
    """What the worker does with the job's task."""
    job.refresh_from_db()
    queued = DBTaskResult.objects.get(id=job.task_id)
    queued.task.call(*queued.args_kwargs["args"])


def start_release(client, report, capture) -> ReportJob:
    with capture(execute=True):
        response = client.post(
            reverse("council:report-release", args=[report.pk]), factories.release_confirmation(report)
        )
    job = ReportJob.objects.filter(report=report, kind=ReportJobKind.RELEASE).first()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    return job


def last_number_2020() -> int:
    return PaperCounter.objects.get(year=2020).last_number


def test_a_failed_render_releases_nothing_and_the_release_can_be_retried(
    login, draft, monkeypatch, django_capture_on_commit_callbacks
):
    client = login("leitung")
    job = start_release(client, draft, django_capture_on_commit_callbacks)
    before = last_number_2020()

    def broken(*args, **kwargs):
        raise RuntimeError("pango exploded")

    with monkeypatch.context() as patch:
        patch.setattr(core_pdf, "HTML", broken)  # (the rendering itself is the core's)
        run_queued(job)
    job.refresh_from_db()
    draft.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED and "pango" not in job.error
    assert not draft.is_released and draft.reference is None and draft.snapshot is None
    assert not ReportFile.objects.filter(report=draft).exists() and last_number_2020() == before
    # Clearly marked: on the job's page and on the report's.
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Die Freigabe ist nicht gelungen" in page and "Erneut versuchen" in page
    assert "Die Freigabe ist nicht gelungen" in client.get(draft.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("council:job-retry", args=[job.pk]))
    run_queued(job)
    job.refresh_from_db()
    draft.refresh_from_db()
    assert job.status == ReportJobStatus.DONE and job.attempts == 2
    assert draft.reference == f"{before + 1:04d}/2020" and last_number_2020() == before + 1
    assert job.sha256 == draft.file.sha256 and bytes(draft.file.content).startswith(b"%PDF")
    assert "Die Freigabe ist nicht gelungen" not in client.get(draft.get_absolute_url()).content.decode()


def test_releasing_twice_is_refused(login, draft, django_capture_on_commit_callbacks):
    client = login("leitung")
    job = start_release(client, draft, django_capture_on_commit_callbacks)
    # A second click while the first release waits: the same job, no second one.
    response = client.post(
        reverse("council:report-release", args=[draft.pk]), factories.release_confirmation(draft), follow=True
    )
    assert response.redirect_chain[0][0] == job.get_absolute_url()
    assert "läuft bereits" in response.content.decode()
    assert ReportJob.objects.filter(report=draft, kind=ReportJobKind.RELEASE).count() == 1
    # The database refuses a second open release too (two requests at the same moment).
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportJob.objects.create(report=draft, kind=ReportJobKind.RELEASE)

    run_queued(job)
    draft.refresh_from_db()
    number = last_number_2020()
    response = client.post(
        reverse("council:report-release", args=[draft.pk]), factories.release_confirmation(draft), follow=True
    )
    assert "bereits freigegeben" in response.content.decode()
    assert ReportJob.objects.filter(report=draft, kind=ReportJobKind.RELEASE).count() == 1
    # Even a stray second job of an already released report changes nothing.
    stray = ReportJob.objects.create(report=draft, kind=ReportJobKind.RELEASE, report_revision=draft.revision)
    jobs.run_job(stray.pk)
    stray.refresh_from_db()
    assert stray.status == ReportJobStatus.FAILED and "bereits freigegeben" in stray.error
    assert last_number_2020() == number and ReportFile.objects.filter(report=draft).count() == 1


def test_a_report_changed_after_the_click_is_not_released(login, draft, django_capture_on_commit_callbacks):
    """The job releases what the user confirmed: a later edit stops it with a German message."""
    client = login("leitung")
    job = start_release(client, draft, django_capture_on_commit_callbacks)
    services.touch(draft)
    run_queued(job)
    job.refresh_from_db()
    draft.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED and "geändert, nachdem die Freigabe angefordert wurde" in job.error
    assert not draft.is_released


def test_a_release_whose_job_was_taken_over_stores_nothing(draft, monkeypatch):
    """A worker taken for dead (its job retried and claimed anew) that comes back does not release:
    the job's "done" is written in the release's transaction, conditional on the attempt."""
    job = ReportJob.objects.create(report=draft, kind=ReportJobKind.RELEASE, report_revision=draft.revision)
    before = last_number_2020()

    def render_while_taken_over(html, fetcher=None):
        ReportJob.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1)  # another worker's claim
        return b"%PDF-1.7 late"

    monkeypatch.setattr(pdf_module, "html_to_pdf", render_while_taken_over)
    assert jobs.run_job(job.pk) is None
    draft.refresh_from_db()
    assert not draft.is_released and last_number_2020() == before
    assert not ReportFile.objects.filter(report=draft).exists()


# --- the minutes excerpt -------------------------------------------------------------------------


@pytest.fixture
def long_item(demo):
    """Minutes of a few thousand short lines: printed with linebreaks, each one a line of the PDF."""
    item = AgendaItem.objects.order_by("pk").first()
    item.minutes = "\n".join(f"Wortmeldung {n}" for n in range(1500))
    item.save()
    return item


def test_a_long_excerpt_is_not_rendered_in_the_request(login, long_item, monkeypatch):
    assert documents.estimate_excerpt_pages(long_item) > views.DIRECT_PDF_MAX_PAGES
    rendered = []
    monkeypatch.setattr(pdf_module, "html_to_pdf", lambda *args, **kwargs: rendered.append(1) or b"%PDF")
    client = login("sb-drk")
    response = client.get(reverse("council:agendaitem-excerpt-pdf", args=[long_item.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "im Hintergrund erzeugt" in page and reverse("council:agendaitem-excerpt-job", args=[long_item.pk]) in page
    assert not rendered


def test_the_excerpt_job(login, long_item, django_capture_on_commit_callbacks):
    client = login("sb-drk")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("council:agendaitem-excerpt-job", args=[long_item.pk]))
    job = ReportJob.objects.get(agenda_item=long_item)
    assert response["Location"] == job.get_absolute_url()
    assert job.kind == ReportJobKind.EXCERPT and job.requested_by.username == "sb-drk"
    assert "wartet auf den Hintergrunddienst" in client.get(job.get_absolute_url()).content.decode()
    run_queued(job)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.DONE and job.page_count > views.DIRECT_PDF_MAX_PAGES
    assert job.file_name.startswith("Auszug-") and job.file_name.endswith(f"-TOP-{long_item.number}.pdf")
    response = client.get(reverse("council:job-pdf", args=[job.pk]))
    assert response.status_code == 200 and response.content == bytes(job.content)
    # The one who started it and those who compose see it; another caseworker does not.
    assert login("sb-ki").get(job.get_absolute_url()).status_code == 404
    assert login("sb-ki").get(reverse("council:job-pdf", args=[job.pk])).status_code == 404
    assert login("leitung").get(reverse("council:job-pdf", args=[job.pk])).status_code == 200


def test_a_draft_with_a_huge_attachment_line_is_not_printed_in_the_request(login, draft, monkeypatch):
    """Every synchronous render has a size limit: one 300.000-character line in "Anlagen" counted as
    one line of the estimate, and the draft's PDF was rendered in the request whatever its length."""
    draft.attachments = "Anlage " + "x" * 300_000
    draft.save()
    rendered = []
    monkeypatch.setattr(pdf_module, "html_to_pdf", lambda *args, **kwargs: rendered.append(1) or b"%PDF")
    response = login("leitung").get(reverse("council:report-pdf", args=[draft.pk]))
    assert response.status_code == 200 and "im Hintergrund erzeugt" in response.content.decode()
    assert not rendered


def test_the_estimate_counts_line_breaks():
    """Many short lines: each is a line on the page (the estimate counted only characters)."""
    text = "\n".join(["kurz"] * 580)
    assert documents._text_lines(text) >= 580
    assert documents._text_lines("a" * 250) == pytest.approx(3.6)


# --- review findings on the jobs -----------------------------------------------------------------


def test_an_excerpt_job_is_closed_to_its_requester_once_removed_from_the_committee(
    login, long_item, django_capture_on_commit_callbacks
):
    """Need to know at every look: the requester kept watching and downloading the minutes of a
    non-public item after being removed from the committee (only the start was checked)."""
    long_item.public = False
    long_item.save()
    committee = long_item.meeting.committee
    member = User.objects.get(username="sb-drk")
    committee.members.add(member)
    client = login("sb-drk")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("council:agendaitem-excerpt-job", args=[long_item.pk]))
    job = ReportJob.objects.get(agenda_item=long_item)
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJobStatus.DONE, content=b"%PDF-1.7 Auszug", size=15, page_count=1, file_name="Auszug.pdf"
    )
    urls = [reverse(f"council:{name}", args=[job.pk]) for name in ("job-detail", "job-status", "job-pdf")]
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]

    committee.members.remove(member)
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    assert client.post(reverse("council:job-retry", args=[job.pk])).status_code == 404
    assert not ReportJob.objects.visible_to(member).filter(pk=job.pk).exists()
    # Those entitled still see it.
    client = login("leitung")
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]


def test_retrying_a_failed_release_while_a_newer_one_is_queued_leads_to_that_one(
    login, draft, django_capture_on_commit_callbacks
):
    """The retry set the failed job "queued" next to the open one: IntegrityError, a 500."""
    client = login("leitung")
    failed = ReportJob.objects.create(
        kind=ReportJobKind.RELEASE,
        report=draft,
        report_revision=draft.revision,
        status=ReportJobStatus.FAILED,
        error=jobs.RENDER_FAILED,
    )
    newer = start_release(client, draft, django_capture_on_commit_callbacks)
    assert newer != failed
    response = client.post(reverse("council:job-retry", args=[failed.pk]), follow=True)
    assert response.status_code == 200 and response.redirect_chain[0][0] == newer.get_absolute_url()
    assert "läuft bereits" in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == ReportJobStatus.FAILED
    assert list(ReportJob.objects.open_releases().filter(report=draft)) == [newer]


def test_the_release_is_of_the_revision_the_head_confirmed(login, draft, django_capture_on_commit_callbacks):
    """The confirmation carried no revision: edits made after the page was opened were released unseen."""
    client = login("leitung")
    url = reverse("council:report-release", args=[draft.pk])
    confirmed = draft.revision
    page = client.get(url).content.decode()
    assert f'name="revision" value="{confirmed}"' in page
    services.touch(draft)  # someone edits the report while the head reads the confirmation page
    response = client.post(url, factories.release_confirmation(draft, revision=confirmed))
    assert response.status_code == 409 and "wurde inzwischen" in response.content.decode()
    confirmation = factories.release_confirmation(draft)
    del confirmation["revision"]
    for data in (confirmation, {**confirmation, "revision": ""}):  # a form without its revision is a conflict too
        response = client.post(url, data)
        assert response.status_code == 409 and "wurde inzwischen" in response.content.decode()
    response = client.post(url, {**confirmation, "revision": "٣"})  # broken: refused, with the message on top
    assert response.status_code == 409 and "beschädigt" in response.content.decode()
    assert not ReportJob.objects.filter(report=draft).exists()

    draft.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, factories.release_confirmation(draft))
    job = ReportJob.objects.get(report=draft, kind=ReportJobKind.RELEASE)
    assert response["Location"] == job.get_absolute_url() and job.report_revision == draft.revision


def test_a_release_started_as_the_open_one_ends_is_started_not_a_500(
    login, draft, monkeypatch, django_capture_on_commit_callbacks
):
    """The insert met the open release, which ended before the look-up: the bare ``raise`` gave a 500."""
    client = login("leitung")
    other = ReportJob.objects.create(kind=ReportJobKind.RELEASE, report=draft, report_revision=draft.revision)
    look_up = jobs._raise_if_release_running

    def ended_in_between(report_id):
        ReportJob.objects.filter(pk=other.pk).update(status=ReportJobStatus.FAILED, error=jobs.RENDER_FAILED)
        look_up(report_id)

    monkeypatch.setattr(jobs, "_raise_if_release_running", ended_in_between)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("council:report-release", args=[draft.pk]), factories.release_confirmation(draft)
        )
    job = ReportJob.objects.open_releases().get(report=draft)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url() and job != other
