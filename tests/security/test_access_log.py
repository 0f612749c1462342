"""Every PDF download, every page with holders' names, every refused request and every login
attempt is logged (issues 6 and 20, SECURITY.md): who, when (the log record's time), which object
or path, from which address; never a holder's name, a query string or a typed user name that names
no user."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from integration_admin.council import documents
from integration_admin.council.models import AgendaItem, Report, ReportFile
from integration_admin.demo import DEMO_PASSWORD
from programs.models import Programme
from staffing.models import Assignment, Organisation, Position
from tests import factories
from tests.conftest import login_as

AUDIT = "integration_admin.audit"


@pytest.fixture
def audit_log(caplog):
    caplog.set_level(logging.INFO, logger=AUDIT)

    def lines(action: str) -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == AUDIT and r.getMessage().startswith(action)]

    return lines


@pytest.fixture
def fast_pdfs(monkeypatch):
    monkeypatch.setattr(documents, "render_document", lambda *args, **kwargs: b"%PDF-1.7 log test")


def holder_names() -> set[str]:
    return set(Assignment.objects.values_list("holder_name", flat=True))


def assert_no_names(lines: list[str]) -> None:
    for line in lines:
        for name in holder_names():
            assert name not in line
            for part in name.split():
                assert part not in line.split(), (part, line)


def test_position_page_is_logged_without_holder_names(login, client, audit_log):
    position = Position.objects.filter(assignments__isnull=False, organisation__short_name="DRK").order_by("pk").first()
    login("sb-drk")
    response = client.get(position.get_absolute_url())
    assert response.status_code == 200
    assert position.assignments.first().holder_name in response.content.decode()  # the page shows names
    lines = audit_log("position-view")
    assert lines == [f"position-view user=sb-drk object=staffing.position:{position.pk} address=127.0.0.1"]
    assert_no_names(lines)
    assert holder_names()


ASSIGNMENT_PAGES = ["staffing:assignment-update", "staffing:assignment-end", "staffing:assignment-delete"]


@pytest.mark.parametrize("name", ASSIGNMENT_PAGES)
def test_assignment_pages_are_logged_without_holder_name(login, client, audit_log, name):
    assignment = Assignment.objects.filter(position__organisation__short_name="KI").order_by("pk").first()
    login("sb-ki")
    response = client.get(reverse(name, args=[assignment.pk]))
    assert response.status_code == 200
    lines = audit_log("assignment-view")
    assert lines == [f"assignment-view user=sb-ki object=staffing.assignment:{assignment.pk} address=127.0.0.1"]
    assert_no_names(lines)


def test_refused_assignment_page_is_not_logged_as_a_view(login, client, audit_log):
    assignment = Assignment.objects.filter(position__organisation__short_name="KI").order_by("pk").first()
    login("sb-drk")
    assert client.get(reverse("staffing:assignment-update", args=[assignment.pk])).status_code == 403
    assert audit_log("assignment-view") == []


def test_released_report_pdf_is_logged(login, client, audit_log):
    report = Report.objects.filter(file__isnull=False).get()
    login("sb-drk")
    response = client.get(reverse("council:report-pdf", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert audit_log("pdf-download") == [
        f"pdf-download user=sb-drk object=council.report:{report.pk} address=127.0.0.1"
    ]


def test_draft_report_pdf_is_logged(login, client, audit_log, fast_pdfs):
    draft = factories.report(title="Entwurf")
    login("leitung")
    assert client.get(reverse("council:report-pdf", args=[draft.pk])).status_code == 200
    assert audit_log("pdf-download") == [
        f"pdf-download user=leitung object=council.report:{draft.pk} address=127.0.0.1"
    ]


def test_excerpt_pdf_is_logged(login, client, audit_log, fast_pdfs):
    item = AgendaItem.objects.order_by("pk").first()
    login("admin")
    assert client.get(reverse("council:agendaitem-excerpt-pdf", args=[item.pk])).status_code == 200
    assert audit_log("pdf-download") == [
        f"pdf-download user=admin object=council.agendaitem:{item.pk} address=127.0.0.1"
    ]


def test_oparl_file_download_is_logged(login, client, audit_log):
    stored = ReportFile.objects.get()
    login("sb-ki")
    response = client.get(reverse("council:oparl:file-download", args=[stored.pk]))
    assert response.status_code == 200
    assert audit_log("pdf-download") == [
        f"pdf-download user=sb-ki object=council.reportfile:{stored.pk} address=127.0.0.1"
    ]


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_position_export_with_holders_is_logged_without_names(login, client, audit_log, export):
    login("leitung")
    response = client.get(reverse("staffing:position-list"), {"_export": export})
    assert response.status_code == 200
    lines = audit_log(f"position-export-{export}")
    count = Position.objects.count()
    assert lines == [f"position-export-{export} user=leitung objects=staffing.position count={count} address=127.0.0.1"]
    assert_no_names(lines)


@pytest.mark.parametrize(
    ("url_name", "action", "model"),
    [
        ("programme-detail", "programme-view", Programme),
        ("staffing:organisation-detail", "organisation-view", Organisation),
    ],
)
def test_pages_listing_holders_are_logged(login, client, audit_log, url_name, action, model):
    """The programme and organisation pages list positions with their holders, as the position page does."""
    holder = Assignment.objects.filter(position__organisation__short_name="KI", end__isnull=True).order_by("pk").first()
    obj = holder.position.building_block.programme if model is Programme else holder.position.organisation
    login("leitung")
    response = client.get(reverse(url_name, args=[obj.pk]))
    assert response.status_code == 200
    assert holder.holder_name in response.content.decode()  # the page shows names
    lines = audit_log(action)
    assert lines == [f"{action} user=leitung object={model._meta.label_lower}:{obj.pk} address=127.0.0.1"]
    assert_no_names(lines)


def test_refused_request_is_logged_without_query_string(login, client, audit_log):
    position = Position.objects.filter(organisation__short_name="KI").order_by("pk").first()
    login("sb-drk")
    response = client.get(reverse("staffing:position-update", args=[position.pk]), {"q": "Gesuchte Person"})
    assert response.status_code == 403
    assert audit_log("access-refused") == [
        f"access-refused status=403 user=sb-drk path=/positions/{position.pk}/edit/ address=127.0.0.1"
    ]


def test_failed_csrf_check_is_logged(demo, audit_log):
    client = Client(enforce_csrf_checks=True)
    login_as(client, "sb-ki")
    response = client.post(reverse("staffing:position-create") + "?next=/suche/?q=Name", {"fte": "1,0"})
    assert response.status_code == 403
    assert audit_log("access-refused") == [
        "access-refused status=403 user=sb-ki path=/positions/new/ address=127.0.0.1"
    ]


def test_failed_login_names_only_an_existing_user(client, demo, audit_log):
    """What was typed into the user field is logged only if it names a user: it may be a password."""
    url = reverse("login")
    assert client.post(url, {"username": "Heinsberg-2020-geheim", "password": "irgendwas-12"}).status_code == 200
    assert client.post(url, {"username": "leitung", "password": "falsch-falsch"}).status_code == 200
    assert audit_log("login-failed") == [
        "login-failed user=? address=127.0.0.1",
        "login-failed user=leitung address=127.0.0.1",
    ]


def test_no_logger_writes_the_typed_user_name(client, demo, caplog):
    caplog.set_level(logging.DEBUG)
    client.post(reverse("login"), {"username": "Heinsberg-2020-geheim", "password": "irgendwas-12"})
    assert caplog.records  # the failure was logged ...
    assert not [r.getMessage() for r in caplog.records if "Heinsberg-2020-geheim" in r.getMessage()]  # ... without it


def test_lockout_is_logged(client, demo, audit_log):
    url = reverse("login")
    for _ in range(5):
        response = client.post(url + "?next=/positions/%3Fq%3DName", {"username": "sb-ki", "password": "falsch-falsch"})
    assert response.status_code == 429
    response = client.post(url, {"username": "sb-ki", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert audit_log("login-locked-out") == ["login-locked-out user=sb-ki path=/accounts/login/ address=127.0.0.1"] * 2
