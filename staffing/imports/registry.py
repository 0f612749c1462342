"""The kinds of import and who brings each in: one :class:`Importer` per kind of file.

Positions are imported by this app; decisions and call-offs by the funding app, which sits above
it (the layers allow funding to import staffing, never the reverse). So each app registers its
importers when Django starts (``AppConfig.ready``) and the import pages ask this registry for the
importer of a run's kind: upload, mapping, preview, confirm and undo are the same pages for all.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass(frozen=True)
class Importer:
    """What the generic import pages need to know of one kind of file."""

    kind: str  # an ImportKind value
    fields: dict  # field -> its German label, in the order the mapping offers them
    lookup: dict  # normalised header -> field (see mapping.lookup_of)
    required: tuple[str, ...]  # the fields a column must be mapped to
    # (workbook, *, user, sheet="", mapping=None) -> positions.Preview; writes nothing
    build_preview: Callable
    commit: Callable  # (*, run, user) -> Preview: all rows in one transaction, or ImportFileError
    undo: Callable  # (*, run, user) -> None, or ImportFileError while something depends on it
    may_import: Callable  # (user) -> bool
    key: str | Promise  # how a row finds its record again (said on the mapping)
    notes: tuple = field(default=())  # said above every preview of this kind


_IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> None:
    _IMPORTERS[importer.kind] = importer


def importer_for(kind: str) -> Importer:
    """The importer of a kind; a ``KeyError`` for a kind no app registered."""
    return _IMPORTERS[kind]


def kinds_for(user) -> list[str]:
    """The kinds ``user`` may import, in the order they were registered."""
    return [kind for kind, importer in _IMPORTERS.items() if importer.may_import(user)]
