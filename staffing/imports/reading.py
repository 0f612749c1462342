"""Reading an uploaded spreadsheet into plain rows of cell values, safely.

XLSX through openpyxl (``read_only``, ``data_only``: formulas are never evaluated, a formula cell
gives the value Excel saved with it), CSV through the csv module (``;`` or ``,`` as the sniffer
finds; UTF-8 with or without byte-order mark, otherwise Windows-1252 with a note). Whatever is
wrong with the file is an :class:`ImportFileError` with a German message, never an exception
that reaches the user.
"""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

# What the workbook's parts may unpack to; a zip bomb declares far more (checked before openpyxl opens it).
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
MAX_ROWS = 20_000
MAX_COLUMNS = 60
# The cells of a compound document (OLE): an old .xls, or an XLSX encrypted with a password.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ImportFileError(Exception):
    """The file cannot be read as a table; ``message`` says why, in German."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Formula:
    """A formula cell without a saved value: never evaluated, reported as an error."""

    text: str = ""


@dataclass
class Sheet:
    name: str
    rows: list[list] = field(default_factory=list)


@dataclass
class Workbook:
    kind: str  # "xlsx" or "csv"
    sheets: list[Sheet]
    notes: list[str] = field(default_factory=list)


def read_table(name: str, content: bytes) -> Workbook:
    """The sheets of an uploaded file (a CSV file has one), empty sheets left out."""
    if len(content) > settings.UPLOAD_MAX_BYTES:
        raise ImportFileError(too_large_message())
    if not content.strip():
        raise ImportFileError(_("Die Datei ist leer."))
    lower = name.lower()
    if content.startswith(OLE_MAGIC):
        raise ImportFileError(
            _(
                "Die Datei ist mit einem Kennwort geschützt oder im alten Excel-Format (.xls) gespeichert. "
                "Bitte in Excel ohne Kennwort als „Excel-Arbeitsmappe (.xlsx)“ oder als CSV speichern."
            )
        )
    if content.startswith(b"PK\x03\x04"):
        workbook = _read_xlsx(content)
    elif lower.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raise ImportFileError(
            _(
                "Die Datei „%(name)s“ ist keine lesbare Excel-Arbeitsmappe (.xlsx); "
                "sie ist beschädigt oder hat ein anderes Format."
            )
            % {"name": name}
        )
    else:
        workbook = _read_csv(content)
    workbook.sheets = [sheet for sheet in workbook.sheets if any(_filled(row) for row in sheet.rows)]
    if not workbook.sheets:
        raise ImportFileError(_("Die Datei enthält keine Daten: alle Tabellenblätter sind leer."))
    return workbook


def too_large_message() -> str:
    return _("Die Datei ist zu groß: höchstens %(size)s MB sind erlaubt. Bitte teilen Sie die Liste auf.") % {
        "size": settings.UPLOAD_MAX_BYTES // (1024 * 1024)
    }


def _filled(row) -> bool:
    return any(value not in (None, "") for value in row)


def _check_zip(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ImportFileError(_("Die Excel-Datei ist beschädigt und kann nicht gelesen werden.")) from error
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES or sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_BYTES:
            raise ImportFileError(
                _(
                    "Die Excel-Datei würde entpackt mehr als %(size)s MB ergeben und wird aus Sicherheitsgründen "
                    "nicht geöffnet."
                )
                % {"size": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}
            )
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
            raise ImportFileError(_("Die Datei ist ein ZIP-Archiv, aber keine Excel-Arbeitsmappe (.xlsx)."))


def _open_workbook(content: bytes, *, data_only: bool):
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)
    except Exception as error:  # openpyxl raises many kinds (KeyError, ValueError, XML errors) for a broken file
        raise ImportFileError(_("Die Excel-Datei ist beschädigt und kann nicht gelesen werden.")) from error


def _read_xlsx(content: bytes) -> Workbook:
    _check_zip(content)
    formulas = _open_workbook(content, data_only=False)
    values = _open_workbook(content, data_only=True)
    sheets = []
    try:
        for sheet_formulas, sheet_values in zip(formulas.worksheets, values.worksheets, strict=True):
            if not hasattr(sheet_values, "iter_rows"):  # a chart sheet
                continue
            formula_cells = set()
            for row_index, row in enumerate(sheet_formulas.iter_rows(values_only=True)):
                if row_index >= MAX_ROWS + 50:
                    break
                for column_index, value in enumerate(row[:MAX_COLUMNS]):
                    if isinstance(value, str) and value.startswith("="):
                        formula_cells.add((row_index, column_index))
            rows = []
            for row_index, row in enumerate(sheet_values.iter_rows(values_only=True)):
                if row_index >= MAX_ROWS + 50:
                    raise ImportFileError(too_many_rows_message())
                cells = list(row[:MAX_COLUMNS])
                for column_index, value in enumerate(cells):
                    if (row_index, column_index) in formula_cells and value is None:
                        cells[column_index] = Formula()
                rows.append(_trim(cells))
            sheets.append(Sheet(str(sheet_values.title), _trim_rows(rows)))
    except ImportFileError:
        raise
    except Exception as error:  # a part that is broken only further in
        raise ImportFileError(_("Die Excel-Datei ist beschädigt und kann nicht gelesen werden.")) from error
    finally:
        formulas.close()
        values.close()
    return Workbook("xlsx", sheets)


def too_many_rows_message() -> str:
    return _("Die Datei hat mehr als %(rows)s Zeilen. Bitte teilen Sie die Liste auf.") % {"rows": MAX_ROWS}


def _trim(cells: list) -> list:
    while cells and cells[-1] in (None, ""):
        cells.pop()
    return [value.strip() if isinstance(value, str) else value for value in cells]


def _trim_rows(rows: list[list]) -> list[list]:
    while rows and not _filled(rows[-1]):
        rows.pop()
    return rows


def _read_csv(content: bytes) -> Workbook:
    notes = []
    if b"\x00" in content[:4096]:
        raise ImportFileError(_("Die Datei ist keine Tabelle (weder Excel-Arbeitsmappe .xlsx noch CSV-Datei)."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ImportFileError(
                _("Die Datei ist keine Tabelle (weder Excel-Arbeitsmappe .xlsx noch CSV-Datei).")
            ) from error
        notes.append(
            _(
                "Die Datei war nicht in UTF-8 gespeichert; sie wurde als Windows-1252 "
                "(Excel „CSV (Trennzeichen-getrennt)“) gelesen."
            )
        )
    if any(ord(char) < 32 and char not in "\r\n\t" for char in text[:4096]):
        raise ImportFileError(_("Die Datei ist keine Tabelle (weder Excel-Arbeitsmappe .xlsx noch CSV-Datei)."))
    sample = text[:16384]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    if delimiter == ",":
        notes.append(
            _("Die Spalten sind durch Kommas getrennt; Zahlen mit Komma müssen dann in Anführungszeichen stehen.")
        )
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"'):
            if len(rows) >= MAX_ROWS + 50:
                raise ImportFileError(too_many_rows_message())
            rows.append(_trim(list(row[:MAX_COLUMNS])))
    except csv.Error as error:
        raise ImportFileError(
            _("Die CSV-Datei ist fehlerhaft (z. B. ein nicht geschlossenes Anführungszeichen).")
        ) from error
    return Workbook("csv", [Sheet("CSV", _trim_rows(rows))], notes)


def excel_date(serial: float) -> datetime.date | None:
    """An Excel serial day number (1900 system) as a date; ``None`` outside 1950 to 2150."""
    if not 18264 <= serial <= 91311:
        return None
    return datetime.date(1899, 12, 30) + datetime.timedelta(days=int(serial))
