"""Releasing a report: paper numbers per year, frozen figures and text, supplements, no edits afterwards."""

import datetime
import signal
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from integration_admin.core.documents import store_document
from integration_admin.core.models import Body, Document
from integration_admin.core.scopes import scope
from integration_admin.council import pdf as pdf_module
from integration_admin.council import services
from integration_admin.council.demo import load_council_demo
from integration_admin.council.models import (
    PaperCounter,
    Report,
    ReportFile,
    ReportJob,
    ReportJobKind,
    ReportJobStatus,
    ReportStatus,
)
from integration_admin.council.snapshot import decode, encode
from integration_admin.demo import load_demo
from integration_admin.models import User
from tests import factories
from tests.conftest import login_as

pytestmark = pytest.mark.django_db


DAY = datetime.date(2023, 8, 12)  # (a year without a paper in the demo, which has 0001/2020)


def fake_render(snapshot: dict) -> bytes:
    """A stand-in for WeasyPrint where the PDF itself does not matter (keeps the tests fast)."""
    return f"%PDF-1.7 {snapshot['reference']} {snapshot['title']}".encode()


@pytest.fixture
def head(db):
    return User.objects.create_user("head", password="x", role="head")


def release(report, user, **kwargs):
    return services.release_report(report=report, user=user, render=kwargs.pop("render", fake_render), **kwargs)


def test_numbers_count_per_year_and_are_never_reused(head):
    first = release(factories.report(date=datetime.date(2023, 8, 12)), head)
    second = release(factories.report(date=datetime.date(2023, 9, 1)), head)
    other_year = release(factories.report(date=datetime.date(2024, 1, 5)), head)
    assert (first.reference, second.reference, other_year.reference) == ("0001/2023", "0002/2023", "0001/2024")
    assert dict(PaperCounter.objects.filter(year__gte=2023).values_list("year", "last_number")) == {2023: 2, 2024: 1}
    # A deleted draft never had a number; the next one continues the count.
    factories.report(date=datetime.date(2023, 10, 1)).delete()
    assert release(factories.report(date=datetime.date(2023, 10, 2)), head).reference == "0003/2023"


def test_each_body_numbers_its_papers_in_its_own_scheme(head):
    """Every body counts its own papers per year, in its own scheme (Body.paper_number_format); the
    signature is its own head's."""
    heinsberg_paper = release(factories.report(date=datetime.date(2023, 8, 12)), head)
    musterkreis = Body.objects.get(short_name="MK")
    with scope(body=musterkreis):
        mk_head = User.objects.create_user("mk-head", password="x", role="head")
        first = release(factories.report(date=datetime.date(2023, 8, 12)), mk_head)
        second = release(factories.report(date=datetime.date(2023, 9, 1)), mk_head)
        assert list(PaperCounter.objects.filter(year=2023).values_list("last_number", flat=True)) == [2]
    assert (first.reference, second.reference) == ("MK/2023/001", "MK/2023/002")
    assert first.body == musterkreis and mk_head.body == musterkreis
    assert decode(first.snapshot)["body"] == {"name": "Musterkreis (Demo)", "head": "Die Landrätin"}
    assert heinsberg_paper.reference == "0001/2023"
    assert release(factories.report(date=datetime.date(2023, 9, 2)), head).reference == "0002/2023"
    assert decode(heinsberg_paper.snapshot)["body"] == {"name": "Kreis Heinsberg", "head": "Der Landrat"}


def test_release_freezes_figures_text_and_file(head):
    report = factories.report(title="Bericht", date=DAY)
    factories.section(report, 1, heading="Eins", text="Erster Text")
    released = release(report, head, released_at=timezone.make_aware(datetime.datetime(2023, 8, 12, 10)))
    assert released.status == ReportStatus.RELEASED and released.released_by == head
    snapshot = decode(released.snapshot)
    assert snapshot["reference"] == "0001/2023" and snapshot["sections"][0]["text"] == "Erster Text"
    stored = ReportFile.objects.get(report=released)
    assert bytes(stored.content) == b"%PDF-1.7 0001/2023 Bericht"
    assert stored.size == len(b"%PDF-1.7 0001/2023 Bericht") and len(stored.sha256) == 64 and len(stored.sha512) == 128
    assert stored.file_name == "Vorlage-0001-2023.pdf" and stored.mime_type == "application/pdf"


def test_releasing_twice_is_refused_and_consumes_no_number(head):
    report = release(factories.report(date=DAY), head)
    with pytest.raises(services.ReleaseError):
        release(report, head)
    assert PaperCounter.objects.get(year=2023).last_number == 1


def test_a_release_racing_another_takes_the_next_number(head):
    """Someone releases another paper while ours renders: ours starts over with the next number."""
    other = factories.report(date=DAY)
    calls = []

    def render_while_someone_else_releases(snapshot):
        calls.append(snapshot["reference"])
        if len(calls) == 1:
            release(other, head)
        return fake_render(snapshot)

    ours = release(factories.report(date=DAY), head, render=render_while_someone_else_releases)
    other.refresh_from_db()
    assert calls == ["0001/2023", "0002/2023"]
    assert (other.reference, ours.reference) == ("0001/2023", "0002/2023")
    assert bytes(ours.file.content) == fake_render({"reference": "0002/2023", "title": ours.title})
    assert PaperCounter.objects.get(year=2023).last_number == 2


def test_a_change_during_rendering_stops_the_release(head):
    report = factories.report(date=DAY)

    def render_while_someone_edits(snapshot):
        services.touch(report)
        return fake_render(snapshot)

    with pytest.raises(services.ReleaseError, match="während der Freigabe geändert"):
        release(report, head, render=render_while_someone_edits)
    report.refresh_from_db()
    assert not report.is_released
    assert not PaperCounter.objects.filter(year=DAY.year, last_number__gt=0).exists()


def test_supplements_are_numbered_after_their_paper(head):
    parent = factories.report(date=DAY)
    factories.section(parent, 1, heading="Abschnitt")
    parent = release(parent, head)
    scan = b"%PDF-1.7\n% Anlage zur Vorlage\n%%EOF\n"
    store_document(parent=parent, content=scan, file_name="anlage.pdf", title="Anlage 1", kind="sonstiges", user=head)
    first = services.create_supplement(report=parent)
    assert first.supplements == parent and not first.is_released
    assert first.title == parent.title and first.sections.count() == parent.sections.count()
    [copy] = Document.objects.attached_to([first])  # the supplement starts with the paper's documents
    assert (copy.title, copy.file_name, copy.uploaded_by, copy.content.data) == ("Anlage 1", "anlage.pdf", head, scan)
    assert Document.objects.attached_to([parent]).count() == 1  # the paper keeps its own
    first = release(first, head)
    second = release(services.create_supplement(report=first), head)  # a supplement of a supplement: same parent
    assert (first.reference, second.reference) == ("0001/2023/1", "0001/2023/2")
    assert second.supplements == parent
    assert PaperCounter.objects.get(year=2023).last_number == 1  # supplements take no new number
    with pytest.raises(services.ReleaseError):
        services.create_supplement(report=factories.report(date=DAY))


def test_snapshot_round_trip_keeps_types():
    value = {
        "money": Decimal("624493.60"),
        "day": datetime.date(2020, 8, 10),
        "moment": timezone.make_aware(datetime.datetime(2020, 8, 12, 10)),
        "rows": [{"fte": Decimal("1.500"), "text": "„Gemeinsam klappt’s“", "n": 3, "none": None, "flag": True}],
    }
    assert decode(encode(value)) == value


def test_load_demo_releases_once(demo):
    report = Report.objects.get(reference="0001/2020")
    content = bytes(report.file.content)
    load_demo()
    load_council_demo()
    assert Report.objects.count() == 1 and PaperCounter.objects.get(year=2020).last_number == 1
    report.refresh_from_db()
    assert bytes(report.file.content) == content


# --- in the browser -------------------------------------------------------------------------


def test_head_releases_in_the_browser(login, django_capture_on_commit_callbacks):
    """The request only starts the release; the worker renders and stores it (issue 20, finding 5:
    a long paper's render inside the request ran into gunicorn's timeout)."""
    client = login("leitung")
    report = factories.report(lead_office=Report.objects.get(reference="0001/2020").lead_office)
    factories.section(report, 1, heading="Abschnitt", text="Text")
    page = client.get(reverse("council:report-release", args=[report.pk]))
    assert page.status_code == 200 and "Jetzt freigeben" in page.content.decode()
    assert "noch keine Beratung" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("council:report-release", args=[report.pk]), factories.release_confirmation(report)
        )
    job = ReportJob.objects.get(report=report, kind=ReportJobKind.RELEASE)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    report.refresh_from_db()
    assert not report.is_released and not ReportFile.objects.filter(report=report).exists()
    assert "Die Freigabe läuft im Hintergrund" in client.get(report.get_absolute_url()).content.decode()
    # a caseworker reading the draft is not led to a job page closed to them
    caseworker_page = login_as(Client(), "sb-ki").get(report.get_absolute_url())
    caseworker_view = caseworker_page.content.decode()
    assert caseworker_page.status_code == 200 and report.title in caseworker_view
    assert "Die Freigabe läuft im Hintergrund" not in caseworker_view and job.get_absolute_url() not in caseworker_view
    page = client.get(job.get_absolute_url()).content.decode()
    assert "wartet auf den Hintergrunddienst" in page and 'hx-trigger="every 1s"' in page

    queued = DBTaskResult.objects.get(id=job.task_id)
    queued.task.call(*queued.args_kwargs["args"])  # what the worker does

    report.refresh_from_db()
    job.refresh_from_db()
    assert report.reference == "0002/2020" and report.released_by.username == "leitung"
    assert decode(report.snapshot)["reference"] == "0002/2020"
    assert job.status == ReportJobStatus.DONE and job.sha256 == report.file.sha256 and job.content is None
    assert job.file_name == report.file.file_name == "Vorlage-0002-2020.pdf" and job.page_count >= 1
    fragment = client.get(reverse("council:job-status", args=[job.pk])).content.decode()
    assert "Vorlagen-Nr. 0002/2020" in fragment and "hx-trigger" not in fragment
    assert reverse("council:report-pdf", args=[report.pk]) in fragment
    assert client.get(reverse("council:report-pdf", args=[report.pk])).content == bytes(report.file.content)
    assert client.get(reverse("council:job-pdf", args=[job.pk]))["Location"] == reverse(
        "council:report-pdf", args=[report.pk]
    )


def test_released_report_cannot_be_edited(login):
    client = login("leitung")
    report = Report.objects.get(reference="0001/2020")
    section = report.sections.first()
    consultation = report.consultations.first()
    before = (report.title, report.modified, report.revision)
    urls = [
        reverse("council:report-update", args=[report.pk]),
        reverse("council:report-delete", args=[report.pk]),
        reverse("council:section-create", args=[report.pk]),
        reverse("council:section-update", args=[section.pk]),
        reverse("council:section-delete", args=[section.pk]),
        reverse("council:consultation-create", args=[report.pk]),
        reverse("council:consultation-update", args=[consultation.pk]),
        reverse("council:consultation-delete", args=[consultation.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"title": "geändert", "heading": "x", "order": 1, "role": "notice"}).status_code == 403
    response = client.post(reverse("council:report-release", args=[report.pk]), follow=True)
    assert "bereits freigegeben" in response.content.decode()
    report.refresh_from_db()
    assert (report.title, report.modified, report.revision) == before
    assert report.sections.count() == 3 and report.consultations.count() == 1


def test_supplement_in_the_browser(login):
    client = login("leitung")
    report = Report.objects.get(reference="0001/2020")
    response = client.post(reverse("council:report-supplement", args=[report.pk]))
    supplement = Report.objects.get(supplements=report)
    assert response.status_code == 302 and response["Location"] == supplement.get_absolute_url()
    assert supplement.sections.count() == 3 and supplement.consultations.count() == 1


def test_caseworkers_read_released_reports_only(login):
    client = login("sb-ki")
    report = Report.objects.get(reference="0001/2020")
    expected = {
        "report-detail": 200,
        "report-preview": 200,
        "report-pdf": 200,
        "report-update": 403,
        "report-release": 403,
        "section-create": 403,
        "consultation-create": 403,
    }
    for name, status in expected.items():
        assert client.get(reverse(f"council:{name}", args=[report.pk])).status_code == status, name


def test_caseworkers_may_not_print_compose_or_release_drafts(login):
    client = login("sb-drk")
    draft = factories.report()
    assert client.get(reverse("council:report-pdf", args=[draft.pk])).status_code == 403
    assert client.get(reverse("council:report-preview", args=[draft.pk])).status_code == 200
    assert client.get(reverse("council:report-create")).status_code == 403
    assert client.post(reverse("council:report-release", args=[draft.pk])).status_code == 403
    assert client.post(reverse("council:report-supplement", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert not draft.is_released


@pytest.mark.django_db(transaction=True)
def test_the_browser_release_renders_outside_any_transaction(client, monkeypatch):
    """ATOMIC_REQUESTS is on, but the release renders with no transaction (and no lock) open: in
    the worker (``manage.py worker``, here in batch mode: the queued tasks, then it returns)."""
    User.objects.create_user("chefin", password="Heinsberg-2020", role="head")
    report = factories.report(date=DAY)
    seen = []

    def spy(html, fetcher=None):
        seen.append(connection.in_atomic_block)
        return b"%PDF-1.7 spy"

    monkeypatch.setattr(pdf_module, "html_to_pdf", spy)
    # force_login: django-axes (coming with the security issue) needs a request for client.login()
    client.force_login(User.objects.get(username="chefin"), backend=settings.AUTHENTICATION_BACKENDS[-1])
    response = client.post(reverse("council:report-release", args=[report.pk]), factories.release_confirmation(report))
    assert response.status_code == 302
    assert seen == []  # the request rendered nothing
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    finally:  # (the worker installs its own handlers in this process)
        for number, handler in handlers.items():
            signal.signal(number, handler)
    assert seen == [False]
    report.refresh_from_db()
    assert report.reference == "0001/2023" and bytes(report.file.content) == b"%PDF-1.7 spy"


def test_a_supplement_names_its_parent_only_to_those_who_may_read_it(login, demo):
    """The rule was written out in the report page's view; it is the model's now (need to know)."""
    lead_office = Report.objects.get(reference="0001/2020").lead_office
    parent = factories.report(lead_office=lead_office, title="Nichtöffentliche Grundvorlage", public=False)
    committee = factories.consultation(parent).committee
    supplement = factories.report(lead_office=lead_office, title="Öffentliche Ergänzung", supplements=parent)
    caseworker, head = User.objects.get(username="sb-drk"), User.objects.get(username="leitung")
    committee.members.remove(caseworker)
    assert supplement.supplemented_report_for(caseworker) is None
    assert supplement.supplemented_report_for(head) == parent
    assert "Nichtöffentliche Grundvorlage" not in login("sb-drk").get(supplement.get_absolute_url()).content.decode()
    committee.members.add(caseworker)
    assert supplement.supplemented_report_for(caseworker) == parent
    assert "Nichtöffentliche Grundvorlage" in login("sb-drk").get(supplement.get_absolute_url()).content.decode()
    assert factories.report(lead_office=lead_office).supplemented_report_for(head) is None
