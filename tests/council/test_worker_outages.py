"""The worker against real processes and a real database outage (issue 20, finding 6).

(a) A worker killed with SIGKILL in the middle of a job: the job is detected dead from its
    missing heartbeat and retried from its page; a new worker finishes it.
(b) A worker on a PostgreSQL cluster of the test's own (initdb and pg_ctl into a temporary
    folder, a free port): the cluster is stopped while the worker runs and started again; the
    worker is still alive and finishes a job enqueued afterwards.

Both start ``manage.py worker`` as a subprocess and run in the PostgreSQL part of the suite
(``make test-postgres``): (a) on the test database, which the subprocess reaches through
``DATABASE_URL``; (b) never touches the shared server but its test database's schema, copied
with pg_dump. Each takes 20 to 40 seconds, most of it the worker's start and (a)'s wait for the
heartbeat to go stale.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from bench import reports as bench_support
from integration_admin.council import jobs
from integration_admin.council.models import ReportJob, ReportJobStatus
from tests.conftest import login_as

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PROJECT = Path(settings.BASE_DIR)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs a real PostgreSQL server (runs in the PostgreSQL part of CI)")


def database_url(**overrides) -> str:
    params = {**connection.settings_dict, **overrides}
    password = f":{quote(params['PASSWORD'])}" if params.get("PASSWORD") else ""
    return f"postgres://{quote(params['USER'])}{password}@{params['HOST']}:{params['PORT']}/{params['NAME']}"


def start_worker(url: str, log: Path, *extra: str) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key not in ("TEST_DATABASE_NAME", "DEBUG")}
    env.update(DATABASE_URL=url, LOG_LEVEL="INFO")
    command = [sys.executable, "manage.py", "worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"]
    with log.open("ab") as out:
        return subprocess.Popen([*command, *extra], cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for(condition, what: str, seconds: float = 60):
    """Poll ``condition`` until it returns something true; fail with ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


# --- (a) a worker killed mid-job -------------------------------------------------------------------


def test_a_job_whose_worker_was_killed_is_detected_dead_and_retried(postgres_only, demo, client, tmp_path):
    report = bench_support.report_of_pages(30)  # a few seconds of layout: long enough to be killed in
    with transaction.atomic():
        job = jobs.start_job(report, None)  # enqueued when this commits
    log = tmp_path / "worker.log"
    worker = start_worker(database_url(), log)
    try:
        wait_for(
            lambda: ReportJob.objects.filter(pk=job.pk, status=ReportJobStatus.RUNNING, progress_done__gte=1).exists(),
            "the worker to lay out the first page",
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        stop(worker)
    job.refresh_from_db()
    last_beat = job.heartbeat
    assert job.status == ReportJobStatus.RUNNING and not job.is_dead  # just killed: not yet taken for dead

    login_as(client, "leitung")
    wait_for(
        lambda: "antwortet nicht mehr" in client.get(job.get_absolute_url()).content.decode(),
        "the job page to show the job dead",
        seconds=ReportJob.DEAD_AFTER.total_seconds() + 30,
    )
    job.refresh_from_db()
    assert job.heartbeat == last_beat and job.status == ReportJobStatus.RUNNING  # nobody beat since the kill
    response = client.post(reverse("council:job-retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ReportJobStatus.QUEUED

    worker = start_worker(database_url(), log, "--max-tasks", "1")
    try:
        assert worker.wait(timeout=120) == 0, log.read_text()  # the retried job, then it ends (--max-tasks 1)
    finally:
        stop(worker)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.DONE and job.attempts == 2, log.read_text()
    assert bytes(job.content).startswith(b"%PDF") and job.page_count >= 20
    assert client.get(reverse("council:job-pdf", args=[job.pk])).status_code == 200


# --- (b) a database outage under a running worker --------------------------------------------------


class PrivateCluster:
    """A PostgreSQL cluster of this test's own (trust authentication, 127.0.0.1 on a free port)."""

    def __init__(self):
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not binaries:
            pytest.skip("needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin)")
        self.bin = Path(binaries[-1]).parent
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.folder = Path(tempfile.mkdtemp(prefix="ia-worker-pg-"))
        self.data = self.folder / "data"
        if self.as_owner:
            shutil.chown(self.folder, "postgres", "postgres")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def run(self, *command: str) -> None:
        subprocess.run([*self.as_owner, *command], check=True, capture_output=True, cwd=self.folder)

    def initdb(self) -> None:
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def connect(self, name: str = "postgres"):
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=name, autocommit=True)

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # (not running)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def cluster(postgres_only):
    cluster = PrivateCluster()
    try:
        cluster.initdb()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


ENQUEUE = """
from django.db import transaction
from integration_admin.core.models import Body
from integration_admin.core.scopes import scope
from integration_admin.council import jobs
from tests import factories
body, _ = Body.objects.get_or_create(short_name="HS", defaults={"name": "Kreis Heinsberg", "regierungsbezirk": "koeln"})
with scope(body=body), transaction.atomic():
    report = factories.report(title="Nach dem Neustart")
    factories.section(report, 1, heading="Abschnitt", text="Text")
    job = jobs.start_job(report, None)
print(job.pk)
"""


def test_the_worker_survives_a_database_restart(cluster, tmp_path):
    with cluster.connect() as admin:
        admin.execute("CREATE DATABASE ia_worker")
    # The schema of the test database (migrated by the test run), copied instead of migrated again.
    params = connection.settings_dict
    dump = subprocess.run(
        [str(cluster.bin / "pg_dump"), "--schema-only", "--no-owner", "--no-privileges", database_url()],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(
        [str(cluster.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", cluster.url("ia_worker")],
        input=dump,
        check=True,
        capture_output=True,
    )
    assert params["NAME"] != "ia_worker"

    log = tmp_path / "worker.log"
    worker = start_worker(cluster.url("ia_worker"), log, "--max-backoff", "1")
    try:

        def worker_connected():
            with cluster.connect() as admin:
                query = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'ia_worker' AND pid <> pg_backend_pid()"
                return admin.execute(query).fetchone()[0]

        wait_for(worker_connected, "the worker to connect")
        cluster.stop()

        def retried_twice():
            assert worker.poll() is None, log.read_text()  # db_worker ended here (3 of 10 restarts in the probe)
            return log.read_text().count("Datenbank nicht erreichbar") >= 2

        wait_for(retried_twice, "the worker to retry")  # and it is still running while the database is down
        cluster.start()

        env = {key: value for key, value in os.environ.items() if key not in ("TEST_DATABASE_NAME", "DEBUG")}
        env["DATABASE_URL"] = cluster.url("ia_worker")
        enqueued = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", ENQUEUE], cwd=PROJECT, env=env, capture_output=True, text=True
        )
        assert enqueued.returncode == 0, enqueued.stderr
        job_id = int(enqueued.stdout.strip().splitlines()[-1])

        def job_status():
            with cluster.connect("ia_worker") as db:
                row = db.execute("SELECT status FROM council_reportjob WHERE id = %s", [job_id]).fetchone()
                return row[0] if row[0] in ("done", "failed") else None

        assert wait_for(job_status, "the job enqueued after the restart to finish") == "done", log.read_text()
        assert worker.poll() is None, log.read_text()  # the same process, alive throughout
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        stop(worker)
