"""CSV and XLSX exports of a django-tables2 table, the way German office software reads them.

- CSV: UTF-8 with byte-order mark, semicolon-separated, decimal comma, dates as 10.08.2020
  (what Excel and LibreOffice expect in a German locale).
- XLSX: numbers, money and dates as real cells with formats, a header row with filters over the
  data, below it (outside the filter) the totals as ``=SUM()`` formulas, and a second sheet naming
  the filters the list was exported with.

Text that a spreadsheet would take for a formula (starting with =, +, -, @) is kept as text.
"""

import csv
import datetime
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from integration_admin.core.formats import format_decimal
from integration_admin.core.tables import EuroColumn, FteColumn

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = '#,##0.00 "€"'
FTE_FORMAT = "0.0##"
DATE_FORMAT = "DD.MM.YYYY"


def export_columns(table):
    return [column for column in table.columns.iterall() if not column.column.exclude_from_export]


def table_export(table) -> tuple[list[str], list[str], object]:
    """Header, kind of each column ("money", "fte", "text") and an iterator over the rows' values,
    as the table's columns define them (django-tables2's ``as_values()``)."""
    columns = export_columns(table)
    kinds = [_kind(column) for column in columns]
    values = iter(table.as_values())
    header = [str(name) for name in next(values)]
    return header, kinds, values


def _kind(column) -> str:
    if isinstance(column.column, FteColumn):
        return "fte"
    if isinstance(column.column, EuroColumn):
        return "money"
    return "text"


def _plain_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_cell(value, kind: str = "text") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if isinstance(value, Decimal | int | float):
        return format_decimal(value, places=2 if kind == "money" else None, grouping=False)
    if isinstance(value, datetime.date):
        return f"{value:%d.%m.%Y}"
    return _plain_text(str(value))


def filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"


def csv_response(table, stem: str, totals_row: list | None = None) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(stem, "csv")}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    header, kinds, rows = table_export(table)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value, kind) for value, kind in zip(row, kinds, strict=True)])
    if totals_row:
        writer.writerow([csv_cell(value, kind) for value, kind in zip(totals_row, kinds, strict=True)])
    return response


def _xlsx_value(cell, value, kind: str) -> None:
    if isinstance(value, bool):
        cell.value = _("ja") if value else _("nein")
    elif isinstance(value, Decimal | int | float):
        cell.value = value
        cell.number_format = MONEY_FORMAT if kind == "money" else FTE_FORMAT if kind == "fte" else "General"
    elif isinstance(value, datetime.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif value is None:
        cell.value = None
    else:
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        cell.data_type = "s"  # never a formula, whatever the text starts with


def _xlsx_totals(sheet, row_number: int, last_data_row: int, totals_row: list, kinds: list[str]) -> None:
    """The totals row: ``=SUM(...)`` over each summed column's data rows, the labels as text."""
    for column_number, (value, kind) in enumerate(zip(totals_row, kinds, strict=True), start=1):
        cell = sheet.cell(row=row_number, column=column_number)
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool) and last_data_row >= 2:
            column = get_column_letter(column_number)
            cell.value = f"=SUM({column}2:{column}{last_data_row})"
            cell.number_format = MONEY_FORMAT if kind == "money" else FTE_FORMAT if kind == "fte" else "General"
        else:
            _xlsx_value(cell, value, kind)
        cell.font = Font(bold=True)


def xlsx_response(
    table, stem: str, title: str, totals_row: list | None = None, filters: list[tuple[str, str]] = ()
) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    header, kinds, rows = table_export(table)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    last_data_row = 1
    for last_data_row, row in enumerate(rows, start=2):
        for column_number, (value, kind) in enumerate(zip(row, kinds, strict=True), start=1):
            _xlsx_value(sheet.cell(row=last_data_row, column=column_number), value, kind)
    sheet.freeze_panes = "A2"
    # The filter covers the header and the data only: sorting or filtering never moves the totals.
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{last_data_row}"
    if totals_row:
        # One empty row apart (a spreadsheet that widens the filter to the rows around stops there),
        # then the totals as formulas over the data, so that they follow every change in the file.
        _xlsx_totals(sheet, last_data_row + 2, last_data_row, totals_row, kinds)
    for column_number, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(column_number)].width = max(10, min(40, len(str(name)) + 4))

    info = workbook.create_sheet(_("Auswahl"))
    info.append([_("Exportiert am"), timezone.localtime().strftime("%d.%m.%Y %H:%M")])
    for label, value in filters:
        row = [ILLEGAL_CHARACTERS_RE.sub("", str(label)), ILLEGAL_CHARACTERS_RE.sub("", str(value))]
        info.append(row)
        info.cell(row=info.max_row, column=2).data_type = "s"
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 60

    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename(stem, "xlsx")}"'
    return response
