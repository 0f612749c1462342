"""Readable change history (audit trail) from django-simple-history records.

``history_entries(obj)`` answers "who changed what, when, from which value to which, and why"
for one object, with a fixed number of queries: the history rows with their users (1) and one
lookup per kind of related object that appears in a changed foreign key.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from integration_admin.core.formats import format_decimal

ACTIONS = {"+": _("angelegt"), "~": _("geändert"), "-": _("gelöscht")}

# Reasons the application writes into the history itself (a person's typed reason is kept as
# typed). They are stored in German, whatever language the user had chosen, so the audit trail
# reads the same for everyone and in every export; :func:`reason_for_display` translates them
# when the history is shown. A new automatic reason belongs in this list.
ASSIGNMENT_ENDED = gettext_noop("Besetzung beendet")
VERSION_SUPERSEDED = gettext_noop("abgelöst durch den %(number)s. Änderungsbescheid")
FLAT_RATE_CHANGED = gettext_noop("Pauschale %(year)s geändert")
FLAT_RATE_FROZEN = gettext_noop("Pauschale %(year)s aus den Stammdaten übernommen")
HOLDERS_ANONYMISED = gettext_noop("Anonymisierung nach Ablauf der Aufbewahrungsfrist (DSGVO)")
IMPORTED = gettext_noop("Import %(file)s vom %(day)s")
IMPORT_UNDONE = gettext_noop("Import %(file)s vom %(day)s rückgängig gemacht")
APPROVED = gettext_noop("freigegeben (Vier-Augen-Prinzip)")
SYSTEM_REASONS = (
    APPROVED,
    ASSIGNMENT_ENDED,
    VERSION_SUPERSEDED,
    FLAT_RATE_CHANGED,
    FLAT_RATE_FROZEN,
    HOLDERS_ANONYMISED,
    IMPORT_UNDONE,
    IMPORTED,
)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _reason_pattern(msgid: str) -> re.Pattern:
    """``"Pauschale %(year)s geändert"`` -> a pattern matching ``"Pauschale 2021 geändert"``."""
    parts = PLACEHOLDER.split(msgid)  # text, name, text, name, ..., text
    return re.compile(
        "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts))
    )


REASON_PATTERNS = [(msgid, _reason_pattern(msgid)) for msgid in SYSTEM_REASONS]


def system_reason(msgid: str, **params) -> str:
    """The German text of an automatic reason, as stored: ``system_reason(FLAT_RATE_CHANGED, year=2021)``."""
    return msgid % params if params else msgid


def reason_for_display(reason: str) -> str:
    """A stored reason in the active language: the automatic ones translated, typed ones as typed."""
    for msgid, pattern in REASON_PATTERNS:
        match = pattern.fullmatch(reason)
        if match:
            return gettext(msgid) % match.groupdict() if match.groupdict() else gettext(msgid)
    return reason


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime.datetime
    user: str
    action: str
    reason: str
    changes: list[Change] = field(default_factory=list)
    subject: str = ""


def _display(model_field, value, related: dict) -> str:
    if value is None or value == "":
        return "–"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.ForeignKey):
        obj = related.get((model_field.related_model, value))
        return str(obj) if obj is not None else f"#{value}"
    if isinstance(model_field, models.BooleanField):
        return str(_("ja") if value else _("nein"))
    if isinstance(value, Decimal):
        return format_decimal(value, places=model_field.decimal_places if model_field.decimal_places == 2 else None)
    if isinstance(value, datetime.datetime):
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def history_entries(
    instance, ignore: tuple[str, ...] = ("modified", "revision"), records=None, known=()
) -> list[HistoryEntry]:
    """The object's history, newest first, with the changed fields of every change.

    ``records`` may pass the object's history rows already loaded (newest first, with
    ``history_user``), e.g. when the rows of several objects were read in one query. ``known``:
    related objects loaded anyway, whose names need no lookup (see :func:`entries_from_records`).
    """
    if records is None:
        records = instance.history.select_related("history_user").order_by("-history_date", "-history_id")
    return entries_from_records(records, instance._meta.model, ignore=ignore, known=known)


def entries_from_records(
    records,
    model,
    ignore: tuple[str, ...] = ("modified", "revision"),
    subject=None,
    show_created_values: bool = False,
    known=(),
) -> list[HistoryEntry]:
    """History entries from history rows of one model, possibly of several objects, newest first.

    Each row is compared with the previous row of the same object. ``subject(record)`` names the
    object in the entry (for a timeline that mixes objects); ``show_created_values`` lists the
    first values of a created object as changes from "–". ``known`` are related objects the
    caller has loaded anyway (e.g. a decision's programme): foreign keys to them are not looked up,
    nor to objects joined into the history rows (``select_related`` on the history queryset).
    """
    records = list(records)
    # (the body a record belongs to is set when it is made and never changes: not a change to show)
    tracked = {
        f.attname: f for f in model._meta.concrete_fields if f.name not in ignore and f.attname not in ("id", "body_id")
    }
    pk_name = model._meta.pk.attname

    by_object = defaultdict(list)
    for record in records:
        by_object[getattr(record, pk_name)].append(record)
    previous = {}
    for rows in by_object.values():
        for newer, older in zip(rows, [*rows[1:], None], strict=True):
            previous[newer.history_id] = older

    diffs = []
    wanted = defaultdict(set)
    for newer in records:
        older = previous[newer.history_id]
        changed = []
        if older is not None or (show_created_values and newer.history_type == "+"):
            for attname, model_field in tracked.items():
                old, new = (getattr(older, attname, None) if older is not None else None), getattr(newer, attname, None)
                if old != new and not (older is None and new in (None, "")):
                    changed.append((model_field, old, new))
                    if isinstance(model_field, models.ForeignKey):
                        wanted[model_field.related_model].update(v for v in (old, new) if v is not None)
        diffs.append((newer, changed))

    related = {(type(obj), obj.pk): obj for obj in known if obj is not None}
    # Related objects joined into the history rows (select_related on the historical model).
    for model_field in tracked.values():
        if isinstance(model_field, models.ForeignKey) and records:
            joined = records[0]._meta.get_field(model_field.name)
            for record in records:
                obj = joined.get_cached_value(record, None)
                if obj is not None:
                    related[(model_field.related_model, obj.pk)] = obj
    for related_model, ids in wanted.items():
        missing = {pk for pk in ids if (related_model, pk) not in related}
        if missing:
            for pk, obj in related_model._default_manager.in_bulk(missing).items():
                related[(related_model, pk)] = obj

    entries = []
    for record, changed in diffs:
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                user=(user.get_full_name() or user.username) if user else str(_("System")),
                action=str(ACTIONS.get(record.history_type, record.history_type)),
                reason=reason_for_display(record.history_change_reason or ""),
                changes=[
                    Change(str(f.verbose_name), _display(f, old, related), _display(f, new, related))
                    for f, old, new in changed
                ],
                subject=subject(record) if subject is not None else "",
            )
        )
    return entries
