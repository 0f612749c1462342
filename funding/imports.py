"""Importing grant decisions and call-offs from a spreadsheet, through the import pages of the
positions (:mod:`staffing.imports`: reading, German values, header detection, mapping per layout,
preview, one transaction, undo). Registered with :mod:`staffing.imports.registry` by
:class:`funding.apps.FundingConfig`.

Every row goes through what a page does: a decision through the decision form and the figures
form (every rule of the forms) and :func:`funding.services.create_decision` /
:func:`~funding.services.update_decision`; a call-off through the model's checks and
:func:`funding.services.save_call_off`, which records the importing person as the one who
recorded it: an imported call-off awaits a second person's approval like a typed one.

Stable keys: a decision is found again by its file number (Aktenzeichen); a call-off by its
decision, date and amount. Only the mapped columns are compared and written.
"""

import datetime
import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.forms import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding import services
from funding.forms import DecisionForm, VersionFiguresForm
from funding.models import CallOff, DecisionVersion, FinancingType, GrantDecision, GrantForm
from integration_admin.core.formats import euro
from integration_admin.core.history import IMPORT_UNDONE, system_reason
from programs.models import Funder, Programme
from staffing.imports import mapping as columns
from staffing.imports import values
from staffing.imports.positions import (
    CHANGE,
    CREATE,
    ERROR,
    UNCHANGED,
    Preview,
    Row,
    choose_sheet,
    column_letter,
    display,
    import_reason,
)
from staffing.imports.reading import ImportFileError, Workbook, read_table
from staffing.imports.registry import Importer
from staffing.models import ImportKind, ImportLayout, ImportRun, ImportStatus

REASON_MAX_LENGTH = services.REASON_MAX_LENGTH
# What a decision created by an import may not have for the import to be undone.
DEPENDS = Q(call_offs__isnull=False) | Q(proofs__isnull=False) | Q(pass_throughs__isnull=False)


@dataclass
class RecordRow(Row):
    """A row that creates, changes or leaves alone one record (a decision or a call-off)."""

    data: dict = field(default_factory=dict)
    record_action: str = ""
    existing: object = None
    forms: tuple = ()
    record: object = None

    @property
    def action(self) -> str:
        if self.has_errors:
            return ERROR
        return self.record_action or UNCHANGED


def _fold(text) -> str:
    return " ".join(str(text).split()).casefold()


NOT_MONEY = ("rate", "units", "funded_fte")


def _show(value, name: str = "") -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, Decimal):
        if name in NOT_MONEY:
            return str(value.normalize()).replace(".", ",") + (" %" if name == "rate" else "")
        return euro(value)
    if isinstance(value, datetime.date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, list | set | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _closest(text: str, choices) -> str:
    close = difflib.get_close_matches(_fold(text), list(choices), n=1, cutoff=0.5)
    return close[0] if close else ""


def _read_sheet(workbook: Workbook, importer: Importer, *, sheet: str, mapping: list | None, hint: str):
    """The generic head of a preview: the sheet, its header row, the mapping (the layout's or a
    proposal), the mapping's errors; then the data rows as (number, cells, raw) for the parser."""
    chosen = choose_sheet(workbook, sheet, importer.lookup)
    preview = Preview(sheets=[s.name for s in workbook.sheets], sheet=chosen.name, notes=list(workbook.notes))
    header_index = columns.find_header(chosen.rows, importer.lookup)
    if header_index is None:
        preview.errors.append(
            _(
                "Im Tabellenblatt „%(sheet)s“ wurde keine Überschriftenzeile gefunden. "
                "Erwartet werden Spalten wie %(hint)s."
            )
            % {"sheet": chosen.name, "hint": hint}
        )
        return preview, []
    header = chosen.rows[header_index]
    preview.header_row = header_index + 1
    preview.header = [display(cell) for cell in header]
    width = max(len(row) for row in chosen.rows[header_index:])
    preview.header += [""] * (width - len(preview.header))
    if mapping is None:
        layout = ImportLayout.objects.filter(signature=columns.signature(header, importer.kind)).first()
        mapping = layout.mapping if layout else columns.propose(header, importer.lookup)
    preview.mapping = columns.clean_mapping(mapping, width, importer.fields)
    mapped = [name for name in preview.mapping if name]
    for name in sorted(set(mapped)):
        if mapped.count(name) > 1:
            preview.errors.append(
                _("Das Feld „%(field)s“ ist mehreren Spalten zugeordnet.") % {"field": importer.fields[name]}
            )
    for name in importer.required:
        if name not in mapped:
            preview.errors.append(
                _("Keine Spalte ist dem Feld „%(field)s“ zugeordnet; es wird für jede Zeile gebraucht.")
                % {"field": importer.fields[name]}
            )
    if preview.errors:
        return preview, []
    rows = []
    for offset, cells in enumerate(chosen.rows[header_index + 1 :]):
        if all(values.is_empty(cell) for cell in cells):
            continue
        raw = {name: (cells[i] if i < len(cells) else None, i) for i, name in enumerate(preview.mapping) if name}
        row = RecordRow(
            number=header_index + 2 + offset, cells=[display(cell) for cell in cells] + [""] * (width - len(cells))
        )
        rows.append((row, raw))
    if not rows:
        preview.errors.append(_("Unter der Überschriftenzeile stehen keine Zeilen mit Daten."))
    return preview, rows


def _parse(row: RecordRow, raw: dict, parsers: dict) -> None:
    """The mapped cells as values (``row.data``); a cell that is not a value gets its German message."""
    for name, parser in parsers.items():
        if name not in raw:
            continue
        value, column = raw[name]
        if values.is_empty(value):
            row.data[name] = None
            continue
        try:
            row.data[name] = parser(value)
        except ValueError as error:
            row.add(name, column, str(error))


def _column(raw: dict, name: str) -> int | None:
    return raw[name][1] if name in raw else None


def _rate(value) -> Decimal:
    """A rate in percent: "80", "80 %", "50,5"; an Excel percent cell (0.8 shown as 80 %) as 80."""
    if isinstance(value, float) and 0 < value < 1:
        value = value * 100
        return values.decimal(round(value, 6), places=2)
    return values.decimal(str(value).replace("%", "").strip() if isinstance(value, str) else value, places=2)


def _form_errors(row: RecordRow, raw: dict, form, labels: dict) -> None:
    for name, messages in form.errors.items():
        column = _column(raw, name)
        for message in messages:
            label = labels.get(name)
            row.add(name, column, f"{label}: {message}" if label and column is None else message)


def _history_ids(model, pks) -> dict:
    """The newest history row per record: a later save of the record (an approval too) moves it on."""
    return dict(
        model.history.filter(id__in=list(pks)).values("id").annotate(last=Max("history_id")).values_list("id", "last")
    )


def _start(run: ImportRun, user) -> ImportRun:
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != ImportStatus.PREVIEW:
        raise ImportFileError(_("Dieser Import wurde bereits übernommen."))
    return run


def _preview_for_commit(run: ImportRun, importer: Importer, user) -> Preview:
    workbook = read_table(run.file_name, bytes(run.content))
    preview = importer.build_preview(workbook, user=user, sheet=run.sheet, mapping=run.mapping or None)
    if not preview.ok:
        raise ImportFileError(
            _(
                "Die Vorschau enthält Fehler; es wurde nichts gespeichert. "
                "Bitte die Datei korrigieren und erneut hochladen."
            )
        )
    return preview


def _finish(run: ImportRun, preview: Preview, changes: list) -> None:
    counts = preview.counts
    run.status = ImportStatus.COMMITTED
    run.committed_at = timezone.now()
    run.created_count, run.changed_count, run.unchanged_count = counts[CREATE], counts[CHANGE], counts[UNCHANGED]
    run.changes = changes
    run.content = b""
    run.save()


def _undo_reason(run: ImportRun) -> str:
    return system_reason(IMPORT_UNDONE, file=run.file_name, day=f"{timezone.localtime(run.created):%d.%m.%Y}")[
        :REASON_MAX_LENGTH
    ]


def _row_error(row: RecordRow, error: ValidationError) -> ImportFileError:
    return ImportFileError(_("Zeile %(row)s: %(error)s") % {"row": row.number, "error": " ".join(error.messages)})


# --- grant decisions -------------------------------------------------------------------------------

DECISION_FIELDS = {
    "reference": gettext_lazy("Aktenzeichen"),
    "programme": gettext_lazy("Förderprogramm"),
    "building_blocks": gettext_lazy("Bausteine"),
    "funder": gettext_lazy("Zuwendungsgeber"),
    "title": gettext_lazy("Bezeichnung"),
    "form": gettext_lazy("Form"),
    "dated_on": gettext_lazy("Bescheiddatum"),
    "received_on": gettext_lazy("Eingang"),
    "period_start": gettext_lazy("Bewilligungszeitraum von"),
    "period_end": gettext_lazy("Bewilligungszeitraum bis"),
    "financing_type": gettext_lazy("Finanzierungsart"),
    "eligible_expenditure": gettext_lazy("zuwendungsfähige Ausgaben"),
    "rate": gettext_lazy("Fördersatz in %"),
    "stated_amount": gettext_lazy("Betrag laut Bescheid"),
    "funded_fte": gettext_lazy("geförderte VZÄ"),
    "own_funds": gettext_lazy("Eigenmittel"),
    "third_party_funds": gettext_lazy("Drittmittel"),
    "full_financing_reason": gettext_lazy("Begründung der Vollfinanzierung"),
}
DECISION_REQUIRED = ("reference", "programme", "funder", "financing_type")
DECISION_SYNONYMS = {
    "reference": ["aktenzeichen", "az", "geschäftszeichen", "gz", "bescheidnr", "bescheidnummer", "reference"],
    "programme": ["programm", "förderprogramm", "programme", "program"],
    "building_blocks": ["baustein", "bausteine", "förderbaustein", "förderbausteine", "buildingblocks"],
    "funder": ["zuwendungsgeber", "bewilligungsbehörde", "fördermittelgeber", "geber", "funder"],
    "title": ["bezeichnung", "titel", "maßnahme", "projekt", "title"],
    "form": ["form", "zuwendungsform", "artderzuwendung"],
    "dated_on": ["bescheiddatum", "datum", "bescheidvom", "vom", "datumdesbescheids"],
    "received_on": ["eingang", "eingangam", "eingegangenam", "posteingang", "receivedon"],
    "period_start": ["zeitraumvon", "bewilligungszeitraumvon", "von", "laufzeitvon", "beginn"],
    "period_end": ["zeitraumbis", "bewilligungszeitraumbis", "bis", "laufzeitbis", "ende"],
    "financing_type": ["finanzierungsart", "finanzierung", "financingtype"],
    "eligible_expenditure": [
        "zuwendungsfähigeausgaben",
        "zuwendungsfähig",
        "zuwendungsfähigegesamtausgaben",
        "gesamtausgaben",
        "eligible",
    ],
    "rate": ["fördersatz", "fördersatzin", "fördersatzinprozent", "förderquote", "quote", "anteil", "share"],
    "stated_amount": ["zuwendung", "zuwendungsbetrag", "betraglautbescheid", "bewilligt", "bewilligterbetrag", "grant"],
    "funded_fte": ["gefördertevzä", "vzä", "fte"],
    "own_funds": ["eigenmittel"],
    "third_party_funds": ["drittmittel"],
    "full_financing_reason": ["begründung", "begründungdervollfinanzierung"],
    columns.IGNORE: ["eigenanteil", "abgerufen", "eingegangen", "status", "fassung", "nr", "lfdnr"],
}
DECISION_PARSERS = {
    "reference": values.text,
    "title": values.text,
    "dated_on": values.date,
    "received_on": values.date,
    "period_start": values.date,
    "period_end": values.date,
    "eligible_expenditure": values.amount,
    "rate": _rate,
    "stated_amount": values.amount,
    "funded_fte": values.fte,
    "own_funds": values.amount,
    "third_party_funds": values.amount,
    "full_financing_reason": values.text,
}
DECISION_FORM_FIELDS = ("programme", "building_blocks", "funder", "application", "title", "reference", "form")
VERSION_FORM_FIELDS = ("dated_on", "received_on", *services.VERSION_FIGURES)


class DecisionLookups:
    def __init__(self):
        self.programmes, self.funders = {}, {}
        for programme in Programme.objects.prefetch_related("building_blocks"):
            self.programmes[_fold(programme.short_name)] = programme
            self.programmes.setdefault(_fold(programme.name), programme)
        for funder in Funder.objects.all():
            self.funders[_fold(funder.short_name)] = funder
            self.funders.setdefault(_fold(funder.name), funder)
        self.types = {}
        for value, label in FinancingType.choices:
            self.types[value] = value
            self.types[_fold(label)] = value
        self.types.update({"anteil": "share", "festbetrag": "fixed", "fehlbedarf": "deficit", "pauschale": "flat_rate"})
        self.grant_forms = {}
        for value, label in GrantForm.choices:
            self.grant_forms[value] = value
            self.grant_forms[_fold(label)] = value
        self.decisions = {}
        for decision in GrantDecision.objects.exclude(reference=""):
            self.decisions.setdefault(_fold(decision.reference), []).append(decision.pk)


def unknown_messages() -> dict:
    """Per field: the message with the closest match, and the one without (whole sentences)."""
    return {
        "programme": (
            _("Unbekanntes Programm „%(value)s“; meinten Sie „%(suggestion)s“?"),
            _("Unbekanntes Programm „%(value)s“."),
        ),
        "funder": (
            _("Unbekannter Zuwendungsgeber „%(value)s“; meinten Sie „%(suggestion)s“?"),
            _("Unbekannter Zuwendungsgeber „%(value)s“."),
        ),
        "financing_type": (
            _("Unbekannte Finanzierungsart „%(value)s“; meinten Sie „%(suggestion)s“?"),
            _("Unbekannte Finanzierungsart „%(value)s“."),
        ),
        "form": (
            _("Unbekannte Form der Zuwendung „%(value)s“; meinten Sie „%(suggestion)s“?"),
            _("Unbekannte Form der Zuwendung „%(value)s“."),
        ),
        "decision": (
            _("Unbekannter Bescheid „%(value)s“; meinten Sie „%(suggestion)s“?"),
            _("Unbekannter Bescheid „%(value)s“."),
        ),
    }


def _named(row, raw, name, table: dict, shown=str):
    """The record a cell names in ``table`` (folded name -> record), or a message with the closest match."""
    value, column = raw.get(name, (None, None))
    if name not in raw or values.is_empty(value):
        return None
    text = display(value)
    found = table.get(_fold(text))
    if found is None:
        close = _closest(text, table)
        row.add(
            name,
            column,
            unknown_messages()[name][0] % {"value": text, "suggestion": shown(table[close])}
            if close
            else unknown_messages()[name][1] % {"value": text},
        )
    return found


def _type_label(value: str) -> str:
    return str(FinancingType(value).label)


def _form_label(value: str) -> str:
    return str(GrantForm(value).label)


def _blocks(row, raw, programme) -> list | None:
    value, column = raw.get("building_blocks", (None, None))
    if "building_blocks" not in raw or values.is_empty(value) or programme is None:
        return None
    by_number = {str(block.number): block for block in programme.building_blocks.all()}
    found = []
    for part in display(value).replace(";", ",").replace("/", ",").split(","):
        number = part.strip().removeprefix(programme.short_name).strip().removesuffix(".0")
        if not number:
            continue
        block = by_number.get(number)
        if block is None:
            row.add(
                "building_blocks",
                column,
                _("Das Programm %(programme)s hat keinen Baustein „%(value)s“; vorhanden sind: %(numbers)s.")
                % {"programme": programme.short_name, "value": part.strip(), "numbers": ", ".join(by_number) or "–"},
            )
            continue
        found.append(block.pk)
    return found


def build_decision_preview(workbook: Workbook, *, user, sheet: str = "", mapping: list | None = None) -> Preview:
    """What importing the sheet as grant decisions would do, row by row; writes nothing."""
    preview, rows = _read_sheet(
        workbook,
        DECISIONS,
        sheet=sheet,
        mapping=mapping,
        hint=_("Aktenzeichen, Programm, Zuwendungsgeber und Finanzierungsart"),
    )
    if not rows:
        return preview
    lookups = DecisionLookups()
    seen = {}
    for row, raw in rows:
        preview.rows.append(row)
        _parse(row, raw, DECISION_PARSERS)
        programme = _named(row, raw, "programme", lookups.programmes, lambda p: p.short_name)
        funder = _named(row, raw, "funder", lookups.funders, lambda f: f.short_name)
        financing_type = _named(row, raw, "financing_type", lookups.types, _type_label)
        grant_form = _named(row, raw, "form", lookups.grant_forms, _form_label)
        blocks = _blocks(row, raw, programme)
        reference = row.data.get("reference") or ""
        if not reference and not any(m.field == "reference" for m in row.messages):
            row.add(
                "reference",
                _column(raw, "reference"),
                _("Das Aktenzeichen fehlt; an ihm wird der Bescheid wiedererkannt."),
            )
        for name in ("programme", "funder", "financing_type"):
            value, column = raw[name]
            if values.is_empty(value):
                row.add(name, column, _("„%(field)s“ fehlt.") % {"field": DECISION_FIELDS[name]})
        if reference:
            key = _fold(reference)
            if key in seen:
                row.add(
                    "reference",
                    _column(raw, "reference"),
                    _("Doppelte Zeile: dieses Aktenzeichen steht schon in Zeile %(row)s.") % {"row": seen[key]},
                )
            seen.setdefault(key, row.number)
            if len(lookups.decisions.get(key, [])) > 1:
                row.add(
                    "reference",
                    _column(raw, "reference"),
                    _("Es gibt bereits mehrere Bescheide mit diesem Aktenzeichen; bitte dort eindeutig machen."),
                )
        if row.has_errors:
            continue
        existing_pk = lookups.decisions.get(_fold(reference), [None])[0]
        decision = GrantDecision.objects.get(pk=existing_pk) if existing_pk else GrantDecision()
        stored = DecisionVersion.objects.filter(decision=decision, is_current=True).first() if existing_pk else None
        if existing_pk and stored is None:
            row.add(
                "reference",
                _column(raw, "reference"),
                _("Der Bescheid mit diesem Aktenzeichen hat keine geltende Fassung."),
            )
            continue
        decision_data = model_to_dict(decision, fields=DECISION_FORM_FIELDS) if existing_pk else {}
        if existing_pk:
            decision_data["building_blocks"] = [block.pk for block in decision.building_blocks.all()]
        version = DecisionVersion.objects.get(pk=stored.pk) if stored else DecisionVersion()
        version_data = model_to_dict(version, fields=VERSION_FORM_FIELDS)
        if not existing_pk:
            version_data.update(month_counting="", is_illustrative=False)
            decision_data.update(form=GrantForm.ZUWEISUNG, title="", application=None)
            if "building_blocks" not in raw and programme is not None:
                decision_data["building_blocks"] = [block.pk for block in programme.building_blocks.all()]
        for name, value in (("programme", programme), ("funder", funder), ("form", grant_form)):
            if value is not None:
                decision_data[name] = value.pk if hasattr(value, "pk") else value
        decision_data["reference"] = reference
        if blocks is not None:
            decision_data["building_blocks"] = blocks
        if "title" in raw and row.data.get("title"):
            decision_data["title"] = row.data["title"]
        if not decision_data.get("title"):
            decision_data["title"] = f"{programme.short_name} {reference}"[:200]
        version_data["financing_type"] = financing_type
        for name in VERSION_FORM_FIELDS:
            if name in row.data:
                version_data[name] = row.data[name]
        if financing_type == FinancingType.FIXED and version_data.get("unit_amount") is None:
            version_data.update(unit_amount=row.data.get("stated_amount"), units=Decimal("1"))
        decision_form = DecisionForm(data=decision_data, instance=decision if existing_pk else None)
        version_form = VersionFiguresForm(data=version_data, instance=version)
        if decision_form.is_valid():
            version_form.instance.building_block_ids = [b.pk for b in decision_form.cleaned_data["building_blocks"]]
        decision_form.is_valid(), version_form.is_valid()
        _form_errors(row, raw, decision_form, DECISION_FIELDS)
        _form_errors(row, raw, version_form, DECISION_FIELDS)
        if row.has_errors:
            continue
        row.forms = (decision_form, version_form)
        grant = version_form.instance.compute_grant()
        stated = version_form.instance.stated_amount
        if stated is not None and grant is not None and stated != grant:
            row.add(
                "stated_amount",
                _column(raw, "stated_amount"),
                _(
                    "Laut Datei %(stated)s, aus den Angaben berechnet %(grant)s; "
                    "die Abweichung wird am Bescheid angezeigt."
                )
                % {"stated": euro(stated), "grant": euro(grant)},
                error=False,
            )
        if not existing_pk:
            row.record_action = CREATE
            continue
        row.existing = decision
        before_decision = GrantDecision.objects.get(pk=existing_pk)
        for name in DECISION_FORM_FIELDS:
            if name == "building_blocks":
                old = sorted(b.pk for b in before_decision.building_blocks.all())
                new = sorted(b.pk for b in decision_form.cleaned_data["building_blocks"])
            else:
                old = getattr(before_decision, f"{name}_id" if name in ("programme", "funder", "application") else name)
                new = decision_form.cleaned_data.get(name)
                new = getattr(new, "pk", new)
            if old != new:
                row.changes.append((str(DecisionForm.base_fields[name].label or name), _show(old), _show(new)))
        for name in VERSION_FORM_FIELDS:
            old, new = getattr(stored, name), getattr(version_form.instance, name)
            if old != new and not (old in (None, "") and new in (None, "")):
                label = DECISION_FIELDS.get(name) or DecisionVersion._meta.get_field(name).verbose_name
                row.changes.append((str(label), _show(old, name), _show(new, name)))
        row.record_action = CHANGE if row.changes else UNCHANGED
    return preview


@transaction.atomic
def commit_decisions(*, run: ImportRun, user) -> Preview:
    run = _start(run, user)
    preview = _preview_for_commit(run, DECISIONS, user)
    reason = import_reason(run)[:REASON_MAX_LENGTH]
    changes = []
    for row in preview.rows:
        if row.record_action not in (CREATE, CHANGE):
            continue
        decision_form, version_form = row.forms
        blocks = decision_form.cleaned_data["building_blocks"]
        try:
            if row.record_action == CREATE:
                decision = decision_form.save(commit=False)
                version = version_form.save(commit=False)
                decision._change_reason = version._change_reason = reason
                services.create_decision(decision=decision, building_blocks=blocks, version=version)
                changes.append({"model": "decision", "pk": decision.pk, "created": True, "version": version.pk})
                continue
            stored = GrantDecision.objects.get(pk=row.existing.pk)
            current = stored.versions.get(is_current=True)
            before = {
                **{
                    name: getattr(stored, f"{name}_id" if name in ("programme", "funder", "application") else name)
                    for name in DECISION_FORM_FIELDS
                    if name != "building_blocks"
                },  # fmt: skip
                "building_blocks": sorted(b.pk for b in stored.building_blocks.all()),
                "figures": {name: _serial(getattr(current, name)) for name in VERSION_FORM_FIELDS},
            }
            decision_changed = decision_form.has_changed()
            figures_changed = version_form.has_changed()
            services.update_decision(
                decision=decision_form.save(commit=False),
                expected_revision=stored.revision,
                building_blocks=blocks,
                version=version_form.save(commit=False) if figures_changed else None,
                reason=reason,
                decision_changed=decision_changed,
            )
            changes.append(
                {"model": "decision", "pk": stored.pk, "created": False, "version": current.pk, "before": before}
            )
        except ValidationError as error:
            raise _row_error(row, error) from error
    _stamp(changes)
    _finish(run, preview, changes)
    return preview


def _serial(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _stamp(changes) -> None:
    decisions = _history_ids(GrantDecision, [c["pk"] for c in changes])
    versions = _history_ids(DecisionVersion, [c["version"] for c in changes])
    for change in changes:
        change["history_id"] = decisions.get(change["pk"])
        change["version_history_id"] = versions.get(change["version"])


@transaction.atomic
def undo_decisions(*, run: ImportRun, user) -> None:
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != ImportStatus.COMMITTED:
        raise ImportFileError(_("Nur ein übernommener Import kann rückgängig gemacht werden."))
    changes = run.changes
    decisions = _history_ids(GrantDecision, [c["pk"] for c in changes])
    versions = _history_ids(DecisionVersion, [c["version"] for c in changes])
    later = [
        c
        for c in changes
        if decisions.get(c["pk"]) != c["history_id"]
        or versions.get(c["version"]) != c["version_history_id"]
        or DecisionVersion.objects.filter(decision=c["pk"], number__gt=0).exclude(pk=c["version"]).exists()
        or (c["created"] and GrantDecision.objects.filter(DEPENDS, pk=c["pk"]).exists())
    ]
    if later:
        raise ImportFileError(
            _(
                "Der Import kann nicht mehr rückgängig gemacht werden: %(count)s der importierten Bescheide wurden "
                "danach geändert, gelöscht oder um Abrufe, Nachweise oder Weiterleitungen ergänzt."
            )
            % {"count": len(later)}
        )
    reason = _undo_reason(run)
    for change in reversed(changes):
        decision = GrantDecision.objects.get(pk=change["pk"])
        decision._change_reason = reason
        if change["created"]:
            decision.delete()
            continue
        before = change["before"]
        for name, value in before.items():
            if name in ("figures", "building_blocks"):
                continue
            setattr(decision, f"{name}_id" if name in ("programme", "funder", "application") else name, value)
        version = DecisionVersion.objects.get(pk=change["version"])
        for name, value in before["figures"].items():
            setattr(version, name, DecisionVersion._meta.get_field(name).to_python(value))
        services.update_decision(
            decision=decision,
            expected_revision=None,
            building_blocks=before["building_blocks"],
            version=version,
            reason=reason,
        )
    run.mark_undone()


DECISIONS = Importer(
    kind=ImportKind.DECISIONS,
    fields=DECISION_FIELDS,
    lookup=columns.lookup_of(DECISION_SYNONYMS),
    required=DECISION_REQUIRED,
    build_preview=build_decision_preview,
    commit=commit_decisions,
    undo=undo_decisions,
    may_import=lambda user: user.can_change_grants(),
    key=gettext_lazy("das Aktenzeichen"),
    notes=(
        gettext_lazy(
            "Je Zeile ein Bescheid. Ein bekanntes Aktenzeichen korrigiert die geltende Fassung dieses Bescheids "
            "(mit dem Import als Grund im Verlauf); ein Änderungsbescheid wird auf der Seite des Bescheids erfasst."
        ),
    ),
)


# --- call-offs -------------------------------------------------------------------------------------

CALL_OFF_FIELDS = {
    "decision": gettext_lazy("Bescheid (Aktenzeichen oder Bezeichnung)"),
    "called_on": gettext_lazy("abgerufen am"),
    "amount": gettext_lazy("abgerufener Betrag"),
    "needed_on": gettext_lazy("benötigt für Zahlungen ab"),
    "received_on": gettext_lazy("eingegangen am"),
    "received_amount": gettext_lazy("eingegangener Betrag"),
    "reference": gettext_lazy("Kassenzeichen / Aktenzeichen"),
    "note": gettext_lazy("Bemerkung"),
}
CALL_OFF_REQUIRED = ("decision", "called_on", "amount")
CALL_OFF_SYNONYMS = {
    "decision": [
        "bescheid",
        "zuwendungsbescheid",
        "aktenzeichen",
        "az",
        "aktenzeichendesbescheids",
        "decision",
        "bescheidaktenzeichenoderbezeichnung",
        "decisionfilenumberortitle",  # the export's own header
    ],  # fmt: skip
    "called_on": ["abgerufenam", "abrufdatum", "datum", "abruf", "abrufvom", "calledon"],
    "amount": ["betrag", "abgerufenerbetrag", "abrufbetrag", "abgerufen", "amount"],
    "needed_on": ["benötigtab", "benötigtfürzahlungenab", "fälligab", "neededon"],
    "received_on": ["eingegangenam", "eingangam", "eingang", "zahlungseingang", "receivedon"],
    "received_amount": ["eingegangenerbetrag", "eingegangen", "eingangsbetrag", "receivedamount"],
    "reference": ["kassenzeichen", "kassenzeichenaktenzeichen", "buchungszeichen"],
    "note": ["bemerkung", "bemerkungen", "notiz", "note"],
    columns.IGNORE: ["nr", "lfdnr", "status", "freigabe", "erfasstvon", "freigegebenvon"],
}
CALL_OFF_PARSERS = {
    "called_on": values.date,
    "amount": values.amount,
    "needed_on": values.date,
    "received_on": values.date,
    "received_amount": values.amount,
    "reference": values.text,
    "note": values.text,
}
CALL_OFF_COMPARED = ("needed_on", "received_on", "received_amount", "reference", "note")
CALL_OFF_RESTORED = (*CALL_OFF_COMPARED, "recorded_by", "recorded_at", "approved_by", "approved_at")


def build_call_off_preview(workbook: Workbook, *, user, sheet: str = "", mapping: list | None = None) -> Preview:
    """What importing the sheet as call-offs would do, row by row; writes nothing."""
    preview, rows = _read_sheet(
        workbook, CALL_OFFS, sheet=sheet, mapping=mapping, hint=_("Bescheid, abgerufen am und Betrag")
    )
    if not rows:
        return preview
    decisions = {}
    for decision in GrantDecision.objects.all():
        decisions.setdefault(_fold(decision.title), decision)
        if decision.reference:
            decisions[_fold(decision.reference)] = decision
    stored = {}
    for call_off in CallOff.objects.all():
        stored.setdefault((call_off.decision_id, call_off.called_on, call_off.amount), []).append(call_off)
    seen = {}
    new_total = {}
    for row, raw in rows:
        preview.rows.append(row)
        _parse(row, raw, CALL_OFF_PARSERS)
        decision = _named(row, raw, "decision", decisions, lambda d: d.reference or d.title)
        for name in CALL_OFF_REQUIRED:
            value, column = raw[name]
            if values.is_empty(value):
                row.add(name, column, _("„%(field)s“ fehlt.") % {"field": CALL_OFF_FIELDS[name]})
        if row.has_errors:
            continue
        if "received_amount" not in row.data or row.data["received_amount"] is None:
            if row.data.get("received_on") is not None:
                row.data["received_amount"] = row.data["amount"]
                row.add(
                    "received_on",
                    _column(raw, "received_on"),
                    _("Eingang ohne Betrag: der abgerufene Betrag gilt als eingegangen."),
                    error=False,
                )
        key = (decision.pk, row.data["called_on"], row.data["amount"])
        if key in seen:
            row.add(
                "amount",
                _column(raw, "amount"),
                _("Doppelte Zeile: derselbe Abruf (Bescheid, Datum, Betrag) steht schon in Zeile %(row)s.")
                % {"row": seen[key]},
            )
            continue
        seen[key] = row.number
        matches = stored.get(key, [])
        if len(matches) > 1:
            row.add(
                "amount",
                _column(raw, "amount"),
                _("Es gibt bereits mehrere gleiche Abrufe (Bescheid, Datum, Betrag); bitte dort eindeutig machen."),
            )
            continue
        call_off = CallOff.objects.get(pk=matches[0].pk) if matches else CallOff(decision=decision)
        for name in ("called_on", "amount", *CALL_OFF_COMPARED):
            if name in row.data:
                value = row.data[name]
                setattr(call_off, name, "" if value is None and name in ("reference", "note") else value)
        if not matches:
            new_total[decision.pk] = new_total.get(decision.pk, Decimal("0.00")) + call_off.amount
        try:
            call_off.full_clean(exclude=["decision", "revision"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    row.add(name, _column(raw, name), message)
            continue
        if not matches and new_total[decision.pk] > call_off.amount:
            # the file's earlier new call-offs of this decision count as well
            version = decision.versions.filter(is_current=True).first()
            called = CallOff.objects.filter(decision=decision).totals()["called"] + new_total[decision.pk]
            if version.granted_amount is not None and called > version.granted_amount:
                row.add(
                    "amount",
                    _column(raw, "amount"),
                    _(
                        "Mit den Abrufen der Datei bis hier wären %(total)s abgerufen, "
                        "bewilligt sind aber nur %(granted)s."
                    )
                    % {"total": euro(called), "granted": euro(version.granted_amount)},
                )
                continue
        row.record = call_off
        if not matches:
            row.record_action = CREATE
            continue
        row.existing = matches[0]
        for name in CALL_OFF_COMPARED:
            old, new = getattr(matches[0], name), getattr(call_off, name)
            if name in row.data and old != new:
                row.changes.append((str(CALL_OFF_FIELDS[name]), _show(old), _show(new)))
        row.record_action = CHANGE if row.changes else UNCHANGED
    return preview


@transaction.atomic
def commit_call_offs(*, run: ImportRun, user) -> Preview:
    run = _start(run, user)
    preview = _preview_for_commit(run, CALL_OFFS, user)
    reason = import_reason(run)[:REASON_MAX_LENGTH]
    changes = []
    for row in preview.rows:
        if row.record_action not in (CREATE, CHANGE):
            continue
        call_off = row.record
        before = None
        if row.record_action == CHANGE:
            stored = CallOff.objects.get(pk=call_off.pk)
            before = {
                name: _serial(getattr(stored, CallOff._meta.get_field(name).attname)) for name in CALL_OFF_RESTORED
            }
            call_off.revision += 1
        call_off._change_reason = reason
        try:
            services.save_call_off(call_off=call_off, user=user)
        except ValidationError as error:
            raise _row_error(row, error) from error
        changes.append({"model": "call_off", "pk": call_off.pk, "created": before is None, "before": before})
    ids = _history_ids(CallOff, [c["pk"] for c in changes])
    for change in changes:
        change["history_id"] = ids[change["pk"]]
    _finish(run, preview, changes)
    return preview


@transaction.atomic
def undo_call_offs(*, run: ImportRun, user) -> None:
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != ImportStatus.COMMITTED:
        raise ImportFileError(_("Nur ein übernommener Import kann rückgängig gemacht werden."))
    ids = _history_ids(CallOff, [c["pk"] for c in run.changes])
    later = [c for c in run.changes if ids.get(c["pk"]) != c["history_id"]]
    if later:
        raise ImportFileError(
            _(
                "Der Import kann nicht mehr rückgängig gemacht werden: %(count)s der importierten Mittelabrufe wurden "
                "danach geändert, freigegeben oder gelöscht."
            )
            % {"count": len(later)}
        )
    reason = _undo_reason(run)
    for change in reversed(run.changes):
        call_off = CallOff.objects.select_for_update().get(pk=change["pk"])
        call_off._change_reason = reason
        if change["created"]:
            call_off.delete()
            continue
        for name, value in change["before"].items():
            model_field = CallOff._meta.get_field(name)
            setattr(call_off, model_field.attname, model_field.to_python(value) if value is not None else None)
        call_off.revision += 1
        call_off.save()
    run.mark_undone()


CALL_OFFS = Importer(
    kind=ImportKind.CALL_OFFS,
    fields=CALL_OFF_FIELDS,
    lookup=columns.lookup_of(CALL_OFF_SYNONYMS),
    required=CALL_OFF_REQUIRED,
    build_preview=build_call_off_preview,
    commit=commit_call_offs,
    undo=undo_call_offs,
    may_import=lambda user: user.can_change_grants(),
    key=gettext_lazy("Bescheid + abgerufen am + Betrag"),
    notes=(
        gettext_lazy(
            "Vier-Augen-Prinzip: Importierte Mittelabrufe gelten als von Ihnen erfasst und müssen danach von einer "
            "zweiten Person freigegeben werden (auf der Seite des Bescheids)."
        ),
    ),
)

__all__ = ["CALL_OFFS", "DECISIONS", "column_letter"]
