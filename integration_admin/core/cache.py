"""Keys for Django's template fragment cache (``{% cache %}``) made from what a fragment shows.

A fragment cached under a digest of its own data needs no invalidation: when the data change, the
key changes, and the old entry just ages out. So a cache per process (Django's default
local-memory cache) is as correct as a shared one, on one app server or on several; a shared cache
(Redis, Memcached) only saves the first rendering on the other processes.

The data are what the view loaded for the template (templates run no queries): model instances
with their field values, annotations and the related objects loaded with them (not prefetched
lists: pass those as lists of their own), dataclasses, lists, dicts and plain values.
"""

import dataclasses
import datetime
import hashlib
from decimal import Decimal

from django.db import models
from django.utils import translation
from django.utils.functional import Promise

PLAIN = frozenset({str, int, float, bool, type(None), Decimal, datetime.date, datetime.datetime})


def plain(value, _seen=None):
    """``value`` as nested tuples of plain values, for a digest (no object identities in it).

    A model instance met again (related objects point back: a block to its programme) is named by
    its label and primary key the second time.
    """
    if type(value) in PLAIN:  # (most values: their repr is their content)
        return value
    seen = set() if _seen is None else _seen
    if isinstance(value, models.Model):
        if id(value) in seen:
            return (value._meta.label, value.pk)
        seen.add(id(value))
        # field values and annotations are the instance's attributes; related objects are those
        # loaded with it (select_related or assigned), asked of each relation field
        loaded = tuple(
            (name, item if type(item) in PLAIN else plain(item, seen))
            for name, item in vars(value).items()
            if not name.startswith("_")
        )
        related = tuple(
            (field.name, plain(getattr(value, field.name), seen))
            for field in value._meta.get_fields()
            if field.is_relation and (field.many_to_one or field.one_to_one) and field.is_cached(value)
        )
        return (value._meta.label, loaded, related)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = tuple((field.name, plain(getattr(value, field.name), seen)) for field in dataclasses.fields(value))
        return (type(value).__name__, fields)
    if isinstance(value, dict):
        return tuple((plain(key, seen), plain(item, seen)) for key, item in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return tuple(plain(item, seen) for item in items)
    if isinstance(value, Promise):
        return str(value)
    return value


def content_key(*parts) -> str:
    """A digest of ``parts`` (see :func:`plain`) and the active language."""
    text = repr((translation.get_language(), plain(parts)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
