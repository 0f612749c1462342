"""/positions/: occupancy (held, partly held, free) beside the status, and the list's defaults
(cost year of the list's day, a caseworker's own organisation first). Issue 25."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from programs.models import Programme
from staffing.models import EmployerContributionRate, Organisation, PositionStatus
from tests import factories
from tests.conftest import login_as

LIST = reverse("staffing:position-list")
ABH = "Zusätzliche Stelle Ausländer- und Einbürgerungsbehörde"
ALL = {"organisation": ""}  # "alle": a caseworker's list otherwise starts with their own organisation


def titles(response) -> set[str]:
    return {row.record.title for row in response.context["table"].paginated_rows}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # today: Case-Management 1,5 of 5,0 held, the ABH's 1,0 held; Teilhabemanagement ended 2022
        ({"occupancy": "held"}, {ABH}),
        ({"occupancy": "partly"}, {"Case-Management"}),
        ({"occupancy": "free"}, set()),
        ({"occupancy": "vacant"}, {"Case-Management"}),
        ({"active_on": "01.06.2021", "occupancy": "held"}, {"Teilhabemanagement", ABH}),
        ({"active_on": "01.06.2021", "occupancy": "partly"}, {"Case-Management"}),
        # before the first holders: Case-Management (5,0) is fully free, Teilhabemanagement is not yet held
        ({"active_on": "01.08.2020", "occupancy": "free"}, {"Teilhabemanagement", "Case-Management"}),
    ],
)
def test_occupancy_filter_against_the_demo(login, query, expected):
    response = login("leitung").get(LIST, query)
    assert response.status_code == 200
    assert titles(response) == expected


def test_a_fully_vacant_approved_position_is_found_as_free(login):
    kim = Organisation.objects.get(short_name="KI")
    position = factories.position(org=kim, fte="0.75", title="Ganz frei", status=PositionStatus.APPROVED)
    client = login("sb-ki")
    free = client.get(LIST, {**ALL, "occupancy": "free"})
    assert titles(free) == {"Ganz frei"}
    assert free.context["totals"]["vacant"] == Decimal("0.750")
    with_free_share = client.get(LIST, {**ALL, "occupancy": "vacant"})
    assert titles(with_free_share) == {"Ganz frei", "Case-Management"}
    assert with_free_share.context["totals"]["vacant"] == Decimal("4.250")  # 3,5 + 0,75
    assert "Ganz frei" not in titles(client.get(LIST, {**ALL, "occupancy": "held"}))
    # its status stays "bewilligt", its occupancy column says "unbesetzt"
    html = client.get(LIST, {**ALL, "q": "Ganz frei"}).content.decode()
    assert 'occupancy-free">unbesetzt</span>' in html
    assert 'status-approved">bewilligt</span>' in html
    assert position.status == PositionStatus.APPROVED


def test_occupancy_column_in_the_list_and_the_export(login):
    client = login("leitung")
    response = client.get(LIST)
    assert response.context["table"].columns["occupancy"].header == "Besetzung"
    html = response.content.decode()
    assert 'occupancy-partly">teilweise besetzt</span>' in html  # Case-Management
    assert 'occupancy-held">besetzt</span>' in html  # the ABH
    response = client.get(LIST, {"_export": "csv"})
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    column = lines[0].index("Besetzung")
    by_title = {line[lines[0].index("Bezeichnung")]: line[column] for line in lines[1:]}
    assert by_title["Case-Management"] == "teilweise besetzt"
    assert by_title[ABH] == "besetzt"
    assert by_title["Strategischer Overhead"] == ""  # only applicable: nobody can hold it yet


def test_status_filter_offers_no_occupancy(login):
    response = login("leitung").get(LIST)
    choices = dict(response.context["filter"].form.fields["status"].choices)
    assert PositionStatus.VACANT not in choices and PositionStatus.FILLED not in choices
    assert PositionStatus.APPROVED in choices and PositionStatus.ENDED in choices


def test_status_approved_finds_positions_recorded_as_filled_or_vacant(login):
    vacant = factories.position(title="Als unbesetzt erfasst", status=PositionStatus.VACANT)
    response = login("leitung").get(LIST, {"status": PositionStatus.APPROVED})
    # Teilhabemanagement (2x) and Case-Management are approved, the ABH's recorded as "besetzt"
    assert titles(response) == {"Teilhabemanagement", "Case-Management", ABH, vacant.title}


def test_status_vacant_is_refused_with_a_german_message(login):
    response = login("leitung").get(LIST, {"status": PositionStatus.VACANT})
    assert response.status_code == 200
    assert "Bitte eine gültige Auswahl treffen" in " ".join(response.context["filter"].form.errors["status"])


def test_cost_year_follows_the_lists_day(login):
    client = login("leitung")
    response = client.get(LIST, {"active_on": "01.06.2021"})
    assert response.context["cost_year"] == 2021
    html = response.content.decode()
    assert "Jahreskosten 2021" in html and 'id="cost-year-note"' not in html
    assert 'value="2021" selected' in html  # the form shows the year it used
    # an explicit cost year wins over the day
    assert client.get(LIST, {"active_on": "01.06.2021", "year": "2022"}).context["cost_year"] == 2022


def test_a_day_without_pay_data_uses_the_nearest_year_and_says_so(login):
    this_year = timezone.localdate().year
    assert not EmployerContributionRate.objects.filter(year=this_year).exists()  # the demo has 2020–2022
    html = login("leitung").get(LIST).content.decode()
    assert "Jahreskosten 2022" in html
    assert (
        f"Für {this_year} liegen keine Entgeltdaten (Entgelttabelle, Arbeitgeberanteile) vor; "
        "die Jahreskosten sind die von 2022."
    ) in html
    # a day before the first year with pay data: the first year
    response = login("leitung").get(LIST, {"active_on": "01.06.2019"})
    assert response.context["cost_year"] == 2020
    assert "Für 2019 liegen keine Entgeltdaten" in response.content.decode()


def test_holders_shown_on_the_first_view_match_the_cost_year(login):
    """The first view counts holders and cost for the same time: today and the latest pay year."""
    client = login("sb-ki")
    response = client.get(LIST)
    assert response.context["staffing_day"] == timezone.localdate()
    assert response.context["cost_year"] == min(2022, timezone.localdate().year)
    html = client.get(LIST, {"active_on": "01.06.2022"}).content.decode()
    assert "Erika Musterfrau" in html and "Jahreskosten 2022" in html


def test_a_caseworkers_list_starts_with_their_own_organisation(login):
    drk = Organisation.objects.get(short_name="DRK")
    client = login("sb-drk")
    first = client.get(LIST)
    assert titles(first) == {"Teilhabemanagement"}
    assert {row.record.organisation_id for row in first.context["table"].paginated_rows} == {drk.pk}
    assert f'<option value="{drk.pk}" selected>' in first.content.decode()
    assert titles(client.get(LIST, {"sort": "fte"})) == {"Teilhabemanagement"}  # sorting keeps it
    # clearable: "alle"
    assert len(titles(client.get(LIST, ALL))) == 4  # five positions, two titled Teilhabemanagement
    assert client.get(LIST, ALL).context["totals"]["count"] == 5
    # another filter asked for explicitly (a link from a programme page) is not narrowed
    kim = Programme.objects.get(short_name="KIM")
    assert titles(client.get(LIST, {"programme": kim.pk})) == {"Strategischer Overhead", "Case-Management", ABH}


def test_the_cached_filter_form_shows_each_caseworker_their_own_organisation(client, demo):
    ki, drk = (Organisation.objects.get(short_name=name) for name in ("KI", "DRK"))
    login_as(client, "sb-ki")
    assert f'<option value="{ki.pk}" selected>' in client.get(LIST).content.decode()
    login_as(client, "sb-drk")
    html = client.get(LIST).content.decode()
    assert f'<option value="{drk.pk}" selected>' in html and f'<option value="{ki.pk}" selected>' not in html


def test_department_head_and_administrator_start_with_every_organisation(login):
    assert login("leitung").get(LIST).context["totals"]["count"] == 5
    assert login("admin").get(LIST).context["totals"]["count"] == 5
