"""The top of the home page per role (issue 25): each role sees its part and not the others'."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from integration_admin.council.models import Report
from staffing.models import Organisation
from tests import factories

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def page(client):
    return " ".join(client.get(reverse("dashboard")).content.decode().split())


def staffing_rows(org, label, count=1):
    """``count`` positions of ``org`` with a free half today, ending within 90 days, each with a holder
    whose assignment ends within 90 days."""
    block = factories.building_block(factories.programme(f"HOME{label}"), 1, title=f"Baustein {label}")
    soon = today() + datetime.timedelta(days=30)
    for i in range(count):
        position = factories.position(
            block, org, fte="1.0", title=f"Stelle {label} {i}", start=today() - datetime.timedelta(days=400), end=soon
        )
        factories.assignment(
            position, share="0.5", start=today() - datetime.timedelta(days=300), end=soon, name=f"Person {label} {i}"
        )


def test_caseworker_sees_own_vacancies_and_deadlines_not_others(login):
    staffing_rows(Organisation.objects.get(short_name="DRK"), "DRK")
    staffing_rows(Organisation.objects.get(short_name="KI"), "KI")
    html = page(login("sb-drk"))
    assert "Freie Stellenanteile bei DRK heute" in html
    assert "Stelle DRK 0" in html and "0,5 von 1,0" in html
    drk = Organisation.objects.get(short_name="DRK")
    assert f"?organisation={drk.pk}&amp;occupancy=vacant" in html
    assert "Was bei DRK in den nächsten 90 Tagen endet" in html
    assert "Person DRK 0" in html
    # not another organisation's holders nor positions, not the other roles' parts
    assert "Person KI 0" not in html and "Stelle KI 0" not in html
    assert "Die nächsten Sitzungen" not in html and "Bescheide mit Warnungen" not in html
    # everything below stays
    assert "Fristen: überfällig und in den nächsten 90 Tagen" in html
    assert "Durchstarten in Ausbildung und Arbeit" in html


def test_head_sees_next_sessions_and_drafts(login):
    committee = factories.committee("Ausschuss für Heimseiten")
    meeting = factories.meeting(committee, start=timezone.now() + datetime.timedelta(days=10))
    factories.agenda_item(meeting, number="7", title="Bericht über die Stellenbesetzung")
    factories.agenda_item(meeting, number="8", title="Geheimer Punkt", public=False)
    factories.report(title="Entwurf für die Heimseite")
    html = page(login("leitung"))
    assert "Die nächsten Sitzungen" in html and "Ausschuss für Heimseiten" in html
    assert "TOP 7: <a" in html and "Bericht über die Stellenbesetzung" in html
    assert "Geheimer Punkt" in html  # the head reads non-public items
    assert "Vorlagen im Entwurf, noch nicht freigegeben" in html and "Entwurf für die Heimseite" in html
    released = Report.objects.released().exclude(title__in=Report.objects.drafts().values("title")).first()
    assert released is not None and released.title not in html
    assert "Freie Stellenanteile" not in html and "Bescheide mit Warnungen" not in html


def test_administrator_sees_decision_warnings(login):
    decision = factories.decision(title="Bescheid mit abweichendem Betrag")
    version = factories.version(
        decision, is_current=True, financing_type="fixed", unit_amount=Decimal("500.00"), units=Decimal("2")
    )
    version.stated_amount = Decimal("1200.00")
    version.save()
    version.refresh_from_db()
    assert version.granted_amount == Decimal("1000.00")
    html = page(login("admin"))
    assert "Bescheide mit Warnungen" in html and "Bescheid mit abweichendem Betrag" in html
    assert "Der Betrag laut Bescheid (1.200,00 €) weicht vom berechneten Betrag" in html
    assert "Die nächsten Sitzungen" not in html and "Freie Stellenanteile" not in html
    assert "Fristen: überfällig und in den nächsten 90 Tagen" in html


@pytest.mark.parametrize("username", ["sb-drk", "leitung", "admin"])
def test_query_count_is_constant_per_role(login, data_queries, username):
    client = login(username)
    committee = factories.committee("Ausschuss für Zählungen")
    factories.agenda_item(factories.meeting(committee, start=timezone.now() + datetime.timedelta(hours=1)), number="1")
    _response, before = data_queries(client, reverse("dashboard"))
    drk = Organisation.objects.get(short_name="DRK")
    staffing_rows(drk, "MEHR", count=14)
    for day in range(1, 5):
        meeting = factories.meeting(committee, start=timezone.now() + datetime.timedelta(days=day))
        for number in range(1, 4):
            factories.agenda_item(meeting, number=str(number), title=f"Punkt {day}.{number}")
    for i in range(14):
        factories.report(title=f"Entwurf {i}")
        decision = factories.decision(title=f"Bescheid ohne Betrag {i}")
        factories.version(decision, is_current=True, financing_type="fixed")
    response, after = data_queries(client, reverse("dashboard"))
    assert response.status_code == 200
    assert len(after) == len(before), after[len(before) :]
    assert len(after) <= 15, after  # (+2: open repayment claims and approvals waiting in the to-do list)
    html = " ".join(response.content.decode().split())
    if username == "sb-drk":
        assert "und 4 weitere Stellen mit freien Anteilen" in html
    elif username == "leitung":
        assert "und 4 weitere Entwürfe" in html and "Punkt 2.3" in html and "Punkt 3.1" not in html
    else:
        assert "weitere Bescheide mit Warnung" in html
