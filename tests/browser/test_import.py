"""Adoption in a real browser: a caseworker imports the Excel list they have kept for years, sees
the two bad rows in the preview, uploads the corrected list, confirms, and finds the positions."""

import datetime
import re
from decimal import Decimal

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from staffing.models import Position

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["Lfd. Nr.", "Träger", "Programm", "Baustein", "Stellenbezeichnung", "VZÄ", "von", "bis", "EG",
          "Stelleninhaber/in", "Anteil", "Bemerkung"]  # fmt: skip


def workbook(path, rows):
    """A messy workbook as people keep it: a cover sheet, a title row, German numbers and dates."""
    book = Workbook()
    cover = book.active
    cover.title = "Deckblatt"
    cover.append(["Stellenübersicht Kommunales Integrationszentrum"])
    cover.append(["Stand:", datetime.date(2021, 3, 1)])
    sheet = book.create_sheet("Stellen 2021")
    sheet.append(["Stellenplan KIM – Stand März 2021"])
    sheet.append([])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.create_sheet("Notizen")
    book.save(path)


GOOD = [
    [1, "KI", "KIM", 2, "Fallmanagement Import Nord", "1,0", "1.1.21", "31.12.2022", "S 12", "Anna Import", "1,0", ""],
    [2, "KI", "KIM", 2, "Fallmanagement Import Süd", 0.5, datetime.datetime(2021, 4, 1), "", "S 12", "", "", "neu"],
    [3, "KI", "KIM", 1, "Koordination Import", "1,50", "01.01.2021", "", "E 11", "Bernd Import", "0,75", ""],
]
BAD = [
    [4, "Kl", "KIM", 2, "Fallmanagement Import West", "1,0", "1.1.21", "", "S 12", "", "", ""],
    [5, "KI", "KIM", 2, "Fallmanagement Import Ost", "eins", "1.1.21", "", "S 12", "", "", ""],
]
FIXED = [
    [4, "KI", "KIM", 2, "Fallmanagement Import West", "1,0", "1.1.21", "", "S 12", "", "", ""],
    [5, "KI", "KIM", 2, "Fallmanagement Import Ost", "1", "1.1.21", "", "S 12", "", "", ""],
]


def kim_fte_of_the_ki(page) -> Decimal:
    """The KI's FTE in the KIM programme's row of the programme list ("… 2,5 KI + …")."""
    page.goto("/programmes/")
    text = page.get_by_role("row").filter(has_text="(KIM)").locator(".fte-summary").inner_text()
    return Decimal(re.search(r"([\d.,]+)\s+KI\b", text).group(1).replace(".", "").replace(",", "."))


def test_caseworker_imports_a_messy_workbook_fixes_the_bad_rows_and_finds_the_positions(log_in, tmp_path):
    page = log_in("sb-ki")
    ki_before = kim_fte_of_the_ki(page)
    messy, fixed = tmp_path / "Stellenplan KI.xlsx", tmp_path / "Stellenplan KI korrigiert.xlsx"
    workbook(messy, GOOD + BAD)
    workbook(fixed, GOOD + FIXED)

    page.goto("/positions/")
    page.get_by_role("link", name="Aus Excel/CSV importieren").click()
    page.set_input_files("#id_file", str(messy))
    page.get_by_role("button", name="Hochladen und Vorschau zeigen").click()

    # The preview: the sheet with the header was found below its title row, two rows are wrong.
    expect(page.locator("#preview-summary")).to_contain_text("3 neu, 0 geändert, 0 unverändert, 2 mit Fehlern")
    preview = page.locator("#preview")
    expect(preview.locator("tr.table-danger")).to_have_count(2)
    expect(preview).to_contain_text("Unbekannte Organisation „Kl“; meinten Sie „KI“?")
    expect(preview).to_contain_text("„eins“ ist keine Zahl")
    expect(page.get_by_role("button", name="Import übernehmen")).to_have_count(0)
    assert not Position.objects.filter(title__contains="Import").exists()

    # The corrected file: everything new, confirmed in one go.
    page.get_by_role("link", name="Korrigierte Datei hochladen").click()
    page.set_input_files("#id_file", str(fixed))
    page.get_by_role("button", name="Hochladen und Vorschau zeigen").click()
    expect(page.locator("#preview-summary")).to_contain_text("5 neu, 0 geändert, 0 unverändert, 0 mit Fehlern")
    page.get_by_role("button", name="Import übernehmen").click()
    expect(page.locator(".alert-success")).to_contain_text("Import übernommen: 5 neu")

    # The positions are in the list, with their holders and FTE.
    page.get_by_role("link", name="Zur Stellenliste").click()
    page.fill("#id_q", "Import")
    page.locator("#id_q").dispatch_event("change")
    table = page.locator("#table-container")
    expect(table.locator("tbody tr")).to_have_count(5)
    expect(table).to_contain_text("Bernd Import")  # held today (Anna's share ended in 2022)
    expect(table.locator("tfoot")).to_contain_text("5,0")  # 1,0 + 0,5 + 1,5 + 1,0 + 1,0 FTE
    assert Position.objects.get(title="Koordination Import").fte == Decimal("1.5")

    # ... and in the programme's totals: 5,0 FTE more at the KI in KIM.
    assert kim_fte_of_the_ki(page) == ki_before + 5
