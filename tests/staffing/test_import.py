"""Importing positions and assignments from XLSX/CSV: reading, mapping, preview, commit, undo."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from integration_admin.models import User
from staffing.imports import mapping as columns
from staffing.imports import values
from staffing.imports.positions import CHANGE, CREATE, ERROR, UNCHANGED, build_preview, commit_run, start_run, undo_run
from staffing.imports.reading import ImportFileError, read_table
from staffing.models import Assignment, ImportLayout, ImportStatus, Position

D = datetime.date
HEADER = ["Träger", "Programm", "Baustein", "Bezeichnung", "VZÄ", "Beginn", "Ende", "Entgeltgruppe",
          "Stelleninhaber/in", "Anteil"]  # fmt: skip


def xlsx(*sheets) -> bytes:
    """A workbook with the sheets given as (name, rows)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets:
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, delimiter=";", encoding="utf-8-sig") -> bytes:
    return "\r\n".join(delimiter.join(str(cell) for cell in row) for row in rows).encode(encoding)


@pytest.fixture
def admin(db):
    return User.objects.get(username="admin")


@pytest.fixture
def caseworker(db):
    return User.objects.get(username="sb-ki")


def rows_of(content, name="liste.xlsx", user=None, **kwargs):
    return build_preview(read_table(name, content), user=user or User.objects.get(username="admin"), **kwargs)


# --- values --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,5", "1.5"), ("1.5", "1.5"), ("1,50", "1.5"), ("0,75", "0.75"), (1.5, "1.5"), (1, "1"), (" 0,5 ", "0.5")],
)
def test_fte_in_german_and_english_notation(text, expected):
    assert values.fte(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["abc", "0", "-1", "1,2345", "1e5", "NaN", "=1+1"])
def test_bad_fte_is_a_german_message(text):
    with pytest.raises(ValueError):
        values.fte(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("624.493,60", "624493.60"),
        ("624493,6", "624493.60"),
        ("624.493,60 €", "624493.60"),
        ("5.700", "5700.00"),  # German thousands: an amount has no third decimal (was read as 5,70 €)
        ("1.234.567", "1234567.00"),
        ("5.700 €", "5700.00"),
        ("5.70", "5.70"),
        ("57000.00", "57000.00"),
    ],
)
def test_amounts(text, expected):
    assert values.amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.1.21", D(2021, 1, 1)),
        ("01.01.2021", D(2021, 1, 1)),
        ("2021-01-01", D(2021, 1, 1)),
        (datetime.datetime(2021, 1, 1), D(2021, 1, 1)),
        (44197, D(2021, 1, 1)),
    ],
)
def test_dates(value, expected):
    assert values.date(value) == expected


def test_bad_date():
    with pytest.raises(ValueError, match="kein Datum"):
        values.date("31.02.2021")


# --- header and mapping --------------------------------------------------------------------------


def test_header_below_a_title_row_and_the_mapping_proposed(db):
    content = xlsx(("Stellen", [["Stellenliste Kreis 2021"], [], HEADER, ["KI", "KIM", 2, "Neue Stelle", "1,0"]]))
    preview = rows_of(content)
    assert preview.header_row == 3
    assert preview.mapping == ["organisation", "programme", "building_block", "title", "fte", "start", "end",
                               "pay_grade", "holder_name", "fte_share"]  # fmt: skip


def test_the_apps_own_export_columns_map_themselves():
    header = ["Programm", "Baustein", "Organisation", "Bezeichnung", "VZÄ", "Entgeltgruppe", "Stufe",
              "Stelleninhaber/-innen", "besetzt", "frei", "Besetzung", "Beginn", "Ende", "Status",
              "Jahreskosten 2026", "Kosten illustrativ"]  # fmt: skip
    assert columns.find_header([header]) == 0
    assert columns.propose(header) == ["programme", "building_block", "organisation", "title", "fte", "pay_grade",
                                       "pay_step", "", "", "", "", "start", "end", "status", "", ""]  # fmt: skip


# --- preview -------------------------------------------------------------------------------------


def test_preview_marks_new_changed_unchanged_and_bad_rows(db):
    content = xlsx(
        (
            "Stellen",
            [
                HEADER,
                ["KI", "Durchstarten", 6, "Teilhabemanagement", "1,5", "01.08.2020", "31.12.2022"],
                ["KI", "KIM", 2, "Importierte Stelle A", "1,0", "1.1.21", "", "E 11", "Erika Import", "0,5"],
                ["DRK", "Durchstarten", 6, "Teilhabemanagement", "2", "", ""],
                ["DKR", "KIM", 2, "Tippfehler", "1"],
                ["KI", "KIM", 9, "Kein Baustein", "1"],
            ],
        )
    )
    preview = rows_of(content)
    actions = [row.action for row in preview.rows]
    assert actions[1] == CREATE
    assert actions[2] == CHANGE  # DRK 1,0 -> 2
    assert actions[3] == ERROR and "meinten Sie „DRK“" in preview.rows[3].messages[0].text
    assert actions[4] == ERROR and "Unbekannter Baustein" in preview.rows[4].messages[0].text
    assert preview.rows[3].messages[0].column == 0
    assert not preview.ok


def test_an_unchanged_demo_position_is_unchanged(db):
    position = Position.objects.get(organisation__short_name="KI", building_block__number=6, title="Teilhabemanagement")
    content = xlsx(("S", [["Organisation", "Programm", "Baustein", "Bezeichnung", "VZÄ"],
                          ["KI", "Durchstarten", 6, "Teilhabemanagement", float(position.fte)]]))  # fmt: skip
    assert [row.action for row in rows_of(content).rows] == [UNCHANGED]


def test_duplicates_inside_the_file(db):
    row = ["KI", "KIM", 2, "Doppelt", "1,0"]
    preview = rows_of(xlsx(("S", [HEADER[:5], row, row])))
    assert preview.rows[1].action == ERROR
    assert "Zeile 2" in preview.rows[1].messages[0].text


def test_assignments_exceeding_the_position(db):
    preview = rows_of(
        xlsx(
            (
                "S",
                [
                    HEADER,
                    ["KI", "KIM", 2, "Zu voll", "1,0", "01.01.2021", "", "", "A", "0,6"],
                    ["KI", "KIM", 2, "Zu voll", "1,0", "01.01.2021", "", "", "B", "0,6"],
                ],
            )
        )
    )
    assert all(row.action == ERROR for row in preview.rows)
    assert "1,2 VZÄ" in preview.rows[0].messages[0].text


def test_caseworker_imports_only_their_own_organisation(caseworker):
    preview = rows_of(xlsx(("S", [HEADER[:5], ["DRK", "KIM", 2, "Fremd", "1"], ["KI", "KIM", 2, "Eigen", "1"]])),
                      user=caseworker)  # fmt: skip
    assert [row.action for row in preview.rows] == [ERROR, CREATE]


# --- commit and undo -----------------------------------------------------------------------------


def test_commit_creates_with_history_then_reimport_changes_nothing_and_undo_restores(admin):
    drk = Position.objects.get(organisation__short_name="DRK", building_block__number=6, title="Teilhabemanagement")
    content = xlsx(
        (
            "Stellen",
            [
                ["Titelzeile"],
                HEADER,
                ["KI", "KIM", 2, "Importierte Stelle A", "1,0", "1.1.21", "", "E 11", "Erika Import", "0,5"],
                ["KI", "KIM", 2, "Importierte Stelle A", "1,0", "1.1.21", "", "E 11", "Emil Import", "0,5"],
                ["DRK", "Durchstarten", 6, "Teilhabemanagement", "2", "15.09.2020", "31.12.2022"],
            ],
        )
    )
    run = start_run(user=admin, name="liste.xlsx", content=content)
    preview = commit_run(run=run, user=admin)
    run.refresh_from_db()
    assert run.status == ImportStatus.COMMITTED
    assert bytes(run.content) == b""  # personal data in the file is not kept after the import
    assert (run.created_count, run.changed_count) == (2, 1)
    created = Position.objects.get(title="Importierte Stelle A")
    assert created.fte == Decimal("1.000") and created.start == D(2021, 1, 1)
    assert sorted(created.assignments.values_list("holder_name", flat=True)) == ["Emil Import", "Erika Import"]
    record = created.history.get()
    assert record.history_change_reason.startswith("Import liste.xlsx vom ") and record.history_user == admin
    assert created.assignments.first().history.get().history_change_reason.startswith("Import liste.xlsx")
    assert not created.costs.exists()  # no step, no cost (as after a form's save)
    drk.refresh_from_db()
    assert drk.fte == Decimal("2.000")
    assert drk.history.first().history_change_reason.startswith("Import liste.xlsx vom ")
    assert preview.ok

    again = start_run(user=admin, name="liste.xlsx", content=content)
    assert {row.action for row in build_preview(read_table("liste.xlsx", content), user=admin).rows} == {UNCHANGED}
    commit_run(run=again, user=admin)
    again.refresh_from_db()
    assert (again.created_count, again.changed_count, again.unchanged_count) == (0, 0, 3)

    undo_run(run=again, user=admin)
    undo_run(run=run, user=admin)
    assert not Position.objects.filter(title="Importierte Stelle A").exists()
    assert not Assignment.objects.filter(holder_name="Erika Import").exists()
    drk.refresh_from_db()
    assert drk.fte == Decimal("1.000")


def test_undo_refused_after_a_later_change(admin):
    content = xlsx(("S", [HEADER[:5], ["KI", "KIM", 2, "Später geändert", "1,0"]]))
    run = start_run(user=admin, name="a.xlsx", content=content)
    commit_run(run=run, user=admin)
    position = Position.objects.get(title="Später geändert")
    position.note = "danach"
    position.save()
    with pytest.raises(ImportFileError, match="nicht mehr rückgängig"):
        undo_run(run=run, user=admin)
    assert Position.objects.filter(title="Später geändert").exists()


def test_commit_refuses_a_preview_with_errors_and_saves_nothing(admin):
    content = xlsx(("S", [HEADER[:5], ["KI", "KIM", 2, "Gut", "1,0"], ["KI", "KIM", 2, "Schlecht", "abc"]]))
    run = start_run(user=admin, name="a.xlsx", content=content)
    before = Position.objects.count()
    with pytest.raises(ImportFileError, match="Fehler"):
        commit_run(run=run, user=admin)
    assert Position.objects.count() == before


def test_the_positions_export_reimports_unchanged(admin, client):
    from tests.conftest import login_as

    login_as(client, "admin")
    for export in ("xlsx", "csv"):
        response = client.get("/positions/", {"_export": export})
        assert response.status_code == 200
        preview = rows_of(response.content, name=f"stellen.{export}")
        assert preview.ok, [m.text for row in preview.rows for m in row.messages] + preview.errors
        assert {row.action for row in preview.rows} == {UNCHANGED}
        assert len(preview.rows) == Position.objects.count()


def test_layout_is_remembered(admin):
    from staffing.imports.positions import save_mapping

    header = ["Organisation", "Baustein", "Titel der Stelle", "VZÄ"]
    content = xlsx(("S", [header, ["KI", "KIM 2", "Mit Layout", "1"]]))
    run = start_run(user=admin, name="a.xlsx", content=content)
    assert rows_of(content).errors  # "Titel der Stelle" unknown: no title column
    save_mapping(run, user=admin, sheet=run.sheet, mapping=["organisation", "building_block", "title", "fte"])
    assert ImportLayout.objects.count() == 1
    assert rows_of(content).ok


def test_imported_positions_with_grade_and_step_get_their_stored_cost(admin):
    content = xlsx(
        (
            "S",
            [
                ["Organisation", "Baustein", "Bezeichnung", "VZÄ", "Beginn", "Ende", "Entgeltgruppe", "Stufe"],
                ["KI", "KIM 2", "Mit Kosten", "1,0", "01.01.2021", "31.12.2022", "E 11", 3],
            ],
        )
    )
    commit_run(run=start_run(user=admin, name="k.xlsx", content=content), user=admin)
    position = Position.objects.get(title="Mit Kosten")
    assert position.pay_step == 3
    assert set(position.costs.values_list("year", flat=True)) >= {2021, 2022}
