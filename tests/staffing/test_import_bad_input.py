"""Bad files for the import: each gets a clear German message, nothing is half imported, never a 500."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from integration_admin.models import User
from staffing.imports import reading
from staffing.imports.positions import ERROR, build_preview
from staffing.imports.reading import ImportFileError, read_table
from staffing.models import ImportRun, Position
from tests.conftest import login_as
from tests.staffing.test_import import HEADER, csv_bytes, xlsx

pytestmark = pytest.mark.django_db


def refused(name, content) -> str:
    with pytest.raises(ImportFileError) as error:
        read_table(name, content)
    return error.value.message


def preview(name, content):
    return build_preview(read_table(name, content), user=User.objects.get(username="admin"))


def test_not_a_spreadsheet():
    assert "keine Tabelle" in refused("bescheid.pdf", b"%PDF-1.7\n\x00\x00\xff binary")


def test_empty_file():
    assert "leer" in refused("leer.csv", b"")


def test_broken_xlsx():
    content = xlsx(("S", [HEADER[:5], ["KI", "KIM", 2, "X", "1"]]))
    assert "beschädigt" in refused("kaputt.xlsx", content[: len(content) // 2])


def test_a_zip_that_is_no_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hallo")
    assert "keine Excel-Arbeitsmappe" in refused("archiv.xlsx", buffer.getvalue())


def test_password_protected_or_old_xls():
    assert "Kennwort" in refused("geschützt.xlsx", reading.OLE_MAGIC + b"\x00" * 600)


def test_zip_bomb_refused_before_opening(monkeypatch):
    monkeypatch.setattr(reading, "MAX_UNCOMPRESSED_BYTES", 1024 * 1024)
    content = xlsx(("S", [HEADER[:5], ["KI", "KIM", 2, "Bombe", "1"]]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/media/padding.bin", b"\x00" * (2 * 1024 * 1024))
    assert len(buffer.getvalue()) < 100_000
    assert "aus Sicherheitsgründen" in refused("bombe.xlsx", buffer.getvalue())


def test_formula_without_value_is_an_error_on_its_cell():
    result = preview("f.xlsx", xlsx(("S", [HEADER[:5], ["KI", "KIM", 2, '=HYPERLINK("http://x","y")', "1"]])))
    row = result.rows[0]
    assert row.action == ERROR
    assert row.messages[0].column == 3 and "Formel" in row.messages[0].text


def test_formula_text_in_a_csv_is_an_error():
    result = preview("f.csv", csv_bytes([HEADER[:5], ["KI", "KIM", 2, '=HYPERLINK("http://x")', "1"]]))
    assert "Formel" in result.rows[0].messages[0].text


def test_cp1252_csv_is_read_with_a_note():
    content = csv_bytes([HEADER[:5], ["KI", "KIM", 2, "Förderstelle", "0,5"]], encoding="cp1252")
    result = preview("alt.csv", content)
    assert any("Windows-1252" in note for note in result.notes)
    assert result.rows[0].position["title"] == "Förderstelle"
    assert result.ok


def test_commas_instead_of_semicolons():
    content = b'Organisation,Baustein,Bezeichnung,VZ\xc3\x84\r\nKI,KIM 2,Kommastelle,"1,5"\r\n'
    result = preview("komma.csv", content)
    assert result.ok
    assert str(result.rows[0].position["fte"]) == "1.500"
    assert any("Kommas" in note for note in result.notes)


def test_empty_sheets():
    workbook = Workbook()
    workbook.create_sheet("Auch leer")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert "keine Daten" in refused("leer.xlsx", buffer.getvalue())


def test_an_empty_sheet_before_the_data_is_skipped():
    result = preview(
        "s.xlsx", xlsx(("Leer", []), ("Notizen", [["nur Text"]]), ("Stellen", [HEADER[:5], ["KI", "KIM", 2, "Y", "1"]]))
    )
    assert result.sheet == "Stellen" and result.sheets == ["Notizen", "Stellen"]
    assert result.ok


def test_no_header_row():
    result = preview("s.xlsx", xlsx(("S", [["a", "b"], [1, 2]])))
    assert "keine Überschriftenzeile" in result.errors[0]


def test_merged_header_cells():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Organisation", "Baustein", "Bezeichnung", "VZÄ", "Besetzung", None])
    sheet.merge_cells("E1:F1")
    sheet.append(["KI", "KIM 2", "Verbunden", 1, "Erika", "0,5"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = preview("verbunden.xlsx", buffer.getvalue())
    assert any("Spalte F hat keine Überschrift" in note for note in result.notes)
    assert result.ok


def test_real_excel_dates_and_numbers():
    rows = [HEADER[:7], ["KI", "KIM", 2, "Datumszellen", 1.5, datetime.datetime(2021, 1, 1), 46022]]
    result = preview("d.xlsx", xlsx(("S", rows)))
    position = result.rows[0].position
    assert position["start"] == datetime.date(2021, 1, 1) and position["end"] == datetime.date(2025, 12, 31)
    assert str(position["fte"]) == "1.500"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bescheid.pdf", b"%PDF-1.7\n\x00\x00", "keine Tabelle"),
        ("kaputt.xlsx", b"PK\x03\x04 kaputt", "beschädigt"),
        ("geschützt.xlsx", reading.OLE_MAGIC + b"\x00" * 100, "Kennwort"),
    ],
)
def test_bad_files_through_the_page_are_form_errors(client, name, content, message):
    login_as(client, "sb-ki")
    response = client.post("/imports/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()


def test_an_upload_above_the_limit_is_refused_while_it_arrives(client, settings):
    settings.UPLOAD_MAX_BYTES = 50_000
    login_as(client, "admin")
    response = client.post("/imports/", {"file": SimpleUploadedFile("gross.csv", b"a;b\r\n" * 20_000)})
    assert response.status_code == 200
    assert "zu groß: höchstens" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_100_mb_upload_gets_the_message_not_a_500(client):
    login_as(client, "admin")
    response = client.post("/imports/", {"file": SimpleUploadedFile("riesig.csv", b"x" * (100 * 1024 * 1024))})
    assert response.status_code == 200
    assert "zu groß: höchstens 10 MB" in response.content.decode()


def test_nothing_half_imported_when_one_row_is_bad(client):
    login_as(client, "admin")
    content = xlsx(("S", [HEADER[:5], ["KI", "KIM", 2, "Halb A", "1"], ["KI", "KIM", 2, "Halb B", "zwei"]]))
    client.post("/imports/", {"file": SimpleUploadedFile("halb.xlsx", content)})
    run = ImportRun.objects.get()
    client.post(f"/imports/{run.pk}/confirm/")
    assert not Position.objects.filter(title__startswith="Halb").exists()
