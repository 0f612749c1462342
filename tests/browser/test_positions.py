"""The caseworker's day in a real browser: create a position, assign a person, find it, be refused."""

import re

import pytest
from playwright.sync_api import expect

from staffing.models import Assignment, Position

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Teilhabemanagement Verstärkung"


def fill_position_form(page, fte: str):
    page.select_option("#id_building_block", label="Durchstarten – Baustein 6: Teilhabemanagement")
    page.fill("#id_title", TITLE)
    page.fill("#id_fte", fte)
    page.select_option("#id_pay_grade", label="S 12")
    page.select_option("#id_pay_step", label="Stufe 2")
    page.fill("#id_start", "01.01.2021")
    page.fill("#id_end", "31.12.2022")
    page.select_option("#id_status", label="bewilligt")


def test_caseworker_creates_assigns_finds_and_sees_the_programme_totals(log_in):
    page = log_in("sb-drk")

    # From the list to a new position of the DRK (the only organisation offered) with 0,5 FTE.
    page.goto("/positions/")
    page.get_by_role("link", name="Neue Stelle").click()
    expect(page.locator("#id_organisation option")).to_have_text(["DRK"])
    fill_position_form(page, "0,5")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.locator(".alert-success")).to_contain_text("wurde angelegt")
    expect(page.locator("dl.facts")).to_contain_text("0,5 VZÄ")

    # Assign a person: the free share (0,5) is proposed.
    page.get_by_role("link", name="Person zuordnen").click()
    expect(page.locator("#id_fte_share")).to_have_value("0,5")
    page.fill("#id_holder_name", "Paula Beispiel")
    page.fill("#id_start", "01.02.2021")
    page.fill("#id_end", "31.12.2022")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#besetzungen")).to_contain_text("Paula Beispiel")
    expect(page.locator(".staffing-periods")).to_contain_text("01.01.2021 – 31.01.2021")  # vacant in January

    # The filtered list: filters refresh the table in place and end up in the URL.
    page.goto("/positions/")
    page.select_option("#id_organisation", label="DRK")
    expect(page).to_have_url(re.compile(r"organisation=\d+"))
    page.fill("#id_active_on", "01.06.2021")
    page.locator("#id_active_on").dispatch_event("change")
    expect(page).to_have_url(re.compile(r"active_on=01.06.2021"))
    table = page.locator("#table-container")
    expect(table).to_contain_text("Paula Beispiel")
    expect(table).to_contain_text(TITLE)
    expect(table.locator("tbody tr")).to_have_count(2)  # the founding DRK position and the new one
    expect(table.locator("tfoot")).to_contain_text("1,5")  # 1,0 + 0,5 FTE at the DRK
    expect(page.locator(".list-summary")).to_contain_text("2 Stellen")

    # The programme's totals now count the new position: 1,5 KI + 1,5 DRK = 3,0.
    page.get_by_role("link", name="Programme").first.click()
    page.get_by_role("link", name="Durchstarten in Ausbildung und Arbeit").click()
    summary = page.locator(".fte-summary").first
    expect(summary).to_contain_text(re.compile(r"^\s*1,5 (KI|DRK) \+ 1,5 (KI|DRK)\s*= 3,0 VZÄ"))
    expect(summary).to_contain_text("1,5 DRK")
    expect(summary).to_contain_text("1,5 KI")

    position = Position.objects.get(title=TITLE)
    assert position.organisation.short_name == "DRK"
    assert Assignment.objects.get(position=position).holder_name == "Paula Beispiel"


def test_bad_fte_gets_a_german_error(log_in):
    page = log_in("sb-drk")
    page.goto("/positions/new/")
    fill_position_form(page, "abc")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".alert-danger")).to_contain_text("Es wurde nichts gespeichert")
    expect(page.locator("#id_fte_error")).to_contain_text("Bitte eine Zahl eingeben, z. B. 1,5")
    expect(page.locator("#id_fte")).to_have_class(re.compile("is-invalid"))
    page.fill("#id_fte", "0")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#id_fte_error")).to_contain_text("mindestens 0,001")
    assert not Position.objects.filter(title=TITLE).exists()


def test_caseworker_is_refused_another_organisations_position(log_in):
    ki_position = Position.objects.filter(organisation__short_name="KI").first()
    page = log_in("sb-drk")
    page.goto(ki_position.get_absolute_url())
    expect(page.get_by_role("link", name="Bearbeiten")).to_have_count(0)
    response = page.goto(f"/positions/{ki_position.pk}/edit/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Keine Berechtigung")
    expect(page.locator("main")).to_contain_text("nur Datensätze ihrer eigenen Organisation")
