"""Exact sums of money and FTE on every backend.

PostgreSQL sums NUMERIC exactly. SQLite stores decimals as floating point and its ``SUM`` adds
floats (321.200000000001 was seen). So sums are taken over whole units as integers: cents for
money, thousandths for FTE. ``ROUND(x * 100)`` of a stored amount is its exact number of cents
(the float is within far less than half a cent of it), and SQLite adds 64-bit integers exactly.

Two ways to use this:

- ``MoneySum`` / ``FteSum`` in a top-level ``aggregate()`` or ``annotate()``: they return
  ``Decimal`` (scaled back in a converter).
- Inside a ``Subquery`` (where no converter runs) or in SQL arithmetic: ``cents(expr)`` /
  ``thousandths(expr)`` and ``CentsSum`` give integers; turn them back with ``from_cents`` /
  ``from_thousandths`` in Python.
"""

from decimal import Decimal

from django.db import models
from django.db.models import DecimalField, F, Sum
from django.db.models.functions import Cast, Round


def scaled(expression, places: int):
    """``expression`` as a whole number of its smallest unit (10^-places), as a 64-bit integer."""
    if isinstance(expression, str):
        expression = F(expression)
    return Cast(Round(expression * 10**places), models.BigIntegerField())


def cents(expression):
    return scaled(expression, 2)


def thousandths(expression):
    return scaled(expression, 3)


def _unscale(value, places: int) -> Decimal | None:
    if value is None:
        return None
    unit = Decimal(1).scaleb(-places)
    return (Decimal(int(value)) * unit).quantize(unit)


def from_cents(value) -> Decimal | None:
    return _unscale(value, 2)


def from_thousandths(value) -> Decimal | None:
    return _unscale(value, 3)


class CentsSum(Sum):
    """Sum of money in whole cents (an integer): exact everywhere, also inside a subquery."""

    def __init__(self, expression, **extra):
        extra.setdefault("output_field", models.BigIntegerField())
        super().__init__(cents(expression), **extra)


class ExactDecimalSum(Sum):
    """``SUM`` of a decimal column that returns an exact ``Decimal`` on every backend (top level only)."""

    places = 2
    max_digits = 18

    def __init__(self, expression, **extra):
        extra.setdefault("output_field", DecimalField(max_digits=self.max_digits, decimal_places=self.places))
        super().__init__(expression, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        scale = 10**self.places
        template = f"SUM(CAST(ROUND(%(expressions)s * {scale}) AS INTEGER))"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def convert_value(self, value, expression, connection):
        if value is None:
            return None
        if connection.vendor == "sqlite":
            return _unscale(value, self.places)
        unit = Decimal(1).scaleb(-self.places)
        return Decimal(value).quantize(unit)

    def get_db_converters(self, connection):
        return [self.convert_value]


class MoneySum(ExactDecimalSum):
    """Exact sum of money, to the cent (top-level aggregates; use ``CentsSum`` in subqueries)."""

    places = 2


class FteSum(ExactDecimalSum):
    """Exact sum of FTE, to the thousandth (top-level aggregates; use ``thousandths`` in subqueries)."""

    places = 3


NAME_SEPARATOR = "\x1f"  # ASCII unit separator; holder names may not contain control characters


class JoinedText(models.Aggregate):
    """Text values joined by :data:`NAME_SEPARATOR` (PostgreSQL ``STRING_AGG``, SQLite ``GROUP_CONCAT``).

    The order is not defined; :func:`split_joined` sorts.
    """

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, CHR(31))"
    output_field = models.TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, function="GROUP_CONCAT", template="%(function)s(%(expressions)s, CHAR(31))"
        )


def split_joined(value: str | None) -> list[str]:
    return sorted(value.split(NAME_SEPARATOR), key=str.casefold) if value else []


class JsonRows(models.Aggregate):
    """The grouped rows' values as one JSON text: ``[[v1, v2, …], …]`` (PostgreSQL ``JSON_AGG``,
    SQLite ``JSON_GROUP_ARRAY``). Read it with ``json.loads``. JSON escapes any text, so names
    need no separator that they must not contain; pass amounts as whole cents or thousandths
    (exact integers on every backend).

    ``ordering`` (a field or expression) orders the rows on PostgreSQL, in its collation. SQLite
    (3.40) has no ordered aggregates: there the order is not defined; sort by code point, which is
    SQLite's own order of text (see :func:`orders_rows_in_json`).
    """

    function = "JSON_AGG"
    output_field = models.TextField()

    def __init__(self, *expressions, ordering=None, **extra):
        self.ordered = ordering is not None
        super().__init__(*expressions, *([ordering] if self.ordered else []), **extra)

    def _compiled(self, compiler):
        sources = list(self.source_expressions)  # (get_source_expressions() adds the aggregate's filter)
        values = sources[:-1] if self.ordered else sources
        parts, params = [], []
        for expression in values:
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        return ", ".join(parts), params, (sources[-1] if self.ordered else None)

    def as_sql(self, compiler, connection, **extra_context):
        values, params, ordering = self._compiled(compiler)
        order = ""
        if ordering is not None:
            order_sql, order_params = compiler.compile(ordering)
            order, params = f" ORDER BY {order_sql}", [*params, *order_params]
        return f"JSON_AGG(JSON_BUILD_ARRAY({values}){order})::text", params

    def as_sqlite(self, compiler, connection, **extra_context):
        values, params, _ordering = self._compiled(compiler)
        return f"JSON_GROUP_ARRAY(JSON_ARRAY({values}))", params


def orders_rows_in_json(connection) -> bool:
    """Whether :class:`JsonRows` with ``ordering`` comes ordered from this database."""
    return connection.vendor == "postgresql"


def upsert(model, lookup: dict, **values):
    """Create or update the record found by ``lookup`` (a natural key), saving only when a value
    changed: loading the demo data again writes nothing and makes no history rows."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
    return obj
