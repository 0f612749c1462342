"""Need to know (issue 20, finding 7; SECURITY.md "Accounts and access"): reading is a rule too.

- Holder names: a caseworker reads the names of the people holding their own organisation's
  positions, and everyone's figures (FTE, money, status), never another organisation's holder
  names: not in the position list and its exports, the position page and its history, the
  organisation and programme pages, nor through the search. The department head and the
  administrator read every name.
- Non-public papers and minutes: only the department head, the administrator and the members of
  the committee that deals with them; everyone else gets 404 and does not see them in lists.
"""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from integration_admin.council.models import AgendaItem, Committee, Meeting, Report
from integration_admin.council.services import release_report
from integration_admin.models import User
from programs.models import Programme
from staffing.models import Organisation, Position
from tests import factories

LIST = reverse("staffing:position-list")
ON_A_DAY_WITH_EVERYONE = {"active_on": "01.06.2021"}  # all demo holders but the ABH's hold their positions then
KI_NAMES = ("Erika Musterfrau", "Max Mustermann", "Maria Musterfrau", "Moritz Mustermann")
DRK_NAMES = ("Lieschen Müller",)
ABH_NAMES = ("Otto Normalverbraucher",)


def shown(text: str, names) -> set[str]:
    return {name for name in names if name in text}


# --- The rule on the user ----------------------------------------------------------------------------


def test_the_reading_rule_per_role_and_organisation(demo):
    ki, drk = Organisation.objects.get(short_name="KI"), Organisation.objects.get(short_name="DRK")
    users = {name: User.objects.get(username=name) for name in ("sb-ki", "sb-drk", "leitung", "admin")}
    assert users["sb-ki"].can_read_holders(ki.pk) and not users["sb-ki"].can_read_holders(drk.pk)
    assert users["sb-drk"].can_read_holders(drk.pk) and not users["sb-drk"].can_read_holders(ki.pk)
    assert users["leitung"].can_read_holders(ki.pk) and users["admin"].can_read_holders(drk.pk)
    assert not users["sb-drk"].can_read_holders(None)


# --- Holder names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("sb-drk", set(DRK_NAMES)),
        ("sb-ki", set(KI_NAMES)),
        ("leitung", {*KI_NAMES, *DRK_NAMES}),
        ("admin", {*KI_NAMES, *DRK_NAMES}),
    ],
)
def test_position_list_shows_only_the_names_one_may_read(login, username, expected):
    html = login(username).get(LIST, ON_A_DAY_WITH_EVERYONE).content.decode()
    assert shown(html, (*KI_NAMES, *DRK_NAMES)) == expected
    assert "Case-Management" in html and "Teilhabemanagement" in html  # every organisation's positions
    if username.startswith("sb-"):
        assert "nicht einsehbar" in html  # the other organisations' holders, said so rather than "–"


def test_position_list_keeps_the_figures_of_other_organisations(login):
    drk_view = login("sb-drk").get(LIST, ON_A_DAY_WITH_EVERYONE).context["totals"]
    head_view = login("leitung").get(LIST, ON_A_DAY_WITH_EVERYONE).context["totals"]
    assert drk_view == head_view


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_exports_show_only_the_names_one_may_read(login, export):
    response = login("sb-drk").get(LIST, {**ON_A_DAY_WITH_EVERYONE, "_export": export})
    assert response.status_code == 200
    if export == "csv":
        text = response.content.decode("utf-8")
    else:
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        text = "\n".join(str(cell.value) for row in sheet.iter_rows() for cell in row)
    assert shown(text, (*KI_NAMES, *DRK_NAMES, *ABH_NAMES)) == set(DRK_NAMES)
    assert "Case-Management" in text  # the KI's positions are there, with their figures


def test_search_does_not_find_other_organisations_holders_by_name(login):
    def found(username: str, query: str) -> list[str]:
        response = login(username).get(LIST, {**ON_A_DAY_WITH_EVERYONE, "q": query, "_export": "csv"})
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
        organisation = table[0].index("Organisation")
        return sorted(row[organisation] for row in table[1:-1])

    assert found("sb-drk", "Musterfrau") == []  # only KI holders are called so
    assert found("sb-drk", "Normalverbraucher") == []
    assert found("sb-drk", "Lieschen") == ["DRK"]
    assert found("sb-ki", "Musterfrau") == ["KI", "KI"]
    assert found("leitung", "Normalverbraucher") == ["ABH"]


def test_position_page_and_history_without_other_organisations_names(login):
    position = Position.objects.get(organisation__short_name="KI", title="Teilhabemanagement")
    assignment = position.assignments.get(holder_name="Max Mustermann")
    assignment.holder_name = "Max Mustermann-Schulz"
    assignment._change_reason = "Heirat von Max Mustermann"
    assignment.save()
    html = login("sb-drk").get(position.get_absolute_url()).content.decode()
    assert "Mustermann" not in html and "Musterfrau" not in html  # list, history entries and reasons
    assert "nicht einsehbar" in html
    assert "0,5" in html  # the shares are figures: readable
    own = login("sb-ki").get(position.get_absolute_url()).content.decode()
    assert "Erika Musterfrau" in own and "Max Mustermann-Schulz" in own and "Heirat von Max Mustermann" in own


def test_organisation_and_programme_pages_without_other_organisations_names(login):
    ki = Organisation.objects.get(short_name="KI")
    kim = Programme.objects.get(short_name="KIM")
    for url in (ki.get_absolute_url(), reverse("programme-detail", args=[kim.pk])):
        assert "Maria Musterfrau" not in login("sb-drk").get(url).content.decode(), url
        assert "Maria Musterfrau" in login("sb-ki").get(url).content.decode(), url


def test_assignment_pages_of_another_organisation_stay_closed(login):
    assignment = Position.objects.get(organisation__short_name="KI", title="Teilhabemanagement").assignments.first()
    client = login("sb-drk")
    for name in ("staffing:assignment-update", "staffing:assignment-end", "staffing:assignment-delete"):
        response = client.get(reverse(name, args=[assignment.pk]))
        assert response.status_code == 403 and assignment.holder_name not in response.content.decode()


# --- Non-public papers and minutes -------------------------------------------------------------------


@pytest.fixture
def confidential(demo):
    """A non-public released paper on a non-public agenda item of a committee with sb-drk as its member."""
    committee = Committee.objects.create(name="Personalausschuss (Test)")
    committee.members.add(User.objects.get(username="sb-drk"))
    meeting = factories.meeting(committee, start=datetime.datetime(2021, 3, 1, 17, tzinfo=datetime.UTC))
    public_item = factories.agenda_item(meeting, "1", title="Öffentlicher Bericht")
    item = factories.agenda_item(
        meeting, "2", title="Nichtöffentlicher Punkt", public=False, result="vertagt", minutes="Geheime Niederschrift"
    )
    report = factories.report(title="Nichtöffentliche Vorlage (Test)", public=False)
    factories.consultation(report, item)
    release_report(report=report, user=User.objects.get(username="leitung"), render=lambda snapshot: b"%PDF-1.7 x")
    return {"committee": committee, "meeting": meeting, "item": item, "public_item": public_item, "report": report}


def confidential_urls(data) -> list[str]:
    item, report = data["item"], data["report"]
    return [
        reverse("council:report-detail", args=[report.pk]),
        reverse("council:report-preview", args=[report.pk]),
        reverse("council:report-pdf", args=[report.pk]),
        reverse("council:agendaitem-detail", args=[item.pk]),
        reverse("council:agendaitem-excerpt", args=[item.pk]),
        reverse("council:agendaitem-excerpt-pdf", args=[item.pk]),
    ]


@pytest.mark.parametrize(("username", "status"), [("sb-ki", 404), ("sb-drk", 200), ("leitung", 200), ("admin", 200)])
def test_non_public_papers_and_minutes_only_for_those_entitled(login, confidential, monkeypatch, username, status):
    from integration_admin.council import documents

    monkeypatch.setattr(documents, "render_document", lambda *args, **kwargs: b"%PDF-1.7 test")
    client = login(username)
    for url in confidential_urls(confidential):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 404:
            text = response.content.decode(errors="replace")
            assert "Nichtöffentlich" not in text and "Geheime Niederschrift" not in text


def test_lists_leave_out_what_one_may_not_read(login, confidential):
    meeting, committee = confidential["meeting"], confidential["committee"]
    pages = [
        reverse("council:report-list"),
        meeting.get_absolute_url(),
        reverse("council:meeting-list"),
        committee.get_absolute_url(),
        reverse("council:agendaitem-detail", args=[confidential["public_item"].pk]),
    ]
    for url in pages:
        html = login("sb-ki").get(url).content.decode()
        assert "Nichtöffentliche Vorlage (Test)" not in html and "Nichtöffentlicher Punkt" not in html, url
    assert "Öffentlicher Bericht" in login("sb-ki").get(meeting.get_absolute_url()).content.decode()
    for username in ("sb-drk", "leitung"):
        assert "Nichtöffentliche Vorlage (Test)" in login(username).get(reverse("council:report-list")).content.decode()
        assert "Nichtöffentlicher Punkt" in login(username).get(meeting.get_absolute_url()).content.decode()


def test_item_counts_count_only_readable_items(login, confidential):
    meeting = confidential["meeting"]
    rows = login("sb-ki").get(reverse("council:meeting-list"), {"committee": confidential["committee"].pk})
    counts = {row.record.pk: row.record.item_count for row in rows.context["table"].rows}
    assert counts[meeting.pk] == 1
    rows = login("leitung").get(reverse("council:meeting-list"), {"committee": confidential["committee"].pk})
    assert {row.record.pk: row.record.item_count for row in rows.context["table"].rows}[meeting.pk] == 2


def test_readable_by_is_the_rule_in_the_database(confidential):
    item, report = confidential["item"], confidential["report"]
    sb_ki, sb_drk, head = (User.objects.get(username=name) for name in ("sb-ki", "sb-drk", "leitung"))
    assert not Report.objects.readable_by(sb_ki).filter(pk=report.pk).exists()
    assert Report.objects.readable_by(sb_drk).filter(pk=report.pk).exists()
    assert Report.objects.readable_by(head).filter(pk=report.pk).exists()
    assert not AgendaItem.objects.readable_by(sb_ki).filter(pk=item.pk).exists()
    assert AgendaItem.objects.readable_by(sb_drk).filter(pk=item.pk).exists()
    # public records stay readable for everyone, once each (no duplicate rows from the membership join)
    confidential["committee"].members.add(sb_ki, head)
    public = Report.objects.filter(public=True)
    assert list(Report.objects.readable_by(sb_ki).filter(public=True)) == list(public)
    assert Meeting.objects.filter(pk=confidential["meeting"].pk).exists()
    assert AgendaItem.objects.readable_by(sb_drk).filter(meeting=confidential["meeting"]).count() == 2


def test_committee_members_are_kept_in_the_committee_form(login, confidential):
    committee = confidential["committee"]
    client = login("leitung")
    url = reverse("council:committee-update", args=[committee.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="members"' in page.content.decode()
    sb_ki = User.objects.get(username="sb-ki")
    response = client.post(
        url,
        {
            "name": committee.name,
            "short_name": "",
            "classification": "Ausschuss",
            "sort_order": "0",
            "members": [str(sb_ki.pk)],
            "revision": str(committee.revision),
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert list(committee.members.all()) == [sb_ki]
    assert login("sb-ki").get(reverse("council:report-detail", args=[confidential["report"].pk])).status_code == 200
    assert login("sb-drk").get(reverse("council:report-detail", args=[confidential["report"].pk])).status_code == 404


def test_public_paper_does_not_show_the_result_of_a_non_public_item(login, confidential):
    """A public paper dealt with under a non-public agenda item: the paper is readable, the item's
    result is not (the Beratungsfolge names the TOP, without link and result)."""
    public = factories.report(title="Öffentliche Vorlage (Test)")
    item = factories.agenda_item(confidential["meeting"], "3", public=False, result="Geheimes Ergebnis")
    factories.consultation(public, item)
    url = reverse("council:report-detail", args=[public.pk])
    html = login("sb-ki").get(url).content.decode()
    assert "Öffentliche Vorlage (Test)" in html
    assert "Geheimes Ergebnis" not in html and item.get_absolute_url() not in html
    for username in ("sb-drk", "leitung"):  # a member of the committee, the department head
        html = login(username).get(url).content.decode()
        assert "Geheimes Ergebnis" in html and item.get_absolute_url() in html


def test_the_fragment_cache_keeps_names_to_those_who_may_read_them(login, settings):
    """The position table is cached by its content: a page the department head saw (with the KI's
    names) is not served from the cache to the DRK's caseworker, nor the other way round."""
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")  # the cache is on
    ki = Organisation.objects.get(short_name="KI")
    for url in (LIST + "?active_on=01.06.2021&per_page=10", ki.get_absolute_url()):
        assert "Maria Musterfrau" in login("leitung").get(url).content.decode()
        assert "Maria Musterfrau" not in login("sb-drk").get(url).content.decode()
        assert "Maria Musterfrau" in login("sb-ki").get(url).content.decode()


def test_council_papers_show_no_holder_names(login, demo):
    """The paper (preview and PDF text come from the same snapshot) shows FTE per organisation, never names."""
    report = Report.objects.get(reference="0001/2020")
    html = login("sb-drk").get(reverse("council:report-preview", args=[report.pk])).content.decode()
    assert "Teilhabemanagement" in html
    assert not shown(html, (*KI_NAMES, *DRK_NAMES, *ABH_NAMES))


def test_public_paper_prints_nothing_of_a_non_public_item(login, confidential):
    """Review finding: the preview and the released PDF of a public paper printed a non-public item's
    title and result (its "Bezug" and its Beratungsfolge), and OParl serves that PDF to anyone."""
    secret = factories.agenda_item(
        confidential["meeting"], "4", public=False, title="Geheimer Titel", result="Geheimes Ergebnis"
    )
    public = factories.report(title="Öffentliche Vorlage mit Bezug (Test)", related_agenda_item=secret)
    factories.consultation(public, secret)
    preview = login("sb-ki").get(reverse("council:report-preview", args=[public.pk])).content.decode()
    assert "Öffentliche Vorlage mit Bezug (Test)" in preview
    assert "Geheimer Titel" not in preview and "Geheimes Ergebnis" not in preview
    assert "nichtöffentlicher Tagesordnungspunkt" in preview
    detail = login("sb-ki").get(reverse("council:report-detail", args=[public.pk])).content.decode()
    assert secret.get_absolute_url() not in detail  # the citation stays, without a link into a 404

    release_report(report=public, user=User.objects.get(username="leitung"), render=lambda snapshot: b"%PDF-1.7 x")
    public.refresh_from_db()
    frozen = str(public.snapshot)
    assert "Geheimer Titel" not in frozen and "Geheimes Ergebnis" not in frozen

    # In a non-public paper of the same committee both stay: its readers may read the item.
    internal = factories.report(title="Interne Vorlage (Test)", public=False, related_agenda_item=secret)
    factories.consultation(internal, secret)
    preview = login("sb-drk").get(reverse("council:report-preview", args=[internal.pk])).content.decode()
    assert "Geheimer Titel" in preview and "Geheimes Ergebnis" in preview


def test_excerpt_of_a_public_item_names_only_public_papers(login, confidential):
    """Review finding: the excerpt of a public item listed a non-public paper consulted under it."""
    public_item = confidential["public_item"]
    factories.consultation(factories.report(title="Geheime Vorlage (Test)", public=False), public_item)
    factories.consultation(factories.report(title="Offene Vorlage (Test)"), public_item)
    html = login("sb-ki").get(reverse("council:agendaitem-excerpt", args=[public_item.pk])).content.decode()
    assert "Offene Vorlage (Test)" in html
    assert "Geheime Vorlage (Test)" not in html
