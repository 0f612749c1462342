"""OParl 1.1: every object reachable from the system validates against the schemas; only public data."""

import hashlib
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integration_admin.core.models import Body
from integration_admin.core.scopes import scope
from integration_admin.council.models import AgendaItem, Committee, Meeting, Report
from integration_admin.council.services import release_report
from integration_admin.models import User
from tests import factories
from tests.conftest import is_bookkeeping
from tests.council.oparl.validate import errors

pytestmark = pytest.mark.django_db

EXAMPLES = sorted((Path(__file__).parent / "examples").glob("*.json"))
LIST_KEYS = {"data", "pagination", "links"}


# The specification's own Meeting example omits the agenda item's required "order".
KNOWN_EXAMPLE_DEFECTS = {"Meeting-01": ["/agendaItem/0/ (AgendaItem): 'order' is a required property"]}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_the_validator_accepts_the_specifications_examples(example):
    obj = json.loads(example.read_text(encoding="utf-8"))
    assert errors(obj) == KNOWN_EXAMPLE_DEFECTS.get(example.stem, [])


def test_the_validator_rejects_broken_objects():
    assert errors({"id": "not a url", "type": "https://schema.oparl.org/1.1/Paper", "date": "31.12.2022"})
    assert errors(
        {
            "id": "https://x.example/",
            "type": "https://schema.oparl.org/1.1/Meeting",
            "agendaItem": [{"id": "https://x.example/a", "type": "https://schema.oparl.org/1.1/AgendaItem"}],
        }
    )


def crawl(client, start: str) -> dict[str, dict]:
    """Fetch every OParl URL reachable from ``start`` (our own host only), following lists and pages."""
    seen: dict[str, dict] = {}
    queue = [start]
    while queue:
        url = queue.pop()
        parts = urlsplit(url)
        if url in seen or parts.netloc != "testserver" or not parts.path.startswith("/oparl/v1/"):
            continue
        if parts.path.endswith(("/download/", "/access/")):  # the PDF itself
            continue
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/json"
        data = response.json()
        seen[url] = data

        def visit(value):
            if isinstance(value, str) and value.startswith("http://testserver/oparl/v1/"):
                queue.append(value)
            elif isinstance(value, dict):
                for item in value.values():
                    visit(item)
            elif isinstance(value, list):
                for item in value:
                    visit(item)

        visit(data)
    return seen


def objects_in(document: dict) -> list[dict]:
    return document["data"] if LIST_KEYS <= set(document) else [document]


def test_every_object_validates_against_the_oparl_schemas(client, demo):
    """Crawled as an anonymous client, as a council information system reads it."""
    crawled = crawl(client, "http://testserver" + reverse("council:oparl:system"))
    types = set()
    for url, document in crawled.items():
        if LIST_KEYS <= set(document):
            pagination = document["pagination"]
            assert set(pagination) == {"totalElements", "elementsPerPage", "currentPage", "totalPages"}, url
            assert {"first", "last", "self"} <= set(document["links"]), url
        for obj in objects_in(document):
            assert errors(obj) == [], (url, errors(obj))
            types.add(obj["type"].rsplit("/", 1)[1])
            if "/oparl/v1/" in obj["id"] and not LIST_KEYS <= set(document):
                assert obj["id"] == url, "an object is served at its id"
    assert {
        "System",
        "Body",
        "Organization",
        "Meeting",
        "AgendaItem",
        "Paper",
        "File",
        "Consultation",
        "Location",
    } <= types


def test_paper_and_file_describe_the_stored_pdf(client, demo):
    report = Report.objects.get(reference="0001/2020")
    paper = client.get(reverse("council:oparl:paper", args=[report.pk])).json()
    assert paper["reference"] == "0001/2020" and paper["paperType"] == "Mitteilungsvorlage"
    assert paper["date"] == "2020-08-12"
    assert paper["consultation"][0]["role"] == "Kenntnisnahme" and paper["consultation"][0]["authoritative"] is False
    main = paper["mainFile"]
    assert main["mimeType"] == "application/pdf" and main["fileName"] == "Vorlage-0001-2020.pdf"
    for url in (main["accessUrl"], main["downloadUrl"]):
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert len(response.content) == main["size"]
        assert hashlib.sha512(response.content).hexdigest() == main["sha512Checksum"]
        assert response.content[:5] == b"%PDF-"
    assert client.get(urlsplit(main["downloadUrl"]).path)["Content-Disposition"].startswith("attachment")


def test_only_public_data_is_exported(login):
    client = login("leitung")
    meeting = Meeting.objects.get(start__date="2020-08-25")
    secret = factories.agenda_item(meeting, "9", title="Personalangelegenheit", public=False)
    draft = factories.report(title="Entwurf, nicht veröffentlicht")
    private = factories.report(title="Nichtöffentliche Vorlage", public=False)
    release_report(report=private, user=User.objects.get(username="leitung"), render=lambda snapshot: b"%PDF-1.7 x")

    data = client.get(reverse("council:oparl:meeting", args=[meeting.pk])).json()
    assert [item["number"] for item in data["agendaItem"]] == ["5"]
    body = json.dumps(crawl(client, "http://testserver" + reverse("council:oparl:system")), ensure_ascii=False)
    assert "Personalangelegenheit" not in body and "Entwurf, nicht" not in body and "Nichtöffentliche" not in body
    for url in (
        reverse("council:oparl:agendaitem", args=[secret.pk]),
        reverse("council:oparl:paper", args=[draft.pk]),
        reverse("council:oparl:paper", args=[private.pk]),
        reverse("council:oparl:file", args=[private.file.pk]),
        reverse("council:oparl:file-download", args=[private.file.pk]),
        reverse("council:oparl:body", args=[999999]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"


def test_lists_page_and_filter(login):
    client = login("leitung")
    committee = factories.committee()
    for _ in range(3):
        factories.meeting(committee)
    url = reverse("council:oparl:meeting-list", args=[1])
    first = client.get(url, {"limit": 2}).json()
    assert first["pagination"] == {"totalElements": 5, "elementsPerPage": 2, "currentPage": 1, "totalPages": 3}
    assert "next" in first["links"] and "prev" not in first["links"]
    last = client.get(urlsplit(first["links"]["last"]).path + "?" + urlsplit(first["links"]["last"]).query).json()
    assert last["pagination"]["currentPage"] == 3 and len(last["data"]) == 1 and "next" not in last["links"]
    assert client.get(url, {"page": 999, "limit": 2}).json()["pagination"]["currentPage"] == 3
    assert client.get(url, {"created_since": "2999-01-01T00:00:00+01:00"}).json()["pagination"]["totalElements"] == 0
    assert client.get(url, {"modified_until": "2000-01-01T00:00:00 01:00"}).json()["data"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"page": "abc"},
        {"limit": "-1"},
        {"limit": "1e309"},
        {"created_since": "gestern"},
        {"modified_until": "\x00"},
        {"created_until": "2020-13-45T99:00:00"},
        {"page": "9" * 50},
    ],
)
def test_bad_list_parameters_answer_400_in_json(login, query):
    client = login("leitung")
    response = client.get(reverse("council:oparl:paper-list", args=[1]), query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 400


def test_oparl_is_public_without_login(client, demo):
    """OParl is the public interface: anonymous clients read it, with no redirect to the login page."""
    for name, args in (("system", []), ("body-list", []), ("paper-list", [1]), ("meeting-list", [1])):
        response = client.get(reverse(f"council:oparl:{name}", args=args))
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/json"
    stored = Report.objects.get(reference="0001/2020").file
    for name in ("file-access", "file-download"):
        response = client.get(reverse(f"council:oparl:{name}", args=[stored.pk]))
        assert response.status_code == 200 and response.content[:5] == b"%PDF-", name
    assert client.post(reverse("council:oparl:system")).status_code == 405


def test_anonymous_and_logged_in_clients_read_the_same(client, login):
    url = reverse("council:oparl:paper-list", args=[1])
    anonymous = client.get(url).json()
    assert anonymous == login("leitung").get(url).json()


def test_nothing_non_public_for_anyone(login, client):
    """Non-public agenda items, papers and their consultations stay out of OParl, for the anonymous
    client and for the department head alike; public consultations do not point at non-public items."""
    meeting = Meeting.objects.get(start__date="2020-08-25")
    secret = factories.agenda_item(meeting, "9", title="Personalangelegenheit", public=False, result="vertagt")
    public = Report.objects.get(reference="0001/2020")
    consultation = factories.consultation(public, secret)
    private = factories.report(title="Nichtöffentliche Vorlage", public=False)
    factories.consultation(private, secret)
    release_report(report=private, user=User.objects.get(username="leitung"), render=lambda snapshot: b"%PDF-1.7 x")
    committee = meeting.committee
    committee.members.add(User.objects.get(username="sb-drk"))
    for reader in (client, login("leitung")):
        crawled = crawl(reader, "http://testserver" + reverse("council:oparl:system"))
        body = json.dumps(crawled, ensure_ascii=False)
        assert "Personalangelegenheit" not in body and "Nichtöffentliche" not in body
        assert reverse("council:oparl:agendaitem", args=[secret.pk]) not in body
        assert "Sachbearbeitung DRK" not in body and "Dezernatsleitung" not in body  # no users: members, who released
        found = reader.get(reverse("council:oparl:consultation", args=[consultation.pk])).json()
        assert "agendaItem" not in found and found["meeting"].endswith(f"/meeting/{meeting.pk}/")
        for url in (
            reverse("council:oparl:agendaitem", args=[secret.pk]),
            reverse("council:oparl:paper", args=[private.pk]),
            reverse("council:oparl:file-access", args=[private.file.pk]),
        ):
            assert reader.get(url).status_code == 404, url
    people = client.get(reverse("council:oparl:person-list", args=[1])).json()
    assert people["data"] == [] and people["pagination"]["totalElements"] == 0


def test_only_get(login):
    client = login("admin")
    assert client.post(reverse("council:oparl:system")).status_code == 405


def count_queries(client, url, query=None) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, query or {}).status_code == 200
    return len([q for q in context.captured_queries if not is_bookkeeping(q["sql"])])


def test_list_queries_do_not_grow(login):
    client = login("leitung")
    meetings_url = reverse("council:oparl:meeting-list", args=[1])
    papers_url = reverse("council:oparl:paper-list", args=[1])
    before = count_queries(client, meetings_url, {"limit": 100}), count_queries(client, papers_url, {"limit": 100})
    committee = factories.committee()
    leitung = User.objects.get(username="leitung")
    for number in range(10):
        meeting = factories.meeting(committee)
        item = factories.agenda_item(meeting)
        report = factories.report(title=f"Vorlage {number}")
        factories.consultation(report, item)
        release_report(report=report, user=leitung, render=lambda snapshot: b"%PDF-1.7 x")
    after = count_queries(client, meetings_url, {"limit": 100}), count_queries(client, papers_url, {"limit": 100})
    assert after == before
    assert AgendaItem.objects.count() > 10 and Report.objects.published().count() == 11


def test_json_answers_allow_every_origin(client, demo):
    """OParl 1.1, section CORS: every JSON answer (errors too) carries ``Access-Control-Allow-Origin: *``,
    so web applications on other hosts can read the public data; files need not."""
    for url in (
        reverse("council:oparl:system"),
        reverse("council:oparl:paper-list", args=[1]),
        reverse("council:oparl:paper", args=[999999]),
        reverse("council:oparl:paper-list", args=[1]) + "?limit=x",
    ):
        response = client.get(url)
        assert response["Content-Type"] == "application/json"
        assert response["Access-Control-Allow-Origin"] == "*", url
        assert "Access-Control-Allow-Methods" not in response


def test_access_url_is_inline_with_an_etag(client, demo):
    stored = Report.objects.get(reference="0001/2020").file
    response = client.get(reverse("council:oparl:file-access", args=[stored.pk]))
    assert response["Content-Disposition"].startswith("inline;")  # the specification forbids "attachment" here
    assert response["ETag"] == f'"{stored.sha256}"' and response["Content-Length"] == str(stored.size)


def test_oparl_speaks_german_whatever_language_the_client_chose(client, login):
    url = reverse("council:oparl:paper", args=[Report.objects.get(reference="0001/2020").pk])
    german = client.get(url).json()
    client.cookies["django_language"] = "en"
    english_cookie = client.get(url)
    assert english_cookie.json() == german and german["paperType"] == "Mitteilungsvorlage"
    assert english_cookie["Content-Language"] == "de"


def test_each_body_lists_only_its_own_committees_meetings_and_papers(client, demo):
    """Both demo bodies are in the system's body list; each body's lists hold its own records only
    (the Musterkreis' "Ausschuss für Integration" under the Musterkreis, the Kreis Heinsberg's
    papers under the Kreis Heinsberg)."""
    bodies = {body["shortName"]: body for body in client.get(reverse("council:oparl:body-list")).json()["data"]}
    assert {"HS", "MK"} <= set(bodies)
    own = {}
    for short_name in ("HS", "MK"):
        with scope(body=Body.objects.get(short_name=short_name)):
            own[short_name] = {
                "organization": {
                    reverse("council:oparl:organization", args=[pk])
                    for pk in Committee.objects.values_list("pk", flat=True)
                },
                "meeting": {
                    reverse("council:oparl:meeting", args=[pk]) for pk in Meeting.objects.values_list("pk", flat=True)
                },
                "paper": {
                    reverse("council:oparl:paper", args=[pk]) for pk in Report.objects.values_list("pk", flat=True)
                },
            }
    listed = {}
    for short_name, body in bodies.items():
        if short_name not in own:
            continue
        listed[short_name] = {}
        for kind in ("organization", "meeting", "paper"):
            data = client.get(urlsplit(body[kind]).path).json()["data"]
            listed[short_name][kind] = {urlsplit(obj["id"]).path for obj in data}
            assert listed[short_name][kind] <= own[short_name][kind], (short_name, kind)
            assert all(obj.get("body", body["id"]) == body["id"] for obj in data), (short_name, kind)
    muster_committees = client.get(urlsplit(bodies["MK"]["organization"]).path).json()["data"]
    assert [committee["name"] for committee in muster_committees] == ["Ausschuss für Integration"]
    heinsberg_committees = client.get(urlsplit(bodies["HS"]["organization"]).path).json()["data"]
    assert "Ausschuss für Integration" not in {committee["name"] for committee in heinsberg_committees}
    assert listed["HS"]["paper"] and not listed["MK"]["paper"]
    assert listed["HS"]["meeting"] and listed["HS"]["organization"]
