"""A proof's receipt list brought in from a spreadsheet (XLSX or CSV), all rows or none.

The file is read by the import machinery of the positions (``staffing.imports.reading``: size,
zip bombs, formulas, encodings; ``staffing.imports.values``: German numbers and dates). The
header row is found among the first rows by its column names; every row is checked as a receipt
typed into the form would be (date within the grant period, number once per decision, the plan
line named where there is a plan). If any row is wrong nothing is saved and every error is
listed with its row; otherwise all receipts are created in one transaction.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from funding.models import PlanItem, ProofOfUse, Receipt
from funding.settlement import check_open
from staffing.imports import values
from staffing.imports.reading import ImportFileError, read_table

HEADERS = {
    "number": ("belegnr", "belegnummer", "beleg", "nr", "lfdnr"),
    "dated_on": ("belegdatum", "datum", "rechnungsdatum"),
    "payee": ("empfänger", "zahlungsempfänger", "empfaenger", "lieferant"),
    "purpose": ("zweck", "verwendungszweck", "gegenstand", "bezeichnung"),
    "plan_item": ("position", "planposition", "positiondesfinanzierungsplans", "ausgabeart"),
    "amount": ("betrag", "betrageur", "betragineur", "summe"),
    "paid_on": ("bezahltam", "zahlungsdatum", "bezahlt"),
}
REQUIRED = ("number", "dated_on", "payee", "purpose", "amount")
HEADER_SEARCH_ROWS = 10


def normalise(cell) -> str:
    try:
        return re.sub(r"[^\wäöüß]|_", "", values.text(cell).casefold())
    except ValueError:
        return ""


def field_of(cell) -> str | None:
    name = normalise(cell)
    return next((field_name for field_name, names in HEADERS.items() if name in names), None)


@dataclass
class RowResult:
    line: int  # the row's number in the sheet (1 = first row), as Excel shows it
    receipt: Receipt | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    rows: list[RowResult] = field(default_factory=list)
    file_error: str = ""
    saved: bool = False

    @property
    def errors(self) -> int:
        return sum(1 for row in self.rows if row.errors) + (1 if self.file_error else 0)


def _header(rows: list[list]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = {}
        for column, cell in enumerate(row):
            name = field_of(cell)
            if name and name not in columns:
                columns[name] = column
        if len(columns) >= 3:
            return index, columns
    return None


def _plan_item(raw: str, items: list[PlanItem]) -> PlanItem | None:
    wanted = normalise(raw)
    for item in items:
        if wanted in (normalise(item.label), normalise(item.get_kind_display()), normalise(str(item))):
            return item
    return None


def import_receipts(*, proof: ProofOfUse, name: str, content: bytes) -> ImportResult:
    """Read the file and, if every row is a valid receipt, create them all (else none)."""
    result = ImportResult()
    try:
        check_open(proof)
        workbook = read_table(name, content)
    except ImportFileError as error:
        result.file_error = error.message
        return result
    except ValidationError as error:
        result.file_error = " ".join(error.messages)
        return result
    sheet = workbook.sheets[0] if workbook.sheets else None
    found = _header(sheet.rows) if sheet else None
    if found is None:
        result.file_error = _(
            "In den ersten Zeilen steht keine Kopfzeile mit Spalten wie „Beleg-Nr.“, „Belegdatum“, „Empfänger“, "
            "„Zweck“ und „Betrag“."
        )
        return result
    header_index, columns = found
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        labels = {name: str(Receipt._meta.get_field(name).verbose_name) for name in REQUIRED}
        result.file_error = _("Es fehlen die Spalten: %(columns)s.") % {
            "columns": ", ".join(labels[name] for name in missing)
        }
        return result
    version = proof.decision.versions.filter(is_current=True).first()
    items = list(version.plan_items.costs()) if version else []
    seen: dict[str, int] = {}
    for offset, row in enumerate(sheet.rows[header_index + 1 :], start=header_index + 2):
        cells = {name: row[column] if column < len(row) else None for name, column in columns.items()}
        if all(values.is_empty(cell) for cell in cells.values()):
            continue
        outcome = RowResult(line=offset)
        result.rows.append(outcome)
        receipt = Receipt(proof=proof)
        for name, parse in (
            ("number", values.text),
            ("payee", values.text),
            ("purpose", values.text),
            ("dated_on", values.date),
            ("amount", values.amount),
            ("paid_on", values.date),
        ):
            cell = cells.get(name)
            if values.is_empty(cell):
                continue
            try:
                setattr(receipt, name, parse(cell))
            except ValueError as error:
                outcome.errors.append(f"{Receipt._meta.get_field(name).verbose_name}: {error}")
        raw_line = cells.get("plan_item")
        if not values.is_empty(raw_line):
            receipt.plan_item = _plan_item(values.text(raw_line), items)
            if receipt.plan_item is None:
                outcome.errors.append(
                    _("Position „%(value)s“ gibt es im Finanzierungsplan nicht; vorhanden: %(items)s.")
                    % {"value": values.text(raw_line), "items": ", ".join(str(item) for item in items) or "–"}
                )
        elif items:
            outcome.errors.append(_("Bitte die Position des Finanzierungsplans angeben."))
        if receipt.number:
            if receipt.number in seen:
                outcome.errors.append(
                    _("Die Beleg-Nr. %(number)s steht schon in Zeile %(line)s.")
                    % {"number": receipt.number, "line": seen[receipt.number]}
                )
            seen.setdefault(receipt.number, offset)
        if not outcome.errors:
            try:
                receipt.full_clean()
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    label = Receipt._meta.get_field(name).verbose_name if name != "__all__" else ""
                    outcome.errors.extend(f"{label}: {message}" if label else message for message in messages)
        outcome.receipt = receipt
    if not result.rows:
        result.file_error = _("Unter der Kopfzeile stehen keine Belege.")
    if result.errors:
        return result
    with transaction.atomic():
        check_open(ProofOfUse.objects.select_for_update().get(pk=proof.pk))
        for row in result.rows:
            row.receipt._change_reason = _("Import aus %(file)s") % {"file": name[:60]}
            row.receipt.save()
    result.saved = True
    return result
