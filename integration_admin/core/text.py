"""Text search that ignores case also for German umlauts, on every backend.

``icontains`` is case-insensitive on PostgreSQL for every letter, but on SQLite only for ASCII
letters ("Ü" does not find "ü"). :func:`contains_word` therefore asks for two spellings of a
word: all lower case and with its non-ASCII letters in upper case; the ASCII letters of both
compare case-insensitively anyway. "übersetzung", "ÜBERSETZUNG" and "Übersetzung" find one another.
"""

from functools import reduce
from operator import or_

from django.db.models import Q


def spellings(word: str) -> set[str]:
    """The spellings of ``word`` that ``icontains`` must try (see the module's docstring)."""
    lower = word.lower()
    return {lower, "".join(char.upper() if not char.isascii() else char for char in lower)}


def contains_word(fields, word: str) -> Q:
    """One of ``fields`` contains ``word``, ignoring case (umlauts included)."""
    return reduce(or_, (Q(**{f"{field}__icontains": spelling}) for field in fields for spelling in spellings(word)))


def contains_words(fields, text: str) -> Q:
    """Every word of ``text`` appears in one of ``fields`` (an empty text matches everything)."""
    return reduce(lambda q, word: q & contains_word(fields, word), text.split(), Q())
