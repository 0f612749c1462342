"""Creating, changing and deleting positions in the browser: roles, German input, bad input."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from programs.models import BuildingBlock
from staffing.models import Organisation, PayGrade, Position, PositionCost, PositionStatus

CREATE = reverse("staffing:position-create")


@pytest.fixture
def drk(demo):
    return Organisation.objects.get(short_name="DRK")


@pytest.fixture
def block(demo):
    return BuildingBlock.objects.get(programme__short_name="Durchstarten", number=6)


def form_data(block, organisation, **overrides):
    data = {
        "building_block": block.pk,
        "organisation": organisation.pk,
        "title": "Teilhabemanagement (Aufstockung)",
        "fte": "0,5",
        "pay_grade": PayGrade.objects.get(code="S 12").pk,
        "pay_step": "2",
        "start": "01.01.2021",
        "end": "31.12.2022",
        "status": PositionStatus.APPROVED,
        "fixed_term": "on",
        "note": "",
    }
    data.update(overrides)
    return data


def test_caseworker_creates_a_position_of_their_organisation(login, drk, block):
    client = login("sb-drk")
    response = client.get(CREATE)
    assert response.status_code == 200
    organisation_field = response.context["form"].fields["organisation"]
    assert list(organisation_field.queryset) == [drk]
    response = client.post(CREATE, form_data(block, drk))
    position = Position.objects.get(title="Teilhabemanagement (Aufstockung)")
    assert response.status_code == 302 and response["Location"] == position.get_absolute_url()
    assert position.organisation == drk and position.fte == Decimal("0.5")
    assert position.start == datetime.date(2021, 1, 1) and position.end == datetime.date(2022, 12, 31)
    assert not position.pay_grade_is_illustrative
    assert position.history.first().history_user.username == "sb-drk"
    assert PositionCost.objects.filter(position=position).count() == 3  # 2020 (0 months), 2021, 2022
    assert PositionCost.objects.get(position=position, year=2020).months == 0
    detail = client.get(position.get_absolute_url()).content.decode()
    assert "wurde angelegt" in detail


def test_caseworker_cannot_create_for_another_organisation(login, drk, block):
    ki = Organisation.objects.get(short_name="KI")
    response = login("sb-drk").post(CREATE, form_data(block, ki))
    assert response.status_code == 200
    assert "gültige Auswahl" in response.context["form"].errors["organisation"][0]
    assert not Position.objects.filter(title="Teilhabemanagement (Aufstockung)").exists()


def test_administrator_creates_for_any_organisation(login, block):
    ki = Organisation.objects.get(short_name="KI")
    response = login("admin").post(CREATE, form_data(block, ki))
    assert response.status_code == 302
    assert Position.objects.get(title="Teilhabemanagement (Aufstockung)").organisation == ki


def test_head_may_not_create(login, drk, block):
    client = login("leitung")
    assert client.get(CREATE).status_code == 403
    response = client.post(CREATE, form_data(block, drk))
    assert response.status_code == 403
    assert "Keine Berechtigung" in response.content.decode()
    assert not Position.objects.filter(title="Teilhabemanagement (Aufstockung)").exists()


def test_extra_fields_are_ignored(login, drk, block):
    data = form_data(block, drk, pay_grade_is_illustrative="on", created="2000-01-01T00:00:00", id="999")
    assert login("sb-drk").post(CREATE, data).status_code == 302
    position = Position.objects.get(title="Teilhabemanagement (Aufstockung)")
    assert not position.pay_grade_is_illustrative and position.pk != 999


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("fte", "abc", "Bitte eine Zahl eingeben"),
        ("fte", "0", "mindestens 0,001"),
        ("fte", "-1", "mindestens 0,001"),
        ("fte", "1e309", "Bitte eine Zahl eingeben"),
        ("fte", "1" * 30, "Ziffern"),
        ("fte", "NaN", "Bitte eine Zahl eingeben"),
        ("fte", "0,0001", "Dezimalstellen"),
        ("fte", "", "zwingend erforderlich"),
        ("fte", "0,5\x00", "Bitte eine Zahl eingeben"),
        ("title", "Stelle\x00", "Null"),
        ("title", "x" * 1_000_000, "höchstens 200 Zeichen"),
        ("title", "Zeile\nZeile", "Steuerzeichen"),
        ("note", "y" * 1_000_000, "höchstens 2000 Zeichen"),
        ("note", "a\x00b", "Null"),
        ("start", "31.02.2021", "TT.MM.JJJJ"),
        ("start", "\x00", "TT.MM.JJJJ"),
        ("end", "31.12.2020", "Ende der Stelle liegt vor ihrem Beginn"),
        ("pay_step", "7", "gültige Auswahl"),
        ("pay_step", "abc", "gültige Auswahl"),
        ("status", "erfunden", "gültige Auswahl"),
        ("building_block", "999999", "gültige Auswahl"),
        ("building_block", "\x00", "Nullzeichen"),
        ("pay_grade", "", "Zur Stufe gehört eine Entgeltgruppe"),
    ],
)
def test_bad_input_gets_a_german_message_and_saves_nothing(login, drk, block, field, value, message):
    before = Position.objects.count(), Position.history.count()
    response = login("sb-drk").post(CREATE, form_data(block, drk, **{field: value}))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors.get(field, [])), form.errors
    html = response.content.decode()
    assert "Es wurde nichts gespeichert" in html and "is-invalid" in html
    assert (Position.objects.count(), Position.history.count()) == before


def test_form_accepts_german_numbers(login, drk, block):
    assert login("sb-drk").post(CREATE, form_data(block, drk, fte="0,75")).status_code == 302
    assert Position.objects.get(title="Teilhabemanagement (Aufstockung)").fte == Decimal("0.75")


def test_update_own_organisation_with_reason(login, drk):
    position = Position.objects.get(organisation=drk)
    client = login("sb-drk")
    url = reverse("staffing:position-update", args=[position.pk])
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["fte"].value() in ("1", Decimal("1.000"))
    assert 'value="1"' in str(form["fte"])  # German display, no trailing zeros
    data = form_data(position.building_block, drk, title=position.title, fte="1,0", status=position.status)
    data.update(change_reason="Stufenaufstieg", revision=form["revision"].value(), pay_step="3")
    response = client.post(url, data)
    assert response.status_code == 302
    position.refresh_from_db()
    assert position.pay_step == 3 and not position.pay_grade_is_illustrative  # changed by a person now
    record = position.history.first()
    assert record.history_change_reason == "Stufenaufstieg" and record.history_user.username == "sb-drk"
    history = client.get(position.get_absolute_url()).content.decode()
    assert "Stufenaufstieg" in history and "Demo Sachbearbeitung DRK" in history


def test_update_refuses_a_stale_form(login, drk):
    position = Position.objects.get(organisation=drk)
    client = login("sb-drk")
    url = reverse("staffing:position-update", args=[position.pk])
    revision = client.get(url).context["form"]["revision"].value()
    data = form_data(position.building_block, drk, title="Erste Änderung", fte="1", status=position.status)
    assert client.post(url, {**data, "revision": revision}).status_code == 302
    response = client.post(url, {**data, "title": "Zweite Änderung", "revision": revision})
    assert response.status_code == 409  # Conflict, as on every edit page
    assert "inzwischen von Demo Sachbearbeitung DRK geändert" in response.content.decode()
    assert Position.objects.get(pk=position.pk).title == "Erste Änderung"
    response = client.post(url, {**data, "revision": "\x00kaputt"})
    assert "Seite neu" in response.content.decode()
    # A form without the revision (not sent by the page) is a conflict too, never a silent overwrite.
    response = client.post(url, {**data, "title": "Ohne Stand"})
    assert "inzwischen" in response.content.decode()
    assert Position.objects.get(pk=position.pk).title == "Erste Änderung"


def test_position_cannot_shrink_below_its_assignments(login, drk):
    position = Position.objects.get(organisation=drk)  # 1,0 held by Lieschen Müller
    response = login("sb-drk").post(
        reverse("staffing:position-update", args=[position.pk]),
        form_data(position.building_block, drk, title=position.title, fte="0,5", status=position.status, start=""),
    )
    assert response.status_code == 200
    assert "kann nicht kleiner werden" in response.context["form"].errors["fte"][0]
    assert Position.objects.get(pk=position.pk).fte == Decimal("1.000")


@pytest.mark.parametrize("method", ["get", "post"])
def test_caseworker_may_not_touch_another_organisations_position(login, method, drk):
    ki_position = Position.objects.filter(organisation__short_name="KI").first()
    client = login("sb-drk")
    for name in ("staffing:position-update", "staffing:position-delete", "staffing:assignment-create"):
        url = reverse(name, args=[ki_position.pk])
        response = getattr(client, method)(url, form_data(ki_position.building_block, drk) if method == "post" else {})
        assert response.status_code == 403, url
        assert "Keine Berechtigung" in response.content.decode()
    assert Position.objects.get(pk=ki_position.pk).organisation.short_name == "KI"


def test_head_reads_but_does_not_change(login):
    position = Position.objects.first()
    client = login("leitung")
    assert client.get(position.get_absolute_url()).status_code == 200
    assert "Bearbeiten" not in client.get(position.get_absolute_url()).content.decode()
    assert client.get(reverse("staffing:position-update", args=[position.pk])).status_code == 403


def test_delete_refuses_positions_with_assignments(login, drk):
    position = Position.objects.get(organisation=drk)
    client = login("sb-drk")
    url = reverse("staffing:position-delete", args=[position.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, follow=True)
    assert "kann nicht gelöscht werden" in response.content.decode()
    assert Position.objects.filter(pk=position.pk).exists()


def test_delete_a_position_without_assignments(login, drk, block):
    client = login("sb-drk")
    client.post(CREATE, form_data(block, drk))
    position = Position.objects.get(title="Teilhabemanagement (Aufstockung)")
    response = client.post(reverse("staffing:position-delete", args=[position.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("staffing:position-list")
    assert not Position.objects.filter(pk=position.pk).exists()
    assert position.history.filter(history_type="-").get().history_user.username == "sb-drk"
