"""Long imports as background jobs (progress, failure, the same result as the short path), the
retention of uploads never confirmed, and the warning for figures of released council papers.

The queue is django-tasks' database backend: the task is enqueued for real (a row in the queue
table when the request's transaction commits) and run here by calling the task, as
``manage.py worker`` would.
"""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connections, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from integration_admin.models import User
from staffing.imports import jobs
from staffing.imports.positions import ERROR, build_preview, commit_run, start_run
from staffing.imports.reading import ImportFileError, read_table
from staffing.models import ImportJobState, ImportRun, ImportStatus, Organisation, Position
from tests import factories
from tests.conftest import login_as
from tests.staffing.test_import import HEADER, xlsx

# A job's commit writes its progress through the second connection ("progress", a mirror in tests)
# on PostgreSQL; on SQLite it is never used (one writer at a time), and checking its constraints at
# a test's end would wait for the test's own transaction.
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DATABASES = ["default", "progress"] if ON_POSTGRES else ["default"]
pytestmark = pytest.mark.django_db(databases=DATABASES)


@pytest.fixture(autouse=True)
def close_progress_connection():
    """Django's test case checks the constraints of every database of a test, the mirror included,
    which opens its connection; closed here, or the test database could not be dropped."""
    yield
    connections["progress"].close()


ROWS = [
    HEADER,
    ["KI", "KIM", 2, "Hintergrund A", "1,0", "1.1.21", "31.12.22", "E 11", "Erika Hinter", "0,5"],
    ["KI", "KIM", 2, "Hintergrund A", "1,0", "1.1.21", "31.12.22", "E 11", "Max Grund", "0,5"],
    ["DRK", "KIM", 2, "Hintergrund B", "0,5", "1.1.21", "", "", "", ""],
    ["KI", "Durchstarten", 6, "Teilhabemanagement", "1,5", "01.08.2020", "31.12.2022"],
]


def run_queued_task(run: ImportRun) -> None:
    """What the worker does: take the run's newest queued task from the queue table and call it."""
    queued = DBTaskResult.objects.filter(task_path="staffing.imports.jobs.import_job", status="READY").latest(
        "enqueued_at"
    )
    assert queued.args_kwargs["args"][0] == run.pk
    queued.task.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])


@pytest.fixture
def background(settings):
    settings.IMPORT_BACKGROUND_ROWS = 2  # the file above has four data rows
    return settings


def test_a_long_file_is_previewed_and_committed_by_the_worker_as_the_short_path_would(
    client, background, django_capture_on_commit_callbacks
):
    content = xlsx(("Stellen", [["Stellenplan"], *ROWS]))
    admin = User.objects.get(username="admin")
    short = build_preview(read_table("liste.xlsx", content), user=admin)  # the synchronous path's preview
    login_as(client, "admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/imports/", {"file": SimpleUploadedFile("liste.xlsx", content)})
    run = ImportRun.objects.get(file_name="liste.xlsx")
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    assert run.job_state == ImportJobState.QUEUED and run.job_action == "preview" and run.progress_total == 4

    page = client.get(run.get_absolute_url()).content.decode()
    assert "wartet auf den Hintergrunddienst" in page and "Import übernehmen" not in page
    assert f'hx-get="/imports/{run.pk}/status/"' in page and 'hx-trigger="every 1s"' in page
    listing = client.get("/imports/").content.decode()
    assert f'href="{run.get_absolute_url()}"' in listing and "Vorschau: wartet" in listing

    run_queued_task(run)
    run.refresh_from_db()
    assert run.job_state == ImportJobState.DONE and run.attempts == 1 and not run.job_error
    assert (run.progress_done, run.progress_total, run.percent) == (4, 4, 100)
    assert run.preview_data == short.as_data(jobs.PREVIEW_ROWS_SHOWN)
    assert run.mapping == short.mapping and run.sheet == "Stellen"
    # The page polling the job is told to load itself again; it then shows the stored preview.
    refresh = client.get(f"/imports/{run.pk}/status/", headers={"HX-Request": "true"})
    assert refresh.headers["HX-Refresh"] == "true"
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Vorschau: 3 neu, 1 geändert, 0 unverändert, 0 mit Fehlern." in page
    assert "hx-trigger" not in page and "Import übernehmen" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{run.pk}/confirm/")
    run.refresh_from_db()
    assert run.status == ImportStatus.PREVIEW and run.job_state == ImportJobState.QUEUED
    assert not Position.objects.filter(title__startswith="Hintergrund").exists()  # nothing before the worker
    run_queued_task(run)
    run.refresh_from_db()
    assert run.status == ImportStatus.COMMITTED and run.job_state == ImportJobState.DONE
    assert (run.created_count, run.changed_count, run.unchanged_count) == (3, 1, 0)
    a = Position.objects.get(title="Hintergrund A")
    assert a.fte == Decimal("1.0") and sorted(a.assignments.values_list("holder_name", flat=True)) == [
        "Erika Hinter",
        "Max Grund",
    ]
    assert a.history.first().history_change_reason.startswith("Import liste.xlsx")
    # The same file on the short path now changes nothing: the job wrote what the short path would.
    again = start_run(user=admin, name="liste.xlsx", content=content)
    assert again.job_state == "" and build_preview(read_table("liste.xlsx", content), user=admin).counts == {
        "create": 0,
        "change": 0,
        "unchanged": 4,
        "error": 0,
    }
    page = client.get(run.get_absolute_url()).content.decode()
    assert "3 Zeilen neu, 1 geändert, 0 unverändert." in page


def test_a_failing_commit_job_saves_nothing_and_says_why_in_german(
    client, background, django_capture_on_commit_callbacks
):
    content = xlsx(("Stellen", ROWS))
    login_as(client, "admin")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/imports/", {"file": SimpleUploadedFile("fehler.xlsx", content)})
    run = ImportRun.objects.get(file_name="fehler.xlsx")
    run_queued_task(run)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{run.pk}/confirm/")
    # Meanwhile the DRK's organisation is renamed: the commit's fresh preview has an error.
    drk = Organisation.objects.get(short_name="DRK")
    drk.short_name = "DRK-KV"
    drk.save()
    before = Position.objects.count()
    run_queued_task(run)
    run.refresh_from_db()
    assert run.job_state == ImportJobState.FAILED and run.status == ImportStatus.PREVIEW
    assert run.job_error.startswith("Die Vorschau enthält Fehler; es wurde nichts gespeichert.")
    assert Position.objects.count() == before and not Position.objects.filter(title__startswith="Hintergrund").exists()
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Die Übernahme ist nicht gelungen; es wurde nichts gespeichert." in page and run.job_error in page
    assert f'action="/imports/{run.pk}/retry/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{run.pk}/retry/")
    run.refresh_from_db()
    assert run.job_state == ImportJobState.QUEUED and run.job_action == "commit"


def test_a_commit_that_breaks_off_while_writing_leaves_nothing(db):
    admin = User.objects.get(username="admin")
    run = start_run(user=admin, name="abbruch.xlsx", content=xlsx(("Stellen", ROWS)))
    before = Position.objects.count()
    seen = []

    def progress(done, total, phase="check"):
        seen.append((done, total, phase))
        if phase == "write" and done >= total // 2:
            raise RuntimeError("worker killed")  # after the positions were written

    with pytest.raises(RuntimeError):
        commit_run(run=run, user=admin, progress=progress)
    assert Position.objects.count() == before
    run.refresh_from_db()
    assert run.status == ImportStatus.PREVIEW
    assert seen[0] == (0, 4, "check") and (4, 4, "check") in seen and seen[-1][2] == "write"


@pytest.mark.django_db(transaction=True, databases=DATABASES)
def test_progress_is_written_for_the_page_also_during_the_commit_transaction(client, demo):
    admin = User.objects.get(username="admin")
    run = ImportRun.objects.create(
        user=admin, file_name="lang.xlsx", sha256="0" * 64, job_state=ImportJobState.RUNNING, attempts=1
    )
    jobs.Progress(run)(1200, 10_000)
    run.refresh_from_db()
    assert (run.progress_done, run.progress_total, run.job_phase) == (1200, 10_000, "check")
    login_as(client, "admin")
    fragment = client.get(f"/imports/{run.pk}/status/").content.decode()
    assert "1.200 von 10.000 Zeilen geprüft" in fragment
    assert 'max="10000" value="1200"' in fragment and "hx-trigger" in fragment
    # Inside the commit's transaction the progress goes through the second connection (PostgreSQL).
    with transaction.atomic():
        jobs.Progress(run)(5000, 10_000, "write")
    run.refresh_from_db()
    if connections["default"].vendor == "postgresql":
        assert (run.progress_done, run.job_phase) == (5000, "write")
    else:  # SQLite has one writer at a time: the bar waits for the commit's end
        assert run.progress_done == 1200


def test_a_stale_job_can_be_retried_and_a_finished_one_not(db):
    admin = User.objects.get(username="admin")
    run = ImportRun.objects.create(user=admin, file_name="x.xlsx", sha256="0" * 64, job_state="running", attempts=1)
    run.job_updated = timezone.now()
    assert not run.can_retry and not jobs.retry(run, user=admin)
    run.job_updated = timezone.now() - ImportRun.STALE_AFTER - datetime.timedelta(seconds=1)
    run.save()
    assert run.job_stale and run.can_retry and jobs.retry(run, user=admin)
    run.refresh_from_db()
    assert run.job_state == ImportJobState.QUEUED


# --- retention --------------------------------------------------------------------------------------


def test_purge_deletes_old_unconfirmed_uploads_and_keeps_committed_and_recent_ones(settings):
    settings.IMPORT_RETENTION_DAYS = 14
    admin = User.objects.get(username="admin")
    long_ago = timezone.now() - datetime.timedelta(days=15)
    old = ImportRun.objects.create(user=admin, file_name="alt.xlsx", sha256="0" * 64, content=b"x", created=long_ago)
    committed = ImportRun.objects.create(
        user=admin, file_name="fertig.xlsx", sha256="0" * 64, status=ImportStatus.COMMITTED, created=long_ago
    )
    undone = ImportRun.objects.create(
        user=admin, file_name="zurück.xlsx", sha256="0" * 64, status=ImportStatus.UNDONE, created=long_ago
    )
    recent = ImportRun.objects.create(
        user=admin, file_name="neu.xlsx", sha256="0" * 64, created=timezone.now() - datetime.timedelta(days=13)
    )
    call_command("purge_imports")
    remaining = set(ImportRun.objects.values_list("pk", flat=True))
    assert old.pk not in remaining and {committed.pk, undone.pk, recent.pk} <= remaining


def test_the_daily_job_purges_too(settings, mailoutbox):
    from integration_admin.reminders import send_daily_reminders

    admin = User.objects.get(username="admin")
    old = ImportRun.objects.create(
        user=admin, file_name="alt.xlsx", sha256="0" * 64, created=timezone.now() - datetime.timedelta(days=30)
    )
    send_daily_reminders.call()
    assert not ImportRun.objects.filter(pk=old.pk).exists()


# --- released papers --------------------------------------------------------------------------------


def test_rows_changing_a_figure_of_a_released_paper_get_a_warning(demo):
    admin = User.objects.get(username="admin")
    other = factories.programme(short_name="Neuprog")
    factories.building_block(other, number=1)
    rows = [
        HEADER[:8],
        ["KI", "KIM", 2, "Freigabe neu", "1,0", "1.1.21", "", "E 11"],  # a new position in KIM: in 0001/2020
        ["KI", "Durchstarten", 6, "Teilhabemanagement", "2,0", "01.08.2020", "31.12.2022"],  # 1,5 -> 2,0 FTE
        ["KI", "Neuprog", 1, "Ohne Vorlage", "1,0", "1.1.21", "", "E 11"],  # a programme no paper printed
    ]
    preview = build_preview(read_table("f.xlsx", xlsx(("S", rows))), user=admin)
    warning = (
        "Ändert eine Zahl der freigegebenen Vorlage 0001/2020. Die Vorlage bleibt, wie sie freigegeben wurde; "
        "für die neue Zahl braucht der Ausschuss eine Ergänzung."
    )
    texts = [[m.text for m in row.messages] for row in preview.rows]
    assert texts[0] == [warning] and texts[1] == [warning] and texts[2] == []
    assert preview.rows[0].messages[0].column == 4 and not preview.rows[0].messages[0].is_error
    assert preview.ok and ERROR not in [row.action for row in preview.rows]  # a warning: the import goes ahead
    # A change of what no paper prints (the note) is no warning.
    noted = [HEADER[:4] + ["VZÄ", "Bemerkung"], ["KI", "Durchstarten", 6, "Teilhabemanagement", "1,5", "neu"]]
    preview = build_preview(read_table("g.xlsx", xlsx(("S", noted))), user=admin)
    assert preview.rows[0].action == "change" and preview.rows[0].messages == []


def test_no_warning_without_a_released_paper(demo):
    admin = User.objects.get(username="admin")
    from integration_admin.council.models import ReportSection

    ReportSection.objects.filter(report__reference="0001/2020").update(programme=None)
    rows = [HEADER[:5], ["KI", "KIM", 2, "Freigabe neu", "1,0"]]
    preview = build_preview(read_table("f.xlsx", xlsx(("S", rows))), user=admin)
    assert preview.rows[0].messages == []


def test_commit_refuses_a_run_committed_meanwhile(db):
    admin = User.objects.get(username="admin")
    run = start_run(user=admin, name="zweimal.xlsx", content=xlsx(("Stellen", ROWS)))
    commit_run(run=run, user=admin)
    with pytest.raises(ImportFileError):
        commit_run(run=run, user=admin)
