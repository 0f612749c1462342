"""After the decision: call-offs and payments, warnings, proofs of use, pass-through."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from funding import services
from funding.models import CallOff, GrantDecision, PassThrough, ProofKind, ProofOfUse
from funding.views import page_warnings
from integration_admin.models import User
from staffing.models import Organisation, OrganisationKind
from tests import factories

NBSP = "\N{NO-BREAK SPACE}"


@pytest.fixture
def founding(demo):
    return GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")


@pytest.fixture
def running(db):
    """A decision of 100.000,00 € whose grant period ends in 30 days; nothing called yet."""
    today = timezone.localdate()
    decision = factories.decision(title="Laufender Bescheid")
    factories.version(
        decision,
        eligible_expenditure=Decimal("125000.00"),
        rate=Decimal("80"),
        period_start=today - datetime.timedelta(days=700),
        period_end=today + datetime.timedelta(days=30),
    )
    return decision


def post_call_off(client, decision, **fields):
    data = {"called_on": "01.02.2021", "amount": "1.000,00", "needed_on": "", "received_on": "", "received_amount": ""}
    data.update(fields)
    return client.post(reverse("funding:calloff-create", args=[decision.pk]), data)


def test_call_offs_above_the_grant_are_refused(running, login, demo):
    client = login("admin")
    assert post_call_off(client, running, amount="60.000,00").status_code == 302
    response = post_call_off(client, running, amount="40.000,01")
    assert response.status_code == 200
    html = response.content.decode()
    assert "bewilligt sind aber nur 100.000,00" in html and "Höchstens 40.000,00" in html
    assert post_call_off(client, running, amount="40.000,00").status_code == 302
    assert CallOff.objects.filter(decision=running).totals()["called"] == Decimal("100000.00")
    # Editing a call-off counts the others only.
    call_off = CallOff.objects.filter(decision=running).first()
    response = client.post(
        reverse("funding:calloff-update", args=[call_off.pk]),
        {"called_on": "01.02.2021", "amount": "60.000,01", "received_on": "", "received_amount": ""},
    )
    assert "Höchstens 60.000,00" in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "-5"}, "größer als 0"),
        ({"amount": "0"}, "größer als 0"),
        ({"amount": "abc"}, "Bitte eine Zahl eingeben"),
        ({"received_on": "01.01.2021", "received_amount": "1.000,00"}, "vor dem Abruf"),
        ({"received_on": "05.02.2021", "received_amount": "1.000,01"}, "nicht mehr eingehen"),
        ({"received_on": "05.02.2021"}, "eingegangenen Betrag"),
        ({"received_amount": "5"}, "Datum des Zahlungseingangs"),
        ({"received_amount": "-5", "received_on": "05.02.2021"}, "nicht negativ"),
        ({"called_on": "30.02.2021"}, "TT.MM.JJJJ"),
        ({"reference": "\x00"}, "Null"),
    ],
)
def test_bad_call_offs_get_german_messages(running, login, demo, fields, message):
    client = login("admin")
    response = post_call_off(client, running, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CallOff.objects.filter(decision=running).exists()


def test_no_call_off_without_a_computed_grant(login, demo):
    client = login("admin")
    kim = GrantDecision.objects.get(title__startswith="Fachbezogene Pauschale")  # no period, no grant yet
    response = post_call_off(client, kim)
    assert "Solange die Zuwendung nicht berechnet ist" in response.content.decode()


def test_service_refuses_what_the_form_let_through(running):
    """Two call-offs validated at the same time: the service re-checks under the decision's lock."""
    admin = User.objects.get(username="admin")
    services.save_call_off(
        call_off=CallOff(decision=running, called_on=datetime.date(2021, 1, 1), amount=70000), user=admin
    )
    late = CallOff(decision=running, called_on=datetime.date(2021, 1, 2), amount=Decimal("30000.01"))
    with pytest.raises(Exception, match="bewilligt sind aber nur"):
        services.save_call_off(call_off=late, user=admin)
    assert CallOff.objects.filter(decision=running).count() == 1


def test_running_balance_and_warnings_on_the_detail_page(running, login, demo):
    client = login("admin")
    post_call_off(
        client,
        running,
        called_on="01.02.2021",
        amount="30.000,00",
        needed_on="15.04.2021",  # more than two months later
        received_on="10.02.2021",
        received_amount="30.000,00",
    )
    post_call_off(client, running, called_on="01.03.2022", amount="20.000,00", needed_on="01.04.2022")
    html = client.get(running.get_absolute_url()).content.decode()
    assert "mehr als zwei Monate nach dem Abruf" in html
    assert "mehr als 2 Monate vor Bedarf" in html
    # Per year: called, received, cumulated, remaining.
    assert f"70.000,00{NBSP}€" in html  # remaining after 2021
    assert f"50.000,00{NBSP}€" in html  # remaining after 2022 and "noch abrufbar"
    # The period ends in 30 days and 50.000,00 € are not called yet.
    assert "in 30 Tagen" in html and "Nicht abgerufene Mittel verfallen" in html
    # ... and the home page says so too.
    html = client.get(reverse("dashboard")).content.decode()
    assert "Laufender Bescheid" in html and "in 30 Tagen" in html


def test_founding_decision_shows_its_illustrative_schedule(founding, login):
    html = login("leitung").get(founding.get_absolute_url()).content.decode()
    assert html.count("badge-illustrative") >= 6
    assert f"114.493,60{NBSP}€" in html
    assert "noch abrufbar" in html and f"0,00{NBSP}€" in html
    assert "Mittelabruf vom 01.03.2021: das Geld wird erst ab 01.06.2021 benötigt" in html
    assert "Verfallen" not in html and "verfallen" not in html  # everything was called in time


def test_reducing_amendment_below_what_was_called_warns(founding, login):
    services.record_amendment(
        decision=founding,
        expected_revision=None,
        reason="Teilaufhebung",
        figures={"eligible_expenditure": Decimal("700000.00"), "stated_amount": None},
    )
    html = login("admin").get(founding.get_absolute_url()).content.decode()
    assert "Rückzahlung prüfen" in html


def test_proof_deadlines(login, demo, running):
    client = login("admin")
    today = timezone.localdate()
    data = {
        "kind": "interim",
        "covers_year": "",
        "due_on": (today + datetime.timedelta(days=20)).strftime("%d.%m.%Y"),
        "report_submitted_on": "",
        "statement_submitted_on": "",
        "receipts_submitted_on": "",
    }
    response = client.post(reverse("funding:proof-create", args=[running.pk]), data)
    assert "Berichtsjahr" in response.content.decode()
    data["covers_year"] = "1999"
    assert "2000" in client.post(reverse("funding:proof-create", args=[running.pk]), data).content.decode()
    data["covers_year"] = str(today.year - 1)
    assert client.post(reverse("funding:proof-create", args=[running.pk]), data).status_code == 302
    proof = ProofOfUse.objects.get(decision=running)
    assert proof.state(today) == "due"
    assert proof.missing_parts() == ["Sachbericht", "zahlenmäßiger Nachweis"]

    dashboard = client.get(reverse("dashboard")).content.decode()
    # Due in the next 90 days: this one; overdue: the founding example's final proof (illustrative).
    assert "Fällig in den nächsten 90 Tagen" in dashboard and "Laufender Bescheid" in dashboard
    assert "Überfällig" in dashboard and "Teilhabemanagement (Förderbaustein 6)" in dashboard
    assert "30.06.2023" in dashboard

    listing = client.get(reverse("funding:proof-list") + "?state=due").content.decode()
    assert "Laufender Bescheid" in listing and "Teilhabemanagement" not in listing
    listing = client.get(reverse("funding:proof-list") + "?state=overdue").content.decode()
    assert "Teilhabemanagement" in listing and "Laufender Bescheid" not in listing
    listing = client.get(reverse("funding:proof-list") + "?state=done").content.decode()
    assert listing.count("erledigt") >= 2

    # Both parts submitted: done, gone from the dashboard.
    data.update(report_submitted_on="01.02.2021", statement_submitted_on="02.02.2021", revision=proof.revision)
    assert client.post(reverse("funding:proof-update", args=[proof.pk]), data).status_code == 302
    proof.refresh_from_db()
    assert proof.is_complete and proof.state(today) == "done"
    assert "Laufender Bescheid" not in client.get(reverse("dashboard")).content.decode().split("Mittelabruf")[0]


def test_proof_receipts_only_when_required(running, login, demo):
    response = login("admin").post(
        reverse("funding:proof-create", args=[running.pk]),
        {"kind": "final", "due_on": "30.06.2023", "receipts_submitted_on": "01.06.2023"},
    )
    assert "Belegliste" in response.content.decode() and "erforderlich" in response.content.decode()
    assert not ProofOfUse.objects.filter(decision=running).exists()


def pass_through_data(recipient, **fields):
    data = {
        "recipient": recipient.pk,
        "form": "zuschuss",
        "amount": "50.000,00",
        "decided_on": "",
        "period_start": "01.01.2021",
        "period_end": "31.12.2021",
        "funded_fte": "1,0",
        "max_per_fte": "55.000,00",
        "actual_cost_basis": "on",
        "conditions": "in Höhe der tatsächlichen Personalkosten, max. 55.000 EUR je VZÄ",
    }
    data.update(fields)
    return data


def test_pass_through_with_a_ceiling_per_fte(running, login, demo):
    client = login("admin")
    diakonie = factories.organisation("Diakonie", kind=OrganisationKind.WELFARE)
    url = reverse("funding:passthrough-create", args=[running.pk])
    response = client.post(url, pass_through_data(diakonie, amount="55.000,01"))
    assert "Höchstens 55.000,00" in response.content.decode()
    # Half a year at 0,5 FTE: 55.000 x 0,5 x 6/12 = 13.750,00.
    response = client.post(
        url, pass_through_data(diakonie, amount="13.750,01", funded_fte="0,5", period_end="30.06.2021")
    )
    assert "Höchstens 13.750,00" in response.content.decode()
    assert client.post(url, pass_through_data(diakonie, amount="55.000,00")).status_code == 302
    item = PassThrough.objects.get(decision=running)
    assert item.cap == Decimal("55000.00") and item.form == "zuschuss" and item.actual_cost_basis
    html = client.get(running.get_absolute_url()).content.decode()
    assert "in Höhe der tatsächlichen Personalkosten" in html and f"höchstens 55.000,00{NBSP}€ je VZÄ und Jahr" in html
    # All pass-throughs together stay within the grant (100.000,00).
    drk = Organisation.objects.get(short_name="DRK")
    response = client.post(url, pass_through_data(drk, amount="45.000,01", max_per_fte="", funded_fte=""))
    assert "bewilligt sind aber nur 100.000,00" in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "-1"}, "nicht negativ"),
        ({"period_end": "31.12.2020"}, "vor seinem Beginn"),
        ({"funded_fte": ""}, "geförderten VZÄ"),
        ({"period_start": ""}, "Zeitraum"),
        ({"form": "geschenk"}, "keine gültige Auswahl"),
    ],
)
def test_bad_pass_throughs(running, login, demo, fields, message):
    drk = Organisation.objects.get(short_name="DRK")
    response = login("admin").post(
        reverse("funding:passthrough-create", args=[running.pk]), pass_through_data(drk, **fields)
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not PassThrough.objects.filter(decision=running).exists()


def test_pass_through_goes_to_another_body(running, login, demo):
    ki = Organisation.objects.get(short_name="KI")
    response = login("admin").post(
        reverse("funding:passthrough-create", args=[running.pk]), pass_through_data(ki, max_per_fte="")
    )
    assert "nicht an eine Einrichtung des Kreises" in response.content.decode()


def test_call_off_and_proof_history_is_in_the_decision_history(running, login, demo):
    client = login("admin")
    post_call_off(client, running, amount="1.234,56")
    call_off = CallOff.objects.get(decision=running)
    client.post(
        reverse("funding:calloff-update", args=[call_off.pk]),
        {
            "called_on": "01.02.2021",
            "amount": "1.234,56",
            "received_on": "15.02.2021",
            "received_amount": "1.234,56",
            "revision": call_off.revision,
        },
    )
    client.post(reverse("funding:calloff-delete", args=[call_off.pk]))
    assert not CallOff.objects.filter(pk=call_off.pk).exists()
    history_url = reverse("funding:decision-history", args=[running.pk])
    assert f'href="{history_url}"' in client.get(running.get_absolute_url()).content.decode()
    history = client.get(history_url).content.decode().split('id="verlauf"')[1]
    assert history.count("Mittelabruf vom 01.02.2021") == 3
    assert "gelöscht" in history and "15.02.2021" in history and "1.234,56" in history


def test_proof_kind_labels():
    assert ProofKind.FINAL.label == "Verwendungsnachweis"


def flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_save_names_the_warnings_it_caused_once_and_the_page_keeps_the_standing_ones(running, login, demo):
    """Issue 25, "every save repeats all old warnings": a save's message names what it caused; the
    decision's standing warnings stay in their box on its page, not announced as alerts after every save."""
    client = login("admin")
    start = running.versions.get().period_start
    early = f"{start + datetime.timedelta(days=10):%d.%m.%Y}"
    data = {"called_on": early, "amount": "60.000,00", "needed_on": "", "received_on": "", "received_amount": ""}
    response = client.post(reverse("funding:calloff-create", args=[running.pk]), data, follow=True)
    messages = flashed(response)
    assert "Gespeichert." in messages
    assert sum("zu früh abgerufen" in message for message in messages) == 1  # the warning this save caused
    call_off = CallOff.objects.get(decision=running)
    url = reverse("funding:calloff-update", args=[call_off.pk])
    for reference in ("AZ 1", "AZ 2"):  # two saves that change nothing the warnings depend on
        call_off.refresh_from_db()
        response = client.post(url, {**data, "reference": reference, "revision": call_off.revision}, follow=True)
        messages = flashed(response)
        assert "Gespeichert." in messages and not any("abgerufen" in message for message in messages)
        html = response.content.decode()
        box = html.split('class="standing-warnings', 1)[1].split("</section>", 1)[0]
        assert "Hinweise zu diesem Bescheid" in box and "zu früh abgerufen" in box and "noch nicht abgerufen" in box
        assert 'role="alert"' not in box  # standing warnings are not news


def test_the_warnings_a_save_compares_are_the_ones_its_page_shows(running, login, demo):
    client = login("admin")
    post_call_off(client, running, called_on=f"{running.versions.get().period_start:%d.%m.%Y}", amount="50.000,00")
    for decision in GrantDecision.objects.all():
        shown = client.get(decision.get_absolute_url()).context["warnings"]
        compared = page_warnings(decision.pk, timezone.localdate())
        assert [w.text for w in compared] == [w.text for w in shown]
    assert page_warnings(running.pk, timezone.localdate())  # (not trivially equal: there is something to compare)
