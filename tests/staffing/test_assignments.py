"""Assigning people to positions, ending and deleting assignments, the position page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from staffing.models import Assignment, Position
from tests import factories

D = datetime.date


@pytest.fixture
def drk_position(demo):
    """DRK Teilhabemanagement: 1,0 FTE until 31.12.2022, held by Lieschen Müller from 15.09.2020."""
    return Position.objects.get(organisation__short_name="DRK")


@pytest.fixture
def open_position(demo):
    """A DRK position of 1,0 FTE from 01.01.2021 to 31.12.2022 without holders."""
    drk = Position.objects.get(organisation__short_name="DRK")
    return factories.position(
        drk.building_block, drk.organisation, "1.0", title="Neue DRK-Stelle", start=D(2021, 1, 1), end=D(2022, 12, 31)
    )


def create_url(position):
    return reverse("staffing:assignment-create", args=[position.pk])


def test_assign_a_person(login, open_position):
    client = login("sb-drk")
    response = client.get(create_url(open_position))
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["fte_share"] == Decimal("1.000")  # what is free
    response = client.post(
        create_url(open_position),
        {"holder_name": "Paula Beispiel", "fte_share": "0,5", "start": "01.02.2021", "end": "31.12.2022"},
    )
    assert response.status_code == 302
    assert response["Location"] == open_position.get_absolute_url() + "#besetzungen"
    assignment = Assignment.objects.get(holder_name="Paula Beispiel")
    assert assignment.fte_share == Decimal("0.5") and assignment.start == D(2021, 2, 1)
    assert not assignment.is_illustrative
    assert assignment.history.first().history_user.username == "sb-drk"
    html = client.get(open_position.get_absolute_url()).content.decode()
    assert "Paula Beispiel" in html and "Besetzung Paula Beispiel angelegt" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"fte_share": "abc"}, "fte_share", "Bitte eine Zahl eingeben"),
        ({"fte_share": "0"}, "fte_share", "mindestens 0,001"),
        ({"fte_share": "-1"}, "fte_share", "mindestens 0,001"),
        ({"fte_share": "1e309"}, "fte_share", "Bitte eine Zahl eingeben"),
        ({"fte_share": "Infinity"}, "fte_share", "Bitte eine Zahl eingeben"),
        ({"fte_share": "1,5"}, "fte_share", "die Stelle hat aber nur 1,0 VZÄ"),  # more than the position has
        ({"start": "01.12.2020"}, "start", "beginnt vor der Stelle (01.01.2021)"),  # outside the position
        ({"end": "01.01.2023"}, "end", "endet nach der Stelle (31.12.2022)"),
        ({"end": "31.01.2021", "start": "01.02.2021"}, "end", "Ende der Besetzung liegt vor ihrem Beginn"),
        ({"start": "30.02.2021"}, "start", "TT.MM.JJJJ"),
        ({"start": ""}, "start", "zwingend erforderlich"),
        ({"holder_name": "Paula\x00Beispiel"}, "holder_name", "Nullzeichen"),
        ({"holder_name": "P" * 1_000_000}, "holder_name", "höchstens 200 Zeichen"),
        ({"holder_name": "Paula\x1fBeispiel"}, "holder_name", "Steuerzeichen"),
        ({"holder_name": "\u202eleipsieB aluaP"}, "holder_name", "Schreibrichtung"),  # right-to-left override
        ({"holder_name": "Paula \u2066Beispiel\u2069"}, "holder_name", "Schreibrichtung"),  # isolate
        ({"fte_share": "٠,٥"}, "fte_share", "Bitte eine Zahl eingeben"),  # Arabic-Indic digits
        ({"fte_share": "０,５"}, "fte_share", "Bitte eine Zahl eingeben"),  # full-width digits
        ({"fte_share": "5e-1"}, "fte_share", "Bitte eine Zahl eingeben"),
        ({"holder_name": "   "}, "holder_name", "zwingend erforderlich"),
    ],
)
def test_bad_assignments_get_a_german_message(login, open_position, data, field, message):
    factories.assignment(open_position, "0.5", D(2021, 1, 1), D(2022, 12, 31), name="Schon da")
    if field == "fte_share" and data["fte_share"] == "1,5":
        Assignment.objects.filter(position=open_position).delete()
    before = Assignment.objects.count(), Assignment.history.count()
    post = {"holder_name": "Paula Beispiel", "fte_share": "0,5", "start": "01.02.2021", "end": "31.12.2022", **data}
    response = login("sb-drk").post(create_url(open_position), post)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, [])), response.context["form"].errors
    assert "Es wurde nichts gespeichert" in response.content.decode()
    assert (Assignment.objects.count(), Assignment.history.count()) == before


def test_shares_are_checked_day_by_day(login, open_position):
    factories.assignment(open_position, "1.0", D(2021, 1, 1), D(2021, 12, 31), name="Erste")
    client = login("sb-drk")
    post = {"holder_name": "Zweite", "fte_share": "1", "start": "31.12.2021", "end": "31.12.2022"}
    response = client.post(create_url(open_position), post)
    assert "2,0 VZÄ" in response.context["form"].errors["fte_share"][0]
    response = client.post(create_url(open_position), {**post, "start": "01.01.2022"})
    assert response.status_code == 302


def test_end_an_assignment(login, drk_position):
    assignment = drk_position.assignments.get()
    client = login("sb-drk")
    url = reverse("staffing:assignment-end", args=[assignment.pk])
    revision = client.get(url).context["form"]["revision"].value()
    response = client.post(url, {"end": "30.06.2021", "revision": revision})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.end == D(2021, 6, 30)
    assert assignment.history.first().history_change_reason == "Besetzung beendet"
    response = client.post(url, {"end": "01.01.2020", "revision": assignment.revision})
    assert "vor ihrem Beginn" in response.context["form"].errors["end"][0]
    response = client.post(url, {"end": "", "revision": assignment.revision})
    assert response.context["form"].errors["end"]


def test_edit_and_delete_an_assignment(login, drk_position):
    assignment = drk_position.assignments.get()
    client = login("sb-drk")
    url = reverse("staffing:assignment-update", args=[assignment.pk])
    data = {"holder_name": "Lieschen Müller", "fte_share": "0,8", "start": "15.09.2020", "end": "31.12.2022"}
    response = client.post(url, {**data, "revision": assignment.revision})
    assert response.status_code == 302
    # Sent again with the revision it was opened with: someone (here: the same person) saved since.
    response = client.post(url, {**data, "fte_share": "0,7", "revision": assignment.revision})
    assert response.status_code == 409 and "inzwischen" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.fte_share == Decimal("0.8")
    delete = reverse("staffing:assignment-delete", args=[assignment.pk])
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    html = client.get(drk_position.get_absolute_url()).content.decode()
    assert "Besetzung Lieschen Müller gelöscht" in html


@pytest.mark.parametrize(
    "name", ["staffing:assignment-update", "staffing:assignment-end", "staffing:assignment-delete"]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_other_organisations_assignments_are_refused(login, name, method):
    ki_assignment = Assignment.objects.filter(position__organisation__short_name="KI").first()
    client = login("sb-drk")
    url = reverse(name, args=[ki_assignment.pk])
    data = {"holder_name": "X", "fte_share": "0,1", "start": "01.01.2021", "end": "31.12.2021"}
    response = getattr(client, method)(url, data if method == "post" else {})
    assert response.status_code == 403
    assert Assignment.objects.filter(pk=ki_assignment.pk, holder_name=ki_assignment.holder_name).exists()
    assert login("leitung").get(url).status_code == 403


def test_unknown_objects_give_404(login):
    client = login("sb-drk")
    for name in ("staffing:position-detail", "staffing:assignment-create", "staffing:assignment-end"):
        assert client.get(reverse(name, args=[999999])).status_code == 404


def test_position_page_shows_staffing_cost_funding_and_history(login, drk_position):
    client = login("leitung")
    html = client.get(drk_position.get_absolute_url()).content.decode()
    assert "Lieschen Müller" in html and "badge-illustrative" in html
    assert "Besetzungsverlauf und Vakanzen" in html
    assert "offen – 14.09.2020" in html  # vacant before the first holder
    assert "Personalkosten je Jahr" in html and "2022" in html
    assert "Änderungsverlauf" in html
    # The decisions that pay it come from funding: the page loads them into its section with htmx
    # (and links to them without JavaScript).
    financing_url = reverse("funding:position-financing", args=[drk_position.pk])
    assert f'hx-get="{financing_url}"' in html and f'href="{financing_url}"' in html
    financing = client.get(financing_url).content.decode()
    section = financing[financing.index('id="finanzierung"') :]
    assert "Teilhabemanagement (Förderbaustein 6)" in section  # the decision that pays it
    assert "Anteilsfinanzierung" in section
    assert "62.449,36\N{NO-BREAK SPACE}€" in section  # the DRK's own share of it


def test_position_page_queries_do_not_grow_with_assignments(login, data_queries, open_position):
    client = login("sb-drk")
    factories.assignment(open_position, "0.1", D(2021, 1, 1), D(2021, 1, 31))
    _, few = data_queries(client, open_position.get_absolute_url())
    for month in range(2, 13):
        factories.assignment(open_position, "0.1", D(2021, month, 1), D(2021, month, 28))
    response, many = data_queries(client, open_position.get_absolute_url())
    assert response.status_code == 200
    assert len(many) == len(few)
    # position, assignments, rates per year, pay-table entries, two histories; history labels of
    # changed foreign keys may add one (the demo's pay grade change)
    assert len(many) <= 7, many
