"""Importing the financing plans of grant decisions (their items) through the import pages of the
positions, with the helpers of :mod:`funding.imports`. Registered by :class:`funding.apps.FundingConfig`.

A row is one line of a plan and names its decision by its file number (Aktenzeichen). Like the
plan page, the lines of one decision in the file replace that decision's current plan: every
decision goes through the plan page's form set and :func:`funding.services.save_financing_plan`
(the lines' checks, the decision's lock and revision, frozen flat rates, the figures recomputed).
The preview tries each changed plan in a savepoint that is rolled back, so the service's own
rules show before anything is saved.

A file line is matched to an unchanged line of the plan first (the order does not matter), then
to the plan's remaining lines in order (a changed line); lines left over are new, plan lines left
over are removed. A file whose lines equal the plan changes nothing.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding import services
from funding.forms import PlanItemFormSet
from funding.imports import (
    _closest,
    _column,
    _finish,
    _fold,
    _form_errors,
    _history_ids,
    _parse,
    _rate,
    _read_sheet,
    _serial,
    _show,
    _start,
    _undo_reason,
)
from funding.models import DecisionVersion, GrantDecision, PlanItem, PlanItemKind
from integration_admin.core.formats import euro
from programs.models import BuildingBlock
from staffing.imports import mapping as columns
from staffing.imports import values
from staffing.imports.positions import CHANGE, CREATE, UNCHANGED, Preview, display, import_reason
from staffing.imports.reading import ImportFileError, Workbook, read_table
from staffing.imports.registry import Importer
from staffing.models import ImportKind, ImportRun, ImportStatus, Organisation

REASON_MAX_LENGTH = services.REASON_MAX_LENGTH

PLAN_FIELDS = {
    "decision": gettext_lazy("Aktenzeichen"),
    "kind": gettext_lazy("Art"),
    "label": gettext_lazy("Bezeichnung"),
    "year": gettext_lazy("Jahr"),
    "fte": gettext_lazy("VZÄ"),
    "amount": gettext_lazy("Betrag"),
    "percent": gettext_lazy("Prozent"),
    "organisation": gettext_lazy("Organisation"),
    "building_block": gettext_lazy("Baustein"),
}
PLAN_REQUIRED = ("decision", "kind")
PLAN_SYNONYMS = {
    "decision": ["aktenzeichen", "az", "geschäftszeichen", "bescheid", "aktenzeichendesbescheids", "bescheidnr"],
    "kind": ["art", "kostenart", "positionsart", "artderposition", "kind"],
    "label": ["bezeichnung", "position", "text", "beschreibung", "label"],
    "year": ["jahr", "nurimjahr", "haushaltsjahr", "year"],
    "fte": ["vzä", "stellenanteil", "stellenumfang", "fte"],
    "amount": ["betrag", "betragineur", "betragin", "kosten", "amount"],
    "percent": ["prozent", "prozentsatz", "satz", "percent"],
    "organisation": ["organisation", "träger", "dienststelle"],
    "building_block": ["baustein", "förderbaustein", "buildingblock"],
    columns.IGNORE: ["nr", "lfdnr", "summe", "jahresbetrag"],
}
PLAN_PARSERS = {
    "decision": values.text,
    "label": values.text,
    "year": values.whole_number,
    "fte": values.fte,
    "amount": values.amount,
    "percent": _rate,
}
# What a line is, as the plan form has it (the frozen date and the order are the plan's own).
LINE_FIELDS = ("kind", "label", "year", "fte", "amount", "percent", "organisation", "building_block")


@dataclass
class PlanGroup:
    """The file's lines of one decision and what saving them as its plan would do."""

    decision: GrantDecision
    version: DecisionVersion
    rows: list = field(default_factory=list)
    lines: list = field(default_factory=list)  # per row: the line's values (LINE_FIELDS, ids for records)
    changes_plan: bool = False  # whether saving the lines changes the plan (the form set has changes)

    def formset(self):
        """The plan page's form set, filled as if the user had typed the file's lines over the plan."""
        items = list(self.version.plan_items.all())
        pairs, removed = pair_lines(items, self.lines)
        queryset = PlanItem.objects.filter(version=self.version)
        probe = PlanItemFormSet(instance=self.version, queryset=queryset, decision=self.decision)
        prefix = probe.prefix
        data = {}
        # the plan's items first (kept, changed or removed), then the new lines in the file's order
        start = max((item.sort_order for item in items), default=0)
        forms = [(item, line, item.sort_order) for item, line in pairs if item is not None]
        forms += [(item, None, item.sort_order) for item in removed]
        forms += [(None, line, start + 1 + index) for index, (item, line) in enumerate(pairs) if item is None]
        for index, (item, line, sort_order) in enumerate(forms):
            key = f"{prefix}-{index}-"
            if item is not None:
                data[key + "id"] = item.pk
                data[key + "version"] = self.version.pk
            data.update(_line_data(key, line if line is not None else _line_of(item)))
            data[key + "sort_order"] = sort_order
            if line is None:
                data[key + "DELETE"] = "on"
        initial = sum(1 for item, _line, _order in forms if item is not None)
        data |= {
            f"{prefix}-TOTAL_FORMS": len(forms),
            f"{prefix}-INITIAL_FORMS": initial,
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
        return PlanItemFormSet(data, instance=self.version, queryset=queryset, decision=self.decision)


def _line_of(item: PlanItem) -> dict:
    return {
        "kind": item.kind,
        "label": item.label,
        "year": item.year,
        "fte": item.fte,
        "amount": item.amount,
        "percent": item.percent,
        "organisation": item.organisation_id,
        "building_block": item.building_block_id,
    }


def _line_data(key: str, line: dict) -> dict:
    return {key + name: "" if line[name] is None else line[name] for name in LINE_FIELDS}


def _same(item: PlanItem, line: dict) -> bool:
    return _line_of(item) == line


def pair_lines(items: list, lines: list) -> tuple[list, list]:
    """(plan item or None, file line) per file line, in the file's order, and the plan items left over:
    equal lines first, then the rest in order."""
    free = list(items)
    paired = [None] * len(lines)
    for index, line in enumerate(lines):
        match = next((item for item in free if _same(item, line)), None)
        if match is not None:
            paired[index] = match
            free.remove(match)
    for index in range(len(lines)):
        if paired[index] is None and free:
            paired[index] = free.pop(0)
    return list(zip(paired, lines, strict=True)), free


class PlanLookups:
    def __init__(self):
        self.decisions = {}
        for decision in GrantDecision.objects.exclude(reference="").prefetch_related("building_blocks__programme"):
            self.decisions.setdefault(_fold(decision.reference), []).append(decision)
        self.organisations = {}
        for organisation in Organisation.objects.all():
            self.organisations[_fold(organisation.short_name)] = organisation
            self.organisations.setdefault(_fold(organisation.name), organisation)
        self.kinds = {}
        for value, label in PlanItemKind.choices:
            self.kinds[_fold(value)] = value
            self.kinds[_fold(label)] = value
        self.kinds.update(
            {
                "personalkosten": PlanItemKind.PERSONNEL,
                "personal": PlanItemKind.PERSONNEL,
                "einmalig": PlanItemKind.ONE_OFF,
                "sachkostenpauschale": PlanItemKind.MATERIAL,
                "sachkosten": PlanItemKind.MATERIAL,
            }
        )


def _unknown(row, name, column, text, table, shown, with_suggestion, without):
    close = _closest(text, table)
    row.add(
        name,
        column,
        with_suggestion % {"value": text, "suggestion": shown(table[close])} if close else without % {"value": text},
    )


def _block(row, raw, decision):
    value, column = raw.get("building_block", (None, None))
    if "building_block" not in raw or values.is_empty(value):
        return None
    blocks = {}
    for block in decision.building_blocks.all():
        for label in (str(block.number), f"{block.programme.short_name} {block.number}", str(block)):
            blocks.setdefault(_fold(label), block)
    text = display(value).removesuffix(".0")
    block = blocks.get(_fold(text))
    if block is None:
        row.add(
            "building_block",
            column,
            _("Der Bescheid hat keinen Baustein „%(value)s“; vorhanden sind: %(numbers)s.")
            % {
                "value": text,
                "numbers": ", ".join(str(b.number) for b in decision.building_blocks.all()) or "–",
            },
        )
    return block


def _kind_label(value: str) -> str:
    return str(PlanItemKind(value).label)


class _DryRun(Exception):
    """Rolls back the savepoint in which the preview tries a plan."""


def build_plan_preview(workbook: Workbook, *, user, sheet: str = "", mapping: list | None = None) -> Preview:
    """What importing the sheet as financing plans would do, line by line; writes nothing."""
    preview, rows = _read_sheet(
        workbook, PLAN_ITEMS, sheet=sheet, mapping=mapping, hint=_("Aktenzeichen, Art, Betrag und VZÄ")
    )
    if not rows:
        return preview
    lookups = PlanLookups()
    groups: dict[int, PlanGroup] = {}
    for row, raw in rows:
        preview.rows.append(row)
        _parse(row, raw, PLAN_PARSERS)
        for name in PLAN_REQUIRED:
            value, column = raw[name]
            if values.is_empty(value):
                row.add(name, column, _("„%(field)s“ fehlt.") % {"field": PLAN_FIELDS[name]})
        reference = row.data.get("decision") or ""
        decision = None
        if reference:
            found = lookups.decisions.get(_fold(reference), [])
            if len(found) > 1:
                row.add(
                    "decision",
                    _column(raw, "decision"),
                    _("Es gibt bereits mehrere Bescheide mit diesem Aktenzeichen; bitte dort eindeutig machen."),
                )
            elif not found:
                _unknown(
                    row, "decision", _column(raw, "decision"), reference, lookups.decisions,
                    lambda found: found[0].reference,
                    _("Unbekannter Bescheid „%(value)s“; meinten Sie „%(suggestion)s“?"),
                    _("Unbekannter Bescheid „%(value)s“."),
                )  # fmt: skip
            else:
                decision = found[0]
        kind = None
        try:
            kind_text = values.text(raw["kind"][0])
        except ValueError as error:  # a formula without its value
            kind_text = ""
            row.add("kind", _column(raw, "kind"), str(error))
        if kind_text:
            kind = lookups.kinds.get(_fold(kind_text))
            if kind is None:
                _unknown(
                    row, "kind", _column(raw, "kind"), kind_text, lookups.kinds, _kind_label,
                    _("Unbekannte Art „%(value)s“; meinten Sie „%(suggestion)s“?"),
                    _("Unbekannte Art „%(value)s“."),
                )  # fmt: skip
        organisation = None
        value, column = raw.get("organisation", (None, None))
        if "organisation" in raw and not values.is_empty(value):
            organisation = lookups.organisations.get(_fold(display(value)))
            if organisation is None:
                _unknown(
                    row, "organisation", column, display(value), lookups.organisations, lambda o: o.short_name,
                    _("Unbekannte Organisation „%(value)s“; meinten Sie „%(suggestion)s“?"),
                    _("Unbekannte Organisation „%(value)s“."),
                )  # fmt: skip
        block = _block(row, raw, decision) if decision is not None else None
        if decision is None:
            continue
        group = groups.get(decision.pk)
        if group is None:
            version = decision.versions.filter(is_current=True).first()
            if version is None:
                row.add(
                    "decision",
                    _column(raw, "decision"),
                    _("Der Bescheid mit diesem Aktenzeichen hat keine geltende Fassung."),
                )
                continue
            group = groups[decision.pk] = PlanGroup(decision=decision, version=version)
        group.rows.append((row, raw))
        row.record = group
        group.lines.append(
            {
                "kind": kind,
                "label": row.data.get("label") or "",
                "year": row.data.get("year"),
                "fte": row.data.get("fte"),
                "amount": row.data.get("amount"),
                "percent": row.data.get("percent"),
                "organisation": organisation.pk if organisation else None,
                "building_block": block.pk if block else None,
            }
        )
    for group in groups.values():
        _check_group(group)
    return preview


def _check_group(group: PlanGroup) -> None:
    """The actions and messages of one decision's lines: the form set's per line, then the
    service's (tried in a savepoint) on the decision's first line."""
    rows = [row for row, _raw in group.rows]
    if any(row.has_errors for row in rows):
        for row in rows:
            if not row.has_errors:
                row.add(
                    "decision",
                    _column(group.rows[0][1], "decision"),
                    _("Der Plan dieses Bescheids wird nicht übernommen: eine andere seiner Zeilen hat Fehler."),
                )
        return
    formset = group.formset()
    valid = formset.is_valid()
    items = list(group.version.plan_items.all())
    pairs, removed = pair_lines(items, group.lines)
    forms = {form.instance.pk: form for form in formset.forms if form.instance.pk}
    new_forms = iter(form for form in formset.forms if not form.instance.pk)
    for (row, raw), (item, line) in zip(group.rows, pairs, strict=True):
        form = forms[item.pk] if item is not None else next(new_forms)
        if not valid:
            _form_errors(row, raw, form, PLAN_FIELDS)
        if item is None:
            row.record_action = CREATE
            continue
        old = _line_of(item)
        for name in LINE_FIELDS:
            if old[name] != line[name]:
                row.changes.append((str(PLAN_FIELDS[name]), _shown(name, old[name]), _shown(name, line[name])))
        row.record_action = CHANGE if row.changes else UNCHANGED
    if not valid:
        if formset.non_form_errors():
            rows[0].add("decision", _column(group.rows[0][1], "decision"), " ".join(formset.non_form_errors()))
        if not any(row.has_errors for row in rows):
            rows[0].add("decision", _column(group.rows[0][1], "decision"), _("Der Plan ist so nicht gültig."))
        return
    if removed:
        last = rows[-1]
        for item in removed:
            last.changes.append((_("Zeile entfernt"), str(item), "–"))
        last.record_action = CHANGE
    if not formset.has_changed():
        return
    group.changes_plan = True
    before = group.version.granted_amount
    try:
        with transaction.atomic():
            version = services.save_financing_plan(
                decision=GrantDecision.objects.get(pk=group.decision.pk),
                expected_revision=group.decision.revision,
                formset=formset,
                reason="Import (Vorschau)",  # rolled back, never shown
            )
            after = version.granted_amount
            raise _DryRun
    except _DryRun:
        if after != before:
            rows[0].add(
                "decision",
                _column(group.rows[0][1], "decision"),
                _("Die Zuwendung ändert sich von %(before)s auf %(after)s.")
                % {
                    "before": euro(before) if before is not None else "–",
                    "after": euro(after) if after is not None else "–",
                },
                error=False,
            )
    except ValidationError as error:
        rows[0].add("decision", _column(group.rows[0][1], "decision"), " ".join(error.messages))


def _shown(name: str, value) -> str:
    if value is None or value == "":
        return "–"
    if name == "kind":
        return _kind_label(value)
    if name == "organisation":
        return str(Organisation.objects.get(pk=value))
    if name == "building_block":
        return str(BuildingBlock.objects.select_related("programme").get(pk=value))
    if name == "year":
        return str(value)
    if name in ("fte", "percent"):
        return str(Decimal(value).normalize()).replace(".", ",") + (" %" if name == "percent" else "")
    return _show(value)


@transaction.atomic
def commit_plans(*, run: ImportRun, user):
    run = _start(run, user)
    workbook = read_table(run.file_name, bytes(run.content))
    preview = build_plan_preview(workbook, user=user, sheet=run.sheet, mapping=run.mapping or None)
    if not preview.ok:
        raise ImportFileError(
            _(
                "Die Vorschau enthält Fehler; es wurde nichts gespeichert. "
                "Bitte die Datei korrigieren und erneut hochladen."
            )
        )
    reason = import_reason(run)[:REASON_MAX_LENGTH]
    changes = []
    for group in _changed_groups(preview):
        version = group.version
        before = {
            "items": [
                {
                    **{name: _serial(value) for name, value in _line_of(item).items()},
                    "frozen_from_master_data_on": _serial(item.frozen_from_master_data_on),
                    "sort_order": item.sort_order,
                }
                for item in version.plan_items.all()
            ],
            "figures": {name: _serial(getattr(version, name)) for name in services.PLAN_FIGURES},
        }
        try:
            services.save_financing_plan(
                decision=GrantDecision.objects.get(pk=group.decision.pk),
                expected_revision=group.decision.revision,
                formset=group.formset(),
                reason=reason,
            )
        except ValidationError as error:
            raise ImportFileError(
                _("Bescheid %(reference)s: %(error)s")
                % {"reference": group.decision.reference, "error": " ".join(error.messages)}
            ) from error
        changes.append({"model": "plan", "pk": group.decision.pk, "version": version.pk, "before": before})
    revisions = dict(GrantDecision.objects.filter(pk__in=[c["pk"] for c in changes]).values_list("pk", "revision"))
    versions = _history_ids(DecisionVersion, [c["version"] for c in changes])
    for change in changes:
        change["revision"] = revisions[change["pk"]]
        change["version_history_id"] = versions.get(change["version"])
    _finish(run, preview, changes)
    return preview


def _changed_groups(preview) -> list[PlanGroup]:
    """The decisions whose plan the file changes (each row holds its decision's group), in the file's order."""
    groups = {}
    for row in preview.rows:
        if isinstance(row.record, PlanGroup) and row.record.changes_plan:
            groups.setdefault(row.record.decision.pk, row.record)
    return list(groups.values())


@transaction.atomic
def undo_plans(*, run: ImportRun, user) -> None:
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != ImportStatus.COMMITTED:
        raise ImportFileError(_("Nur ein übernommener Import kann rückgängig gemacht werden."))
    changes = run.changes
    revisions = dict(GrantDecision.objects.filter(pk__in=[c["pk"] for c in changes]).values_list("pk", "revision"))
    versions = _history_ids(DecisionVersion, [c["version"] for c in changes])
    current = set(
        DecisionVersion.objects.filter(pk__in=[c["version"] for c in changes], is_current=True).values_list(
            "pk", flat=True
        )
    )
    later = [
        c
        for c in changes
        if revisions.get(c["pk"]) != c["revision"]
        or versions.get(c["version"]) != c["version_history_id"]
        or c["version"] not in current
    ]
    if later:
        raise ImportFileError(
            _("Der Import kann nicht mehr rückgängig gemacht werden: %(count)s der Bescheide wurden danach geändert.")
            % {"count": len(later)}
        )
    reason = _undo_reason(run)
    for change in reversed(changes):
        services.restore_financing_plan(
            decision_id=change["pk"],
            expected_revision=change["revision"],
            items=change["before"]["items"],
            figures=change["before"]["figures"],
            reason=reason,
        )
    run.mark_undone()


PLAN_ITEMS = Importer(
    kind=ImportKind.PLAN_ITEMS,
    fields=PLAN_FIELDS,
    lookup=columns.lookup_of(PLAN_SYNONYMS),
    required=PLAN_REQUIRED,
    build_preview=build_plan_preview,
    commit=commit_plans,
    undo=undo_plans,
    may_import=lambda user: user.can_change_grants(),
    key=gettext_lazy("das Aktenzeichen des Bescheids und eine gleiche Zeile seines Finanzierungsplans"),
    notes=(
        gettext_lazy(
            "Je Zeile eine Position eines Finanzierungsplans. Die Zeilen eines Bescheids ersetzen dessen geltenden "
            "Finanzierungsplan, wie auf der Seite „Finanzierungsplan“; die Beträge des Bescheids werden neu "
            "berechnet. Bescheide, die in der Datei nicht vorkommen, bleiben unverändert."
        ),
    ),
)
