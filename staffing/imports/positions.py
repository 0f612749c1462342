"""Importing positions and their assignments from a spreadsheet: the preview, the commit in one
transaction, and undoing a whole import.

A row names a position by its stable key, organisation + building block + title (positions have
no file number of their own): re-importing the same file finds every position again and changes
nothing. A row may also name a holder with their share; several rows with the same key are the
assignments of one position. Only the mapped columns are compared and written: a column the file
does not have leaves the field as it is (new positions get the create form's defaults).
"""

import datetime
import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from integration_admin.core.formats import fte as format_fte
from integration_admin.core.history import IMPORT_UNDONE, IMPORTED, system_reason
from programs.models import BuildingBlock
from staffing.imports import hooks, values
from staffing.imports import mapping as columns
from staffing.imports.reading import Formula, ImportFileError, Workbook, read_table
from staffing.imports.registry import Importer, importer_for
from staffing.models import (
    Assignment,
    ImportKind,
    ImportLayout,
    ImportRun,
    ImportStatus,
    Organisation,
    PayGrade,
    Position,
    PositionStatus,
    peak_assigned_fte,
)

CREATE, CHANGE, UNCHANGED, ERROR = "create", "change", "unchanged", "error"
ACTION_LABELS = {CREATE: _("neu"), CHANGE: _("geändert"), UNCHANGED: _("unverändert"), ERROR: _("Fehler")}
POSITION_FIELDS = ("organisation", "building_block", "title", "fte", "pay_grade", "pay_step", "start", "end", "status",
                   "fixed_term", "lapses_when_vacant", "note")  # fmt: skip
FK_FIELDS = ("organisation", "building_block", "pay_grade")


@dataclass
class Message:
    field: str
    column: int | None
    text: str
    is_error: bool = True


@dataclass
class Row:
    number: int
    cells: list[str]
    messages: list[Message] = field(default_factory=list)
    position: dict = field(default_factory=dict)
    assignment: dict = field(default_factory=dict)
    key: tuple | None = None
    position_action: str = ""
    assignment_action: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    existing_position: Position | None = None
    existing_assignment: Assignment | None = None

    def add(self, name: str, column: int | None, text: str, *, error: bool = True) -> None:
        self.messages.append(Message(name, column, text, error))

    @property
    def has_errors(self) -> bool:
        return any(message.is_error for message in self.messages)

    @property
    def action(self) -> str:
        if self.has_errors:
            return ERROR
        actions = {self.position_action, self.assignment_action}
        return CREATE if CREATE in actions else CHANGE if CHANGE in actions else UNCHANGED

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]

    def cell_views(self) -> list[dict]:
        """The cells for the preview table: text, the ids of their messages, whether one is an error."""
        views = []
        for index, text in enumerate(self.cells):
            mine = [(number, m) for number, m in enumerate(self.messages) if m.column == index]
            views.append(
                {
                    "index": index,
                    "text": text,
                    "described_by": " ".join(f"m{self.number}-{number}" for number, _m in mine),
                    "error": any(m.is_error for _number, m in mine),
                }
            )
        return views


@dataclass
class Preview:
    sheets: list[str]
    sheet: str = ""
    header: list[str] = field(default_factory=list)
    header_row: int | None = None
    mapping: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Kept from the whole file when only some rows are (a background job's preview, see as_data).
    stored_counts: dict | None = None
    stored_ok: bool | None = None

    @property
    def counts(self) -> dict:
        if self.stored_counts is not None:
            return self.stored_counts
        counts = {CREATE: 0, CHANGE: 0, UNCHANGED: 0, ERROR: 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts

    @property
    def ok(self) -> bool:
        if self.stored_ok is not None:
            return self.stored_ok
        return not self.errors and bool(self.rows) and not any(row.has_errors for row in self.rows)

    def shown_rows(self, limit: int) -> list[Row]:
        """What the page shows of a long file: only the rows with errors or changes, at most ``limit``."""
        if len(self.rows) <= limit:
            return self.rows
        return [row for row in self.rows if row.action in (ERROR, CHANGE, CREATE)][:limit]

    def as_data(self, limit: int) -> dict:
        """The preview as JSON-safe data, with the rows the page shows (a job stores it on the run)."""
        rows = [
            {
                "number": row.number,
                "cells": row.cells,
                "messages": [[m.field, m.column, m.text, m.is_error] for m in row.messages],
                "position_action": row.position_action,
                "assignment_action": row.assignment_action,
                "changes": [list(change) for change in row.changes],
            }
            for row in self.shown_rows(limit)
        ]
        return {
            "sheets": self.sheets,
            "sheet": self.sheet,
            "header": self.header,
            "header_row": self.header_row,
            "mapping": self.mapping,
            "errors": self.errors,
            "notes": self.notes,
            "counts": self.counts,
            "ok": self.ok,
            "total_rows": len(self.rows),
            "rows": rows,
        }

    @classmethod
    def from_data(cls, data: dict) -> "Preview":
        rows = []
        for item in data["rows"]:
            row = Row(number=item["number"], cells=item["cells"])
            row.messages = [Message(name, column, text, is_error) for name, column, text, is_error in item["messages"]]
            row.position_action, row.assignment_action = item["position_action"], item["assignment_action"]
            row.changes = [tuple(change) for change in item["changes"]]
            rows.append(row)
        return cls(
            sheets=data["sheets"],
            sheet=data["sheet"],
            header=data["header"],
            header_row=data["header_row"],
            mapping=data["mapping"],
            rows=rows,
            errors=data["errors"],
            notes=data["notes"],
            stored_counts=data["counts"],
            stored_ok=data["ok"],
        )


def display(cell) -> str:
    if isinstance(cell, Formula):
        return "=…"
    try:
        return values.text(cell)
    except ValueError:
        return str(cell)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


class Lookups:
    """The organisations, building blocks, pay grades and statuses a row's text can name."""

    def __init__(self):
        self.organisations = {}
        for organisation in Organisation.objects.all():
            self.organisations[_fold(organisation.short_name)] = organisation
            self.organisations.setdefault(_fold(organisation.name), organisation)
        self.blocks = {}
        self.blocks_by_programme = defaultdict(dict)
        for block in BuildingBlock.objects.select_related("programme"):
            programme = block.programme
            self.blocks_by_programme[_fold(programme.short_name)][str(block.number)] = block
            self.blocks_by_programme[_fold(programme.name)][str(block.number)] = block
            for label in (
                f"{programme.short_name} {block.number}",
                f"{programme.short_name} – {_('Baustein')} {block.number}",
                f"{programme.short_name} Baustein {block.number}",
                block.title,
                block.short_title,
                str(block),
            ):
                if label:
                    self.blocks.setdefault(_fold(label), block)
        self.pay_grades = {grade.code.replace(" ", "").casefold(): grade for grade in PayGrade.objects.all()}
        self.statuses = {}
        for status in PositionStatus:
            self.statuses[status.value] = status.value
            self.statuses[str(status.label).casefold()] = status.value

    @staticmethod
    def suggestion(text: str, choices) -> str:
        close = difflib.get_close_matches(_fold(text), list(choices), n=1, cutoff=0.5)
        return close[0] if close else ""


def choose_sheet(workbook: Workbook, wanted: str = "", lookup: dict | None = None):
    names = [sheet.name for sheet in workbook.sheets]
    if wanted in names:
        return workbook.sheets[names.index(wanted)]
    for sheet in workbook.sheets:
        if columns.find_header(sheet.rows, lookup) is not None:
            return sheet
    return workbook.sheets[0]


def no_progress(done: int, total: int, phase: str = "check") -> None:
    """The default progress callback: a short file's preview and commit report to nobody."""


# Rows between two calls of the progress callback.
PROGRESS_STEP = 200


def data_row_count(workbook: Workbook, sheet: str = "") -> int:
    """The rows below the header of the sheet that would be imported (all of its rows without one)."""
    chosen = choose_sheet(workbook, sheet)
    header_index = columns.find_header(chosen.rows)
    return len(chosen.rows) - (header_index + 1 if header_index is not None else 0)


def build_preview(
    workbook: Workbook, *, user, sheet: str = "", mapping: list | None = None, progress=no_progress
) -> Preview:
    """What importing the sheet with the mapping would do, row by row; writes nothing.
    ``progress(done, total)`` is called every few hundred rows."""
    chosen = choose_sheet(workbook, sheet)
    preview = Preview(sheets=[s.name for s in workbook.sheets], sheet=chosen.name, notes=list(workbook.notes))
    header_index = columns.find_header(chosen.rows)
    if header_index is None:
        preview.errors.append(
            _(
                "Im Tabellenblatt „%(sheet)s“ wurde keine Überschriftenzeile gefunden. Erwartet werden Spalten wie "
                "Organisation, Baustein, Bezeichnung und VZÄ."
            )
            % {"sheet": chosen.name}
        )
        return preview
    header = chosen.rows[header_index]
    preview.header_row = header_index + 1
    preview.header = [display(cell) for cell in header]
    width = max(len(row) for row in chosen.rows[header_index:])
    preview.header += [""] * (width - len(preview.header))
    if mapping is None:
        layout = ImportLayout.objects.filter(signature=columns.signature(header)).first()
        mapping = layout.mapping if layout else columns.propose(header)
    preview.mapping = columns.clean_mapping(mapping, width)
    data_rows = chosen.rows[header_index + 1 :]
    for index, name in enumerate(preview.header):
        if not name and any(index < len(row) and not values.is_empty(row[index]) for row in data_rows):
            preview.notes.append(
                _(
                    "Die Spalte %(column)s hat keine Überschrift (z. B. verbundene Zellen) und wird nur importiert, "
                    "wenn Sie ihr unten ein Feld zuordnen."
                )
                % {"column": column_letter(index)}
            )
    mapped = [name for name in preview.mapping if name]
    for name in sorted(set(mapped)):
        if mapped.count(name) > 1:
            preview.errors.append(
                _("Das Feld „%(field)s“ ist mehreren Spalten zugeordnet.") % {"field": columns.FIELDS[name]}
            )
    for name in columns.REQUIRED:
        if name not in mapped:
            preview.errors.append(
                _("Keine Spalte ist dem Feld „%(field)s“ zugeordnet; es wird für jede Stelle gebraucht.")
                % {"field": columns.FIELDS[name]}
            )
    if preview.errors:
        return preview
    lookups = Lookups()
    for offset, cells in enumerate(data_rows):
        if offset % PROGRESS_STEP == 0:
            progress(offset, len(data_rows))
        if not any(not values.is_empty(cell) for cell in cells):
            continue
        row = Row(
            number=header_index + 2 + offset, cells=[display(cell) for cell in cells] + [""] * (width - len(cells))
        )
        raw = {name: (cells[i] if i < len(cells) else None, i) for i, name in enumerate(preview.mapping) if name}
        if _is_totals_row(raw):
            continue
        _parse_row(row, raw, lookups, user)
        preview.rows.append(row)
    if not preview.rows:
        preview.errors.append(_("Unter der Überschriftenzeile stehen keine Zeilen mit Daten."))
        return preview
    _match(preview, user)
    _check_released_figures(preview)
    progress(len(data_rows), len(data_rows))
    return preview


# The position fields whose figures a council paper prints: FTE and status in its positions table,
# pay grade, step and period through the personnel cost and the flat rates' coverage gap.
PRINTED_FIELDS = ("fte", "status", "pay_grade", "pay_step", "start", "end")


def _check_released_figures(preview: Preview) -> None:
    """A warning on every row that creates a position, or changes a printed figure of one, in a
    programme whose figures a released council paper prints. The paper is frozen as released
    (REPORT.md): the import goes ahead, and the committee learns the new figure from a supplement."""
    affected = []
    for row in preview.rows:
        if row.has_errors or row.key is None:
            continue
        if row.position_action == CREATE or (
            row.position_action == CHANGE
            and any(
                name in row.position and _current(row.existing_position, name) != _wanted(row, name)
                for name in PRINTED_FIELDS
            )
        ):
            affected.append(row)
    papers = hooks.released_papers({row.position["building_block"].programme_id for row in affected})
    if not papers:
        return
    column = preview.mapping.index("fte") if "fte" in preview.mapping else None
    for row in affected:
        references = papers.get(row.position["building_block"].programme_id)  # the newest first
        if references:
            row.add(
                "fte",
                column,
                _(
                    "Ändert eine Zahl der freigegebenen Vorlage %(paper)s. Die Vorlage bleibt, wie sie freigegeben "
                    "wurde; für die neue Zahl braucht der Ausschuss eine Ergänzung."
                )
                % {"paper": references[0]},
                error=False,
            )


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _is_totals_row(raw: dict) -> bool:
    """The export's "Summe" row: a title "Summe" and no organisation."""
    title, _column = raw.get("title", (None, None))
    organisation, _column = raw.get("organisation", (None, None))
    return display(title).casefold() in ("summe", "total", "gesamt") and values.is_empty(organisation)


def _parse_row(row: Row, raw: dict, lookups: Lookups, user) -> None:
    def cell(name):
        return raw.get(name, (None, None))

    def parse(name, parser):
        value, column = cell(name)
        if name not in raw:
            return
        if values.is_empty(value):
            row.position[name] = None
            return
        try:
            row.position[name] = parser(value)
        except ValueError as error:
            row.add(name, column, str(error))

    value, column = cell("organisation")
    if values.is_empty(value):
        row.add("organisation", column, _("Die Organisation fehlt."))
    else:
        text = display(value)
        organisation = lookups.organisations.get(_fold(text))
        if organisation is None:
            close = lookups.suggestion(text, lookups.organisations)
            row.add(
                "organisation",
                column,
                _("Unbekannte Organisation „%(value)s“; meinten Sie „%(suggestion)s“?")
                % {"value": text, "suggestion": lookups.organisations[close].short_name}
                if close
                else _("Unbekannte Organisation „%(value)s“.") % {"value": text},
            )
        elif not user.can_change_organisation(organisation.pk):
            row.add(
                "organisation",
                column,
                _("Sie dürfen nur Stellen Ihrer eigenen Organisation importieren, nicht von „%(value)s“.")
                % {"value": organisation.short_name},
            )
        else:
            row.position["organisation"] = organisation

    value, column = cell("building_block")
    if values.is_empty(value):
        row.add("building_block", column, _("Der Baustein fehlt."))
    else:
        text = display(value)
        programme_value, _programme_column = cell("programme")
        block = None
        if not values.is_empty(programme_value):
            block = lookups.blocks_by_programme.get(_fold(display(programme_value)), {}).get(text.removesuffix(".0"))
            if block is None:
                block = lookups.blocks.get(_fold(f"{display(programme_value)} {text}"))
        block = block or lookups.blocks.get(_fold(text))
        if block is None:
            close = lookups.suggestion(text, lookups.blocks)
            row.add(
                "building_block",
                column,
                _("Unbekannter Baustein „%(value)s“; meinten Sie „%(suggestion)s“?")
                % {"value": text, "suggestion": lookups.blocks[close]}
                if close
                else _("Unbekannter Baustein „%(value)s“; bitte Programm und Nummer angeben, z. B. „KIM 2“.")
                % {"value": text},
            )
        else:
            row.position["building_block"] = block

    value, column = cell("title")
    try:
        title = values.text(value)
    except ValueError as error:
        row.add("title", column, str(error))
        title = ""
    else:
        if not title:
            row.add("title", column, _("Die Bezeichnung der Stelle fehlt."))
        elif len(title) > 200:
            row.add("title", column, _("Die Bezeichnung ist länger als 200 Zeichen."))
    row.position["title"] = title

    parse("fte", values.fte)
    if "fte" in raw and row.position.get("fte") is None and not any(m.field == "fte" for m in row.messages):
        row.add("fte", cell("fte")[1], _("Der Stellenumfang (VZÄ) fehlt."))
    parse("start", values.date)
    parse("end", values.date)
    parse("pay_step", values.whole_number)
    parse("fixed_term", values.boolean)
    parse("lapses_when_vacant", values.boolean)
    parse("note", values.text)
    if row.position.get("pay_step") is not None and not 1 <= row.position["pay_step"] <= 6:
        row.add("pay_step", cell("pay_step")[1], _("Die Stufe muss zwischen 1 und 6 liegen."))
    for name in ("fixed_term", "lapses_when_vacant"):
        if name in row.position and row.position[name] is None:
            row.position[name] = name == "fixed_term"
    if row.position.get("note") is None and "note" in raw:
        row.position["note"] = ""
    start, end = row.position.get("start"), row.position.get("end")
    if start and end and end < start:
        row.add("end", cell("end")[1], _("Das Ende der Stelle liegt vor ihrem Beginn."))

    value, column = cell("pay_grade")
    if "pay_grade" in raw:
        if values.is_empty(value):
            row.position["pay_grade"] = None
        else:
            text = display(value)
            grade = lookups.pay_grades.get(text.replace(" ", "").casefold())
            if grade is None:
                close = lookups.suggestion(text.replace(" ", ""), lookups.pay_grades)
                row.add(
                    "pay_grade",
                    column,
                    _("Unbekannte Entgeltgruppe „%(value)s“; meinten Sie „%(suggestion)s“?")
                    % {"value": text, "suggestion": lookups.pay_grades[close].code}
                    if close
                    else _("Unbekannte Entgeltgruppe „%(value)s“.") % {"value": text},
                )
            else:
                row.position["pay_grade"] = grade

    value, column = cell("status")
    if "status" in raw:
        if values.is_empty(value):
            row.position["status"] = PositionStatus.APPROVED.value
        else:
            text = display(value)
            status = lookups.statuses.get(text.casefold())
            if status is None:
                row.add(
                    "status",
                    column,
                    _("Unbekannter Status „%(value)s“; erlaubt sind: %(choices)s.")
                    % {"value": text, "choices": ", ".join(str(s.label) for s in PositionStatus)},
                )
            else:
                row.position["status"] = status

    holder, holder_column = cell("holder_name")
    if not values.is_empty(holder):
        try:
            row.assignment["holder_name"] = values.text(holder)
        except ValueError as error:
            row.add("holder_name", holder_column, str(error))
        share, share_column = cell("fte_share")
        if values.is_empty(share):
            if row.position.get("fte") is not None and "fte_share" not in raw:
                row.assignment["fte_share"] = row.position["fte"]
            else:
                row.add("fte_share", share_column, _("Der Stellenanteil der Besetzung fehlt."))
        else:
            try:
                row.assignment["fte_share"] = values.fte(share)
            except ValueError as error:
                row.add("fte_share", share_column, str(error))
        for name, target in (("assignment_start", "start"), ("assignment_end", "end")):
            value, column = cell(name)
            if not values.is_empty(value):
                try:
                    row.assignment[target] = values.date(value)
                except ValueError as error:
                    row.add(name, column, str(error))
        row.assignment.setdefault("start", row.position.get("start"))
        row.assignment.setdefault("end", row.position.get("end"))
        if row.assignment["start"] is None and not row.has_errors:
            row.add(
                "assignment_start",
                cell("assignment_start")[1],
                _("Für die Besetzung fehlt ein Beginn (Spalte „Besetzung von“ oder der Beginn der Stelle)."),
            )
    else:
        for name in ("fte_share", "assignment_start", "assignment_end"):
            value, column = cell(name)
            if not values.is_empty(value):
                row.add("holder_name", cell("holder_name")[1], _("Ein Stellenanteil ohne Stelleninhaber/-in."))
                break

    if not row.has_errors:
        row.key = (row.position["organisation"].pk, row.position["building_block"].pk, _fold(title))


def _serial(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _show(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if isinstance(value, Decimal):
        return format_fte(value)
    if isinstance(value, datetime.date):
        return f"{value:%d.%m.%Y}"
    if value in PositionStatus.values:
        return str(PositionStatus(value).label)
    return str(value)


def _current(position: Position, name: str):
    if name in FK_FIELDS:
        return getattr(position, f"{name}_id")
    return getattr(position, name)


def _wanted(row: Row, name: str):
    value = row.position[name]
    return value.pk if hasattr(value, "pk") else value


def _match(preview: Preview, user) -> None:
    """Match the rows with the stored positions and assignments and decide what each row does."""
    rows = [row for row in preview.rows if row.key is not None]
    existing = defaultdict(list)
    org_ids = {row.key[0] for row in rows}
    for position in Position.objects.filter(organisation_id__in=org_ids).select_related("organisation", "pay_grade"):
        existing[(position.organisation_id, position.building_block_id, _fold(position.title))].append(position)
    groups = defaultdict(list)
    for row in rows:
        groups[row.key].append(row)
    positions = {key: existing[key][0] for key in groups if len(existing[key]) == 1}
    stored_assignments = defaultdict(list)
    for assignment in Assignment.objects.filter(position__in=[p.pk for p in positions.values()]):
        stored_assignments[assignment.position_id].append(assignment)

    for key, group in groups.items():
        first = group[0]
        if len(existing[key]) > 1:
            for row in group:
                row.add(
                    "title",
                    None,
                    _(
                        "Es gibt bereits mehrere Stellen mit dieser Organisation, diesem Baustein "
                        "und dieser Bezeichnung; bitte die Bezeichnungen eindeutig machen."
                    ),
                )
            continue
        for row in group[1:]:
            differing = [
                name for name in POSITION_FIELDS if name in row.position and _wanted(row, name) != _wanted(first, name)
            ]
            if differing:
                row.add(
                    differing[0],
                    preview.mapping.index(differing[0]),
                    _("Dieselbe Stelle steht schon in Zeile %(row)s, dort mit anderen Angaben (%(field)s).")
                    % {"row": first.number, "field": columns.FIELDS[differing[0]]},
                )
            elif not row.assignment or not first.assignment:
                row.add(
                    "title",
                    preview.mapping.index("title"),
                    _("Doppelte Zeile: dieselbe Stelle steht schon in Zeile %(row)s.") % {"row": first.number},
                )
        seen_holders = {}
        for row in group:
            if not row.assignment or "holder_name" not in row.assignment:
                continue
            holder = (_fold(row.assignment["holder_name"]), row.assignment.get("start"))
            if holder in seen_holders:
                row.add(
                    "holder_name",
                    preview.mapping.index("holder_name"),
                    _("Doppelte Zeile: diese Besetzung steht schon in Zeile %(row)s.") % {"row": seen_holders[holder]},
                )
            seen_holders.setdefault(holder, row.number)
        if any(row.has_errors for row in group):
            continue

        position = positions.get(key)
        first.existing_position = position
        if position is None:
            first.position_action = CREATE
            fte, start, end = first.position["fte"], first.position.get("start"), first.position.get("end")
        else:
            for name in POSITION_FIELDS:
                if name in first.position and _current(position, name) != _wanted(first, name):
                    old = getattr(position, name)
                    first.changes.append((str(columns.FIELDS[name]), _show(old), _show(first.position[name])))
            first.position_action = CHANGE if first.changes else UNCHANGED
            fte = first.position["fte"]
            start = first.position.get("start", position.start)
            end = first.position.get("end", position.end)

        # assignments: matched by holder (and start, where a holder holds the position twice)
        stored = stored_assignments.get(position.pk, []) if position else []
        claimed = set()
        final = []
        for row in group:
            if not row.assignment:
                continue
            match = _find_assignment(stored, row.assignment, claimed)
            row.existing_assignment = match
            if match is None:
                row.assignment_action = CREATE
            else:
                claimed.add(match.pk)
                for name, label in (
                    ("fte_share", _("Anteil")),
                    ("start", _("Besetzung von")),
                    ("end", _("Besetzung bis")),
                ):
                    if getattr(match, name) != row.assignment[name]:
                        row.changes.append((str(label), _show(getattr(match, name)), _show(row.assignment[name])))
                row.assignment_action = (
                    CHANGE
                    if any(getattr(match, name) != row.assignment[name] for name in ("fte_share", "start", "end"))
                    else UNCHANGED
                )
            final.append(_Share(row.assignment["fte_share"], row.assignment["start"], row.assignment["end"]))
            holder_column = preview.mapping.index("holder_name")
            if start and row.assignment["start"] < start:
                row.add(
                    "assignment_start",
                    holder_column,
                    _("Die Besetzung beginnt vor der Stelle (%(day)s).") % {"day": f"{start:%d.%m.%Y}"},
                )
            if end and (row.assignment["end"] is None or row.assignment["end"] > end):
                row.add(
                    "assignment_end",
                    holder_column,
                    _("Die Besetzung endet nach der Stelle (%(day)s).") % {"day": f"{end:%d.%m.%Y}"},
                )
            if row.assignment["end"] and row.assignment["end"] < row.assignment["start"]:
                row.add("assignment_end", holder_column, _("Das Ende der Besetzung liegt vor ihrem Beginn."))
        final += [_Share(a.fte_share, a.start, a.end) for a in stored if a.pk not in claimed]
        peak = peak_assigned_fte(final)
        if peak > fte:
            fte_column = preview.mapping.index("fte")
            for row in group:
                row.add(
                    "fte",
                    fte_column,
                    _(
                        "Die Besetzungen dieser Stelle ergäben an einem Tag %(peak)s VZÄ, "
                        "die Stelle hat aber nur %(fte)s VZÄ."
                    )
                    % {"peak": format_fte(peak), "fte": format_fte(fte)},
                )


@dataclass
class _Share:
    fte_share: Decimal
    start: datetime.date
    end: datetime.date | None


def _find_assignment(stored, wanted: dict, claimed: set):
    candidates = [a for a in stored if a.pk not in claimed and _fold(a.holder_name) == _fold(wanted["holder_name"])]
    same_start = [a for a in candidates if a.start == wanted["start"]]
    if same_start:
        return same_start[0]
    return candidates[0] if len(candidates) == 1 else None


# --- the import run: upload, preview, commit, undo -----------------------------------------------


def start_run(
    *, user, name: str, content: bytes, kind: str = ImportKind.POSITIONS, background_rows: int | None = None
) -> ImportRun:
    """Read the file (refusing what is not a table) and keep it for the preview; saves no records.

    A positions file with more data rows than ``background_rows`` is only read here: its preview
    is left to a background job (:mod:`staffing.imports.jobs`, which the caller queues). Lists of
    decisions and call-offs are short and are previewed at once."""
    import hashlib

    workbook = read_table(name, content)
    run = ImportRun(
        user=user, kind=kind, file_name=name[:255], sha256=hashlib.sha256(content).hexdigest(), content=content
    )
    rows = data_row_count(workbook)
    if kind == ImportKind.POSITIONS and background_rows is not None and rows > background_rows:
        run.sheet, run.progress_total = choose_sheet(workbook).name, rows
    else:
        preview = importer_for(kind).build_preview(workbook, user=user)
        run.sheet, run.mapping = preview.sheet, preview.mapping
    run.save()
    return run


def _preview(run: ImportRun, workbook, *, user, sheet: str, mapping, progress) -> Preview:
    """The preview by the importer of the run's kind; only positions report progress (the other
    kinds are short lists, never a background job)."""
    if run.kind == ImportKind.POSITIONS:
        return build_preview(workbook, user=user, sheet=sheet, mapping=mapping, progress=progress)
    return importer_for(run.kind).build_preview(workbook, user=user, sheet=sheet, mapping=mapping)


def run_preview(run: ImportRun, *, user, progress=no_progress) -> Preview:
    workbook = read_table(run.file_name, bytes(run.content))
    return _preview(run, workbook, user=user, sheet=run.sheet, mapping=run.mapping or None, progress=progress)


def save_mapping(run: ImportRun, *, user, sheet: str, mapping: list[str] | None, progress=no_progress) -> Preview:
    """Remember the chosen sheet and mapping on the run and for the layout of its header."""
    workbook = read_table(run.file_name, bytes(run.content))
    importer = importer_for(run.kind)
    chosen = choose_sheet(workbook, sheet, importer.lookup)
    if chosen.name != run.sheet:
        mapping = None  # another sheet: its own header, its own proposal
    preview = _preview(run, workbook, user=user, sheet=chosen.name, mapping=mapping, progress=progress)
    run.sheet, run.mapping = preview.sheet, preview.mapping
    run.save(update_fields=["sheet", "mapping"])
    if preview.header_row is not None and mapping is not None:
        header = chosen.rows[preview.header_row - 1]
        ImportLayout.objects.update_or_create(
            signature=columns.signature(header, run.kind),
            defaults={"headers": preview.header, "mapping": preview.mapping},
        )
    return preview


def import_reason(run: ImportRun) -> str:
    return system_reason(IMPORTED, file=run.file_name, day=f"{timezone.localtime(run.created):%d.%m.%Y}")


@transaction.atomic
def commit_run(*, run: ImportRun, user, progress=no_progress) -> Preview:
    """Write what the preview shows, all rows or none; raises :class:`ImportFileError` if the
    preview (made again now, against today's data) has errors or the run was already committed.

    ``progress(done, total, phase)`` hears of the rows checked ("check") and written ("write").
    The run's row is locked only at the end, when its status is checked again and set: a second
    commit at the same time waits there, finds the run committed and rolls back; until then a
    background job's progress can be written into the run's row from another connection."""
    from staffing.services import refresh_costs

    run = ImportRun.objects.get(pk=run.pk)
    if run.status != ImportStatus.PREVIEW:
        raise ImportFileError(_("Dieser Import wurde bereits übernommen."))
    preview = run_preview(run, user=user, progress=progress)
    total = len(preview.rows)
    if not preview.ok:
        raise ImportFileError(
            _(
                "Die Vorschau enthält Fehler; es wurde nichts gespeichert. "
                "Bitte die Datei korrigieren und erneut hochladen."
            )
        )
    reason = import_reason(run)
    changes = []
    touched = {}
    locked = {
        p.pk: p
        for p in Position.objects.select_for_update().filter(
            pk__in=[row.existing_position.pk for row in preview.rows if row.existing_position]
        )
    }
    positions_by_key = {}
    new_positions = []
    for number, row in enumerate(preview.rows):
        if number % PROGRESS_STEP == 0:
            progress(number // 2, total, "write")
        if row.position_action == CREATE:
            position = Position(status=PositionStatus.APPROVED, fixed_term=True)
            for name in POSITION_FIELDS:
                if name in row.position:
                    setattr(position, name, row.position[name])
            _validate(position, row)
            new_positions.append(position)
            positions_by_key[row.key] = position
        elif row.position_action in (CHANGE, UNCHANGED) and row.existing_position is not None:
            position = locked[row.existing_position.pk]
            positions_by_key[row.key] = position
            if row.position_action == CHANGE:
                before = {name: _serial(_current(position, name)) for name in POSITION_FIELDS if name in row.position}
                for name in POSITION_FIELDS:
                    if name in row.position:
                        setattr(position, name, row.position[name])
                if "pay_grade" in row.position or "pay_step" in row.position:
                    position.pay_grade_is_illustrative = False
                position.revision += 1
                _validate(position, row)
                position._change_reason = reason
                _save(position, row)
                changes.append({"model": "position", "pk": position.pk, "created": False, "before": before})
                touched[position.pk] = position
    # new records in batches, each with its history row naming the import (django-simple-history's own helper)
    for position in _create_with_history(new_positions, Position, user, reason):
        changes.append({"model": "position", "pk": position.pk, "created": True})
        touched[position.pk] = position
    progress(total // 2, total, "write")
    new_assignments = []
    for row in preview.rows:
        if not row.assignment or row.assignment_action == UNCHANGED:
            continue
        position = positions_by_key[row.key]
        if row.assignment_action == CREATE:
            assignment = Assignment(position=position, **row.assignment)
        else:
            assignment = row.existing_assignment
            before = {name: _serial(getattr(assignment, name)) for name in ("fte_share", "start", "end")}
            for name in ("fte_share", "start", "end"):
                setattr(assignment, name, row.assignment[name])
            assignment.revision += 1
        try:
            assignment.clean_fields(exclude=["position", "revision"])
        except ValidationError as error:
            raise ImportFileError(
                _("Zeile %(row)s: %(error)s") % {"row": row.number, "error": " ".join(error.messages)}
            ) from error
        if row.assignment_action == CREATE:
            new_assignments.append(assignment)
            continue
        assignment._change_reason = reason
        _save(assignment, row)
        changes.append({"model": "assignment", "pk": assignment.pk, "created": False, "before": before})
    for assignment in _create_with_history(new_assignments, Assignment, user, reason):
        changes.append({"model": "assignment", "pk": assignment.pk, "created": True})
    progress(total * 9 // 10, total, "write")
    # the shares of every position that took part never exceed its FTE (the preview checked the same)
    shares = defaultdict(list)
    ids = [position.pk for position in positions_by_key.values()]
    for start in range(0, len(ids), 500):
        for assignment in Assignment.objects.filter(position__in=ids[start : start + 500]).only(
            "position", "fte_share", "start", "end"
        ):
            shares[assignment.position_id].append(assignment)
    for position in positions_by_key.values():
        peak = peak_assigned_fte(shares[position.pk])
        if peak > position.fte:
            raise ImportFileError(
                _("Die Besetzungen der Stelle „%(title)s“ ergäben %(peak)s VZÄ; es wurde nichts gespeichert.")
                % {"title": position.title, "peak": format_fte(peak)}
            )
    _stamp_history(changes)
    if touched:
        refresh_costs(positions=Position.objects.filter(pk__in=list(touched)))
    if ImportRun.objects.select_for_update().get(pk=run.pk).status != ImportStatus.PREVIEW:
        raise ImportFileError(_("Dieser Import wurde bereits übernommen."))
    counts = preview.counts
    run.status = ImportStatus.COMMITTED
    run.committed_at = timezone.now()
    run.created_count, run.changed_count, run.unchanged_count = counts[CREATE], counts[CHANGE], counts[UNCHANGED]
    run.changes = changes
    run.content = b""  # the file (with the holders' names) is not kept once it is imported; its checksum is
    counted = ["created_count", "changed_count", "unchanged_count"]
    run.save(update_fields=["status", "committed_at", *counted, "changes", "content"])
    return preview


def _create_with_history(records: list, model, user, reason: str) -> list:
    """New records in batches, each with its history row naming the import (django-simple-history's
    own helper)."""
    created = []
    for start in range(0, len(records), 500):
        created += bulk_create_with_history(
            records[start : start + 500], model, batch_size=500, default_user=user, default_change_reason=reason
        )
    return created


def _validate(position: Position, row: Row) -> None:
    """The field checks of the form (the rules across fields the preview checked; the database's
    constraints hold anyway, see :func:`_save`). The foreign keys came from the lookups."""
    try:
        position.clean_fields(exclude=["revision", "organisation", "building_block", "pay_grade"])
    except ValidationError as error:
        raise ImportFileError(
            _("Zeile %(row)s: %(error)s") % {"row": row.number, "error": " ".join(error.messages)}
        ) from error


def _save(record, row: Row) -> None:
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as error:
        raise ImportFileError(
            _("Zeile %(row)s verletzt eine Regel der Datenbank; es wurde nichts gespeichert.") % {"row": row.number}
        ) from error


def _models():
    return {"position": Position, "assignment": Assignment}


def _latest_history(changes, models: dict | None = None) -> dict:
    """The newest history row per changed record (``models``: name in ``changes`` -> model)."""
    latest = {}
    for name, model in (models or _models()).items():
        pks = [change["pk"] for change in changes if change["model"] == name]
        for start in range(0, len(pks), 500):
            rows = (
                model.history.filter(id__in=pks[start : start + 500])
                .values("id")
                .annotate(last=Max("history_id"))
                .values_list("id", "last")
            )
            latest.update({(name, pk): last for pk, last in rows})
    return latest


def _stamp_history(changes) -> None:
    latest = _latest_history(changes)
    for change in changes:
        change["history_id"] = latest[(change["model"], change["pk"])]


@transaction.atomic
def undo_run(*, run: ImportRun, user) -> None:
    """Delete what the import created and restore what it changed, while nothing later depends on it."""
    from staffing.services import refresh_costs

    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != ImportStatus.COMMITTED:
        raise ImportFileError(_("Nur ein übernommener Import kann rückgängig gemacht werden."))
    changes = run.changes
    latest = _latest_history(changes)
    later = [c for c in changes if latest.get((c["model"], c["pk"])) != c["history_id"]]
    created_assignments = {c["pk"] for c in changes if c["model"] == "assignment" and c["created"]}
    created_positions = [c["pk"] for c in changes if c["model"] == "position" and c["created"]]
    foreign = Assignment.objects.filter(position__in=created_positions).exclude(pk__in=created_assignments)
    if later or foreign.exists():
        raise ImportFileError(
            _(
                "Der Import kann nicht mehr rückgängig gemacht werden: %(count)s der importierten Datensätze wurden "
                "danach geändert, gelöscht oder um Besetzungen ergänzt."
            )
            % {"count": len(later) or foreign.count()}
        )
    reason = system_reason(IMPORT_UNDONE, file=run.file_name, day=f"{timezone.localtime(run.created):%d.%m.%Y}")
    positions = []
    for change in reversed(changes):
        model = _models()[change["model"]]
        record = model.objects.select_for_update().get(pk=change["pk"])
        record._change_reason = reason
        if change["created"]:
            record.delete()
            continue
        for name, value in change["before"].items():
            attribute = f"{name}_id" if name in FK_FIELDS else name
            model_field = model._meta.get_field(name)
            setattr(record, attribute, model_field.to_python(value) if value is not None else None)
        record.revision += 1
        record.save()
        if change["model"] == "position":
            positions.append(record.pk)
    if positions:
        refresh_costs(positions=Position.objects.filter(pk__in=positions))
    run.mark_undone()


IMPORTER = Importer(
    kind=ImportKind.POSITIONS,
    fields=columns.FIELDS,
    lookup=columns.LOOKUP,
    required=columns.REQUIRED,
    build_preview=build_preview,
    commit=commit_run,
    undo=undo_run,
    may_import=lambda user: user.is_administrator or user.is_caseworker,
    key=gettext_lazy("Organisation + Baustein + Bezeichnung (mehrere Zeilen derselben Stelle: ihre Besetzungen)"),
)
