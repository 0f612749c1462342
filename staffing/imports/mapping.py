"""The fields a positions list can fill, the header names that mean them (German and English,
the app's own export columns included), finding the header row and proposing a mapping."""

import hashlib
import re

from django.utils.translation import gettext_lazy as _

from staffing.imports import values

IGNORE = ""

FIELDS = {
    "organisation": _("Organisation"),
    "programme": _("Programm"),
    "building_block": _("Baustein"),
    "title": _("Bezeichnung"),
    "fte": _("VZÄ"),
    "pay_grade": _("Entgeltgruppe"),
    "pay_step": _("Stufe"),
    "start": _("Beginn"),
    "end": _("Ende"),
    "status": _("Status"),
    "fixed_term": _("befristet"),
    "lapses_when_vacant": _("kw-Vermerk"),
    "note": _("Bemerkung"),
    "holder_name": _("Stelleninhaber/-in"),
    "fte_share": _("Stellenanteil der Besetzung (VZÄ)"),
    "assignment_start": _("Besetzung von"),
    "assignment_end": _("Besetzung bis"),
}
REQUIRED = ("organisation", "building_block", "title", "fte")
ASSIGNMENT_FIELDS = ("holder_name", "fte_share", "assignment_start", "assignment_end")

# Normalised header (see ``normalise``) -> field; "" = a column known to be ignored (the export's
# derived columns: held, free, cost ...), so the app's own export maps itself completely.
SYNONYMS = {
    "organisation": [
        "organisation",
        "organization",
        "träger",
        "traeger",
        "anstellungsträger",
        "arbeitgeber",
        "einrichtung",
        "org",
        "employer",
    ],
    "programme": ["programm", "förderprogramm", "programme", "program"],
    "building_block": ["baustein", "förderbaustein", "bausteinnr", "bausteinnummer", "buildingblock", "block"],
    "title": ["bezeichnung", "stelle", "stellenbezeichnung", "funktion", "title", "position", "stellentitel"],
    "fte": ["vzä", "vzae", "stellenanteil", "stellenumfang", "umfang", "fte", "vollzeitäquivalent", "vzästelle"],
    "pay_grade": ["entgeltgruppe", "eg", "paygrade", "tarifgruppe", "grade"],
    "pay_step": ["stufe", "erfahrungsstufe", "step", "stufekostenplanung"],
    "start": ["beginn", "von", "start", "ab", "stellenbeginn", "beginnderstelle", "gültigab"],
    "end": ["ende", "bis", "end", "stellenende", "endederstelle", "befristetbis"],
    "status": ["status", "stellenstatus"],
    "fixed_term": ["befristet", "befristung", "fixedterm"],
    "lapses_when_vacant": ["kwvermerk", "kw", "künftigwegfallend"],
    "note": ["bemerkung", "bemerkungen", "anmerkung", "notiz", "hinweis", "note", "notes"],
    "holder_name": [
        "stelleninhaberin",
        "stelleninhaber",
        "inhaberin",
        "inhaber",
        "name",
        "mitarbeiterin",
        "mitarbeiter",
        "beschäftigte",
        "holder",
        "person",
    ],
    "fte_share": ["anteil", "besetzungsanteil", "anteilvzä", "stellenanteilvzä", "besetztvzä", "share"],
    "assignment_start": ["besetztab", "besetztseit", "besetzungab", "besetzungvon", "eintritt", "holderfrom"],
    "assignment_end": ["besetztbis", "besetzungbis", "austritt", "holderuntil"],
    IGNORE: [
        "stelleninhaberinnen",
        "besetzt",
        "frei",
        "besetzung",
        "zeitraum",
        "kostenillustrativ",
        "nr",
        "lfdnr",
        "summe",
    ],
}
LOOKUP = {name: field for field, names in SYNONYMS.items() for name in names}
IGNORED_PREFIXES = ("jahreskosten", "kosten")
HEADER_SEARCH_ROWS = 30


def normalise(header) -> str:
    """ "Stelleninhaber/-in" -> "stelleninhaberin", "VZÄ " -> "vzä", "Kw-Vermerk" -> "kwvermerk"."""
    return re.sub(r"[^\wäöüß]|_", "", values.text(header).casefold()) if not isinstance(header, values.Formula) else ""


def lookup_of(synonyms: dict) -> dict:
    """Normalised header -> field, from a field's header names (as ``SYNONYMS``)."""
    return {name: field for field, names in synonyms.items() for name in names}


def known(header, lookup: dict | None = None) -> str | None:
    """The field a header means, ``IGNORE`` for a known column without a field, ``None`` if unknown
    (``lookup``: another kind's header names, default the positions')."""
    lookup = LOOKUP if lookup is None else lookup
    name = normalise(header)
    if not name:
        return None
    if name in lookup:
        return lookup[name]
    if name.startswith(IGNORED_PREFIXES):
        return IGNORE
    return None


def find_header(rows: list[list], lookup: dict | None = None) -> int | None:
    """The index of the header row: the first of the top rows where at least two cells and most of
    the filled ones are known column names (a title row above it is normal)."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        filled = [cell for cell in row if not values.is_empty(cell)]
        matches = [cell for cell in filled if known(cell, lookup) is not None]
        if len(matches) >= 2 and len(matches) * 2 >= len(filled):
            return index
    return None


def propose(header: list, lookup: dict | None = None) -> list[str]:
    """A field (or ``IGNORE``) per column; a field is proposed for its first column only."""
    taken = set()
    mapping = []
    for cell in header:
        field = known(cell, lookup) or IGNORE
        if field and field in taken:
            field = IGNORE
        taken.add(field)
        mapping.append(field)
    return mapping


def signature(header: list, kind: str = "positions") -> str:
    """The layout of a header row: the same normalised headers in the same order, the same layout
    (per kind of import: the same columns may mean other fields in a list of decisions)."""
    names = [normalise(cell) for cell in header]
    return hashlib.sha256("\x1f".join(names if kind == "positions" else [kind, *names]).encode()).hexdigest()


def clean_mapping(mapping: list, width: int, fields: dict | None = None) -> list[str]:
    """A stored or posted mapping cut to the header's width, unknown fields dropped."""
    fields = FIELDS if fields is None else fields
    result = [field if field in fields else IGNORE for field in list(mapping)[:width]]
    return result + [IGNORE] * (width - len(result))
