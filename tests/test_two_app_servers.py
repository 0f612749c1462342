"""Two app servers on one PostgreSQL (issue 22, "Two app servers").

A state-wide installation runs several app servers on one database. Two gunicorn processes
(`make serve`'s arguments, production settings, each with its own per-process fragment cache)
and one job worker run against the test database; a browser (cookies, CSRF tokens, forms filled
as a user leaves them) talks to both:

- logged in on one, it is logged in on the other (sessions are in the database);
- a position renamed through one is listed under its new name by the other at once, although
  the other had the list in its cache (the cache keys are digests of what is shown);
- a PDF job started on one is downloaded from the other;
- a paper released through one is served byte-identical by both.

Runs in the PostgreSQL part of the suite (`make test-postgres`).
"""

import http.client
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse

from integration_admin.council.models import Report, ReportFile, ReportJobStatus
from integration_admin.demo import DEMO_PASSWORD
from integration_admin.models import User
from staffing.models import Position
from tests import factories
from tests.council.test_worker_outages import database_url, postgres_only, start_worker, wait_for  # noqa: F401
from tests.security.test_reverse_proxy import Client, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PROJECT = Path(settings.BASE_DIR)


class FormValues(HTMLParser):
    """The fields of the form with ``action`` as a browser would send them unchanged."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.values = action, False, {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") in (self.action, "", None) and attrs.get("method", "").lower() == "post"
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[attrs["name"]] = attrs.get("value", "on")
                return
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and ("selected" in attrs or self._select not in self.values):
            self.values[self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_of(client: Client, page: str, action: str) -> dict:
    status, html = client.request("GET", page)
    assert status == 200, (status, html[:500])
    parser = FormValues(action)
    parser.feed(html)
    values = parser.values
    values.setdefault("csrfmiddlewaretoken", re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1))
    return values


def errors_in(html: str) -> list[str]:
    return re.findall(r'class="(?:invalid-feedback|alert|errorlist)[^"]*"[^>]*>\s*(?:<[^>]+>\s*)*([^<]+)', html)


def fetch_bytes(client: Client, path: str) -> bytes:
    """GET ``path`` as ``client`` and return the body as bytes (Client decodes text)."""
    connection = http.client.HTTPConnection("127.0.0.1", client.port, timeout=60)
    connection.request("GET", path, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 200, (path, response.status)
    return body


@pytest.fixture
def two_servers(postgres_only, demo, tmp_path):  # noqa: F811
    """Two gunicorn app servers and one worker on the test database: yields (port A, port B)."""
    # The servers run with the production password hashers, the tests with a fast one.
    hasher = PBKDF2PasswordHasher()
    User.objects.filter(username__in=["sb-ki", "leitung"]).update(password=hasher.encode(DEMO_PASSWORD, hasher.salt()))
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "TEST_DATABASE_NAME"}}
    env.update(
        DJANGO_SETTINGS_MODULE="integration_admin.settings",
        DATABASE_URL=database_url(),
        SECRET_KEY="test-only-secret-key-two-app-servers",  # noqa: S106 (both servers share it, as in production)
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="0",
        STATIC_MANIFEST="0",
    )
    ports = [free_port(), free_port()]
    log = tmp_path / "servers.log"
    processes = []
    with log.open("w") as output:
        for port in ports:
            processes.append(
                subprocess.Popen(  # noqa: S603 (the arguments of `make serve`, see the Makefile)
                    [
                        str(Path(sys.executable).parent / "gunicorn"),
                        "integration_admin.wsgi:application",
                        "--config",
                        "gunicorn.conf.py",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "1",
                        "--access-logfile",
                        "-",
                    ],
                    cwd=PROJECT,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
            )
    processes.append(start_worker(database_url(), tmp_path / "worker.log"))
    try:
        for port in ports:
            wait_for(lambda port=port: _answers(port, processes, log), f"the app server on port {port}", 60)
        yield ports
    finally:
        for process in processes:  # SIGTERM: gunicorn stops its workers, the worker its loop
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _answers(port: int, processes: list, log: Path) -> bool:
    for process in processes:
        assert process.poll() is None, log.read_text()
    try:
        return Client(port, "127.0.0.1").request("GET", "/accounts/login/")[0] == 200
    except OSError:
        return False


def test_two_app_servers_share_logins_changes_jobs_and_released_papers(two_servers):
    port_a, port_b = two_servers

    # Logged in on A is logged in on B.
    on_a = Client(port_a, "127.0.0.1")
    assert on_a.login("sb-ki", DEMO_PASSWORD) == 302
    on_b = Client(port_b, "127.0.0.1")
    on_b.cookies = on_a.cookies  # the same browser, another server behind the load balancer
    status, page = on_b.request("GET", reverse("staffing:position-list"))
    assert status == 200 and "Abmelden" in page

    # A position renamed through A is listed by B at once, although B has the list in its cache.
    position = Position.objects.filter(organisation__short_name="KI").order_by("pk").first()
    assert position.title in page
    edit = reverse("staffing:position-update", args=[position.pk])
    values = form_of(on_a, edit, edit)
    values["title"] = "Umbenannt über Server A"
    status, body = on_a.request("POST", edit, values)
    assert status == 302, (sorted(values.items()), errors_in(body))
    status, page = on_b.request("GET", reverse("staffing:position-list"))
    assert "Umbenannt über Server A" in page

    # The department head: a PDF job started on A is downloaded from B.
    head_a = Client(port_a, "127.0.0.1")
    assert head_a.login("leitung", DEMO_PASSWORD) == 302
    head_b = Client(port_b, "127.0.0.1")
    head_b.cookies = head_a.cookies
    report = factories.report(title="Zwei Server")
    factories.section(report, 1, heading="Abschnitt", text="Text")
    start = reverse("council:report-pdf-job", args=[report.pk])
    status, _ = head_a.request(
        "POST", start, form_of(head_a, reverse("council:report-detail", args=[report.pk]), start)
    )
    assert status == 302
    job = report.jobs.get()
    wait_for(
        lambda: report.jobs.filter(pk=job.pk, status=ReportJobStatus.DONE).exists(), "the worker's PDF", seconds=120
    )
    assert fetch_bytes(head_b, reverse("council:job-pdf", args=[job.pk])).startswith(b"%PDF")

    # A paper released through A is served byte-identical by A and B.
    release = reverse("council:report-release", args=[report.pk])
    values = form_of(head_a, release, release)
    values["confirm_findings"] = "on"  # (the draft has gaps: no consultation, no signatory)
    status, body = head_a.request("POST", release, values)
    assert status == 302, body[:2000]
    wait_for(lambda: Report.objects.get(pk=report.pk).is_released, "the release job", seconds=120)
    pdf = reverse("council:report-pdf", args=[report.pk])
    from_a, from_b = fetch_bytes(head_a, pdf), fetch_bytes(head_b, pdf)
    assert from_a == from_b == bytes(ReportFile.objects.get(report=report).content)
