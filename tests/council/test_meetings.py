"""Committees, meetings, agenda items and composing a report in the browser."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integration_admin.council.models import AgendaItem, Committee, Consultation, Meeting, Report, ReportSection
from programs.models import Programme
from staffing.models import Organisation
from tests import factories

pytestmark = pytest.mark.django_db

BAD_INPUTS = ["\x00", "x" * 1_000_000, "1e309", "NaN", "abc", "-5", "31.02.2020", "99999999999999999999"]


def test_meeting_pages_need_login(client):
    response = client.get(reverse("council:meeting-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_demo_sessions_are_listed(login):
    client = login("sb-drk")
    html = client.get(reverse("council:meeting-list")).content.decode()
    assert "25.08.2020, 17:00" in html and "04.02.2020, 17:00" in html and "Kreisausschuss" in html
    meeting = Meeting.objects.get(start__date=datetime.date(2020, 8, 25))
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "zur Kenntnis genommen" in html and "0001/2020" in html and "illustrativ" in html


def test_head_creates_a_meeting_with_german_date_and_time(login):
    client = login("leitung")
    committee = Committee.objects.get(name="Kreisausschuss")
    data = {
        "committee": committee.pk,
        "day": "10.11.2020",
        "start_time": "17:30",
        "end_time": "19.15",
        "location": "Kreishaus",
        "state": "planned",
    }
    response = client.post(reverse("council:meeting-create"), data)
    meeting = Meeting.objects.get(start__date=datetime.date(2020, 11, 10))
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert timezone.localtime(meeting.start).strftime("%H:%M") == "17:30"
    assert timezone.localtime(meeting.end).strftime("%H:%M") == "19:15"


def test_meeting_ending_before_it_starts_is_refused(login):
    client = login("leitung")
    committee = Committee.objects.get(name="Kreisausschuss")
    data = {
        "committee": committee.pk,
        "day": "10.11.2020",
        "start_time": "17:30",
        "end_time": "16:00",
        "state": "planned",
    }
    response = client.post(reverse("council:meeting-create"), data)
    assert response.status_code == 200
    assert "Das Ende der Sitzung liegt vor ihrem Beginn." in response.content.decode()
    assert not Meeting.objects.filter(start__date=datetime.date(2020, 11, 10)).exists()


def test_bad_input_gives_german_errors_never_500(login):
    client = login("leitung")
    meeting = Meeting.objects.get(start__date=datetime.date(2020, 8, 25))
    counts = (Meeting.objects.count(), AgendaItem.objects.count(), Report.objects.count())
    for bad in BAD_INPUTS:
        small = "x" if len(bad) > 1000 else bad  # one megabyte per form: Django refuses bodies over 2,5 MB anyway
        responses = [
            client.post(
                reverse("council:meeting-create"),
                {"committee": small, "day": small, "start_time": small, "state": small, "location": bad},
            ),
            client.post(
                reverse("council:agendaitem-create", args=[meeting.pk]),
                {"number": small, "order": small, "title": bad, "votes_yes": small, "minutes": small},
            ),
            client.post(
                reverse("council:report-create"),
                {"title": bad, "paper_type": small, "date": small, "lead_office": small, "related_agenda_item": small},
            ),
            client.post(
                reverse("council:committee-create"), {"name": bad, "classification": small, "sort_order": small}
            ),
        ]
        for response in responses:
            assert response.status_code == 200, repr(bad[:20])
            assert "Bitte die markierten Angaben korrigieren" in response.content.decode()
        for url in (reverse("council:meeting-list"), reverse("council:report-list")):
            query = {"committee": small, "start_from": small, "year": small, "q": small, "status": small}
            assert client.get(url, {**query, "per_page": small}).status_code == 200
    assert counts == (Meeting.objects.count(), AgendaItem.objects.count(), Report.objects.count())


def test_agenda_item_numbers_are_unique_per_meeting(login):
    client = login("leitung")
    meeting = Meeting.objects.get(start__date=datetime.date(2020, 8, 25))
    response = client.post(
        reverse("council:agendaitem-create", args=[meeting.pk]),
        {"number": "5", "order": 9, "title": "Doppelt", "public": "on"},
    )
    assert response.status_code == 200
    assert "Diese TOP-Nummer gibt es in der Sitzung schon." in response.content.decode()
    response = client.post(
        reverse("council:agendaitem-create", args=[meeting.pk]),
        {
            "number": "5.1",
            "order": 9,
            "title": "Neu",
            "public": "on",
            "result": "vertagt",
            "votes_yes": "12",
            "votes_no": "0",
            "votes_abstain": "3",
        },
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get(meeting=meeting, number="5.1")
    assert (item.votes_yes, item.votes_no, item.votes_abstain, item.result) == (12, 0, 3, "vertagt")


def test_deleting_what_a_paper_refers_to_is_refused_with_a_message(login):
    client = login("leitung")
    meeting = Meeting.objects.get(start__date=datetime.date(2020, 8, 25))
    item = meeting.agenda_items.get(number="5")
    for url, obj in [
        (reverse("council:meeting-delete", args=[meeting.pk]), meeting),
        (reverse("council:agendaitem-delete", args=[item.pk]), item),
        (reverse("council:committee-delete", args=[meeting.committee_id]), meeting.committee),
    ]:
        response = client.post(url, follow=True)
        assert response.status_code == 200
        assert "kann nicht gelöscht werden" in response.content.decode()
        assert type(obj).objects.filter(pk=obj.pk).exists()
    spare = factories.meeting(meeting.committee)
    factories.agenda_item(spare)
    assert client.post(reverse("council:meeting-delete", args=[spare.pk])).status_code == 302
    assert not Meeting.objects.filter(pk=spare.pk).exists()


def test_caseworkers_read_but_do_not_manage_meetings(login):
    client = login("sb-drk")
    meeting = Meeting.objects.get(start__date=datetime.date(2020, 8, 25))
    item = meeting.agenda_items.first()
    assert client.get(meeting.get_absolute_url()).status_code == 200
    assert client.get(item.get_absolute_url()).status_code == 200
    for url in [
        reverse("council:meeting-create"),
        reverse("council:meeting-update", args=[meeting.pk]),
        reverse("council:meeting-delete", args=[meeting.pk]),
        reverse("council:agendaitem-create", args=[meeting.pk]),
        reverse("council:agendaitem-update", args=[item.pk]),
        reverse("council:agendaitem-delete", args=[item.pk]),
        reverse("council:committee-create"),
        reverse("council:committee-update", args=[meeting.committee_id]),
    ]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"title": "x"}).status_code == 403, url


def test_head_composes_a_report_in_the_browser(login):
    client = login("leitung")
    ki = Organisation.objects.get(short_name="KI")
    response = client.post(
        reverse("council:report-create"),
        {
            "title": "Sachstand Integrationsmanagement",
            "paper_type": "notice",
            "date": "01.03.2021",
            "public": "on",
            "lead_office": ki.pk,
            "proposal": "Der Bericht wird zur Kenntnis genommen.",
            "signature_prefix": "In Vertretung",
            "signatory_name": "Stepprath",
            "signatory_title": "Dezernent",
        },
    )
    report = Report.objects.get(title="Sachstand Integrationsmanagement")
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    kim = Programme.objects.get(short_name="KIM")
    response = client.post(
        reverse("council:section-create", args=[report.pk]),
        {"order": 1, "heading": "KIM", "programme": kim.pk, "text": "Stand der Umsetzung."},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("council:section-create", args=[report.pk]), {"order": 2, "heading": "Noch einmal", "programme": kim.pk}
    )
    assert "Dieses Programm hat in der Vorlage schon einen Abschnitt." in response.content.decode()
    item = factories.agenda_item(factories.meeting(Committee.objects.get(name="Kreisausschuss")), "7")
    response = client.post(
        reverse("council:consultation-create", args=[report.pk]),
        {"committee": item.meeting.committee_id, "agenda_item": item.pk, "role": "notice", "order": 1},
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get(report=report)
    assert consultation.meeting == item.meeting  # follows from the agenda item
    assert ReportSection.objects.filter(report=report).count() == 1
    report.refresh_from_db()
    assert report.revision == 3  # every change to the parts counts (the release checks it)
    html = client.get(reverse("council:report-preview", args=[report.pk])).content.decode()
    assert "Stand der Umsetzung." in html and "Case-Management" in html and 'class="sheet draft"' in html


def test_consultation_must_fit_together(login):
    client = login("leitung")
    report = factories.report()
    other_committee = factories.committee("Integrationsrat")
    item = AgendaItem.objects.get(number="5")
    other_meeting = Meeting.objects.get(start__date=datetime.date(2020, 2, 4))
    response = client.post(
        reverse("council:consultation-create", args=[report.pk]),
        {
            "committee": item.meeting.committee_id,
            "meeting": other_meeting.pk,
            "agenda_item": item.pk,
            "role": "notice",
            "order": 1,
        },
    )
    assert "Der Tagesordnungspunkt gehört zu einer anderen Sitzung." in response.content.decode()
    response = client.post(
        reverse("council:consultation-create", args=[report.pk]),
        {"committee": other_committee.pk, "agenda_item": item.pk, "role": "decision", "order": 1},
    )
    assert "Die Sitzung ist eine Sitzung eines anderen Gremiums." in response.content.decode()
    factories.consultation(report, item)
    response = client.post(
        reverse("council:consultation-create", args=[report.pk]),
        {"committee": item.meeting.committee_id, "agenda_item": item.pk, "role": "notice", "order": 2},
    )
    assert "Die Vorlage steht schon unter diesem Tagesordnungspunkt." in response.content.decode()
    assert report.consultations.count() == 1


def _make_meetings(count: int) -> None:
    committee = factories.committee()
    start = timezone.make_aware(datetime.datetime(2019, 1, 1, 17))
    for day in range(count):
        meeting = factories.meeting(committee, start=start + datetime.timedelta(days=day))
        factories.agenda_item(meeting)


def _make_reports(count: int) -> None:
    office = factories.organisation()
    for number in range(count):
        factories.report(lead_office=office, title=f"Bericht {number}")


def data_queries(client, url, query) -> tuple[int, list[str]]:
    """The page's own SQL: without transaction statements, the session and the logged-in user."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, query)
    bookkeeping = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK")
    sqls = [q["sql"] for q in context.captured_queries]
    return response.status_code, [
        sql
        for sql in sqls
        if not sql.startswith(bookkeeping)
        and '"django_session"' not in sql
        and 'FROM "integration_admin_user"' not in sql
    ]


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("council:meeting-list", _make_meetings),
        ("council:report-list", _make_reports),
        ("council:committee-list", lambda n: [factories.committee() for _ in range(n)]),
    ],
)
def test_list_pages_use_a_constant_number_of_queries(login, url_name, make):
    client = login("leitung")
    make(100)
    counts = []
    for per_page in (10, 100):
        status, sqls = data_queries(client, reverse(url_name), {"per_page": per_page})
        assert status == 200
        # the count (twice: ListView and table), the filter's choices, the rows
        assert len(sqls) <= 4, sqls
        counts.append(len(sqls))
    assert counts[0] == counts[1]


def test_htmx_gets_only_the_table(login):
    client = login("leitung")
    response = client.get(reverse("council:report-list"), {"status": "released"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "0001/2020" in html and "<nav" not in html
