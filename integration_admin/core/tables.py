"""django-tables2 columns shared by the apps: money, FTE and dates in German notation."""

import copy
import html
from functools import cached_property, lru_cache

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django_tables2 import utils as tables_utils

from integration_admin.core.formats import euro, fte

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25


class PageSizePaginator(Paginator):
    """Pages of one of the offered sizes only (``PAGE_SIZES``), whatever the query string says.

    django-tables2's RequestConfig takes the page size from the query string (the table's
    ``per_page`` field) without checking it: ``?per_page=-1`` made the last page "smaller than 1"
    and the list a 500. Any size that is not offered means the default size.
    """

    def __init__(self, object_list, per_page, *args, **kwargs):
        if per_page not in PAGE_SIZES:
            per_page = DEFAULT_PAGE_SIZE
        super().__init__(object_list, per_page, *args, **kwargs)


class _ColumnsMadeForOneTable(dict):
    """A table class's columns, copied for each table without a deep copy.

    django-tables2 deep-copies the class's columns for every table, i.e. every request, lazy
    labels, attribute dictionaries, link objects and all (half a millisecond for the positions
    table). A table needs its own column objects, since it sets attributes on them (a header with
    the cost year, ``visible``, the accessor); nothing mutates what they hold.
    """

    def __deepcopy__(self, memo):
        return {name: copy.copy(column) for name, column in self.items()}


class Table(tables.Table):
    """django-tables2's Table whose rows are in a total order: the primary key breaks ties.

    Sorted by a column with equal values (FTE, cost, a date) or by a model's default ordering
    (two positions of the same title at the same organisation), the database may return the
    tied rows in any order, and in another order for the next page's LIMIT/OFFSET: a row could
    appear on two pages and another on none (seen when a cheaper plan changed the order of ties).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.base_columns = _ColumnsMadeForOneTable(cls.base_columns)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.break_ties()  # the data's own ordering (a sort from the request comes through order_by)

    @property
    def order_by(self):
        return self._order_by

    @order_by.setter
    def order_by(self, value):
        tables.Table.order_by.fset(self, value)  # the columns' ordering, as django-tables2 applies it
        self.break_ties()

    def break_ties(self) -> None:
        data = getattr(self.data, "data", None)
        if isinstance(data, QuerySet) and data._fields is None:  # model rows (values() would regroup)
            query = data.query
            ordering = tuple(query.order_by or (query.default_ordering and data.model._meta.ordering) or ())
            if "pk" not in ordering and "-pk" not in ordering:
                self.data.data = data.order_by(*ordering, "pk")


def url_with_pk(viewname: str):
    """``pk -> URL`` of a view whose only argument is an integer pk, reversed once.

    A table builds one link per row; ``reverse()`` per row was a tenth of the positions list's
    time. The URL is reversed with a marker pk and the marker replaced (the URL pattern is
    ``<int:pk>``, so a pk is digits and needs no quoting).
    """
    marker = 9081726354
    head, tail = reverse(viewname, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{int(pk)}{tail}"


class EuroColumn(tables.Column):
    """An amount as "624.493,60 €", right-aligned; exports keep the plain decimal."""

    def __init__(self, *args, **kwargs):
        attrs = kwargs.pop("attrs", {})
        attrs.setdefault("td", {"class": "num"})
        attrs.setdefault("th", {"class": "num"})
        attrs.setdefault("tf", {"class": "num"})
        super().__init__(*args, attrs=attrs, **kwargs)

    def render(self, value):
        return euro(value)

    def value(self, value):
        return value


class FteColumn(EuroColumn):
    """FTE as "1,5"."""

    def render(self, value):
        return fte(value)


class GermanDateColumn(tables.DateColumn):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", "d.m.Y")
        super().__init__(*args, **kwargs)


def _cache_call_signatures() -> None:
    """Let django-tables2 look up each render_/value_ method's signature once, not once per cell.

    django-tables2 calls ``inspect.signature`` for every cell it renders with a ``render_*``
    method, a callable ``linkify`` or ``accessor``; on a 50-row list that was about 600 calls and
    7 ms a request. The signature of a function never changes, so it is cached per function
    (for a bound method: per underlying function, without ``self``).
    """
    original = tables_utils.signature

    @lru_cache(maxsize=2048)
    def cached(function):
        return original(function)

    def signature(fn):
        function = getattr(fn, "__func__", None)
        if function is not None:
            args, keywords = cached(function)
            return args[1:], keywords  # drop self, as inspect does for the bound method
        try:
            return cached(fn)
        except TypeError:  # an unhashable callable
            return original(fn)

    tables_utils.signature = signature


_cache_call_signatures()


def cell_html(value) -> str:
    """``conditional_escape(value)`` without the lazy-argument check Django wraps ``escape`` in
    (about 800 cells a page): HTML stays as it is, anything else is escaped as Django escapes it."""
    if isinstance(value, Promise):
        value = str(value)
    as_html = getattr(value, "__html__", None)
    return as_html() if as_html is not None else html.escape(str(value))


def format_cells(template: str, *args) -> str:
    """``format_html(template, *args)`` with :func:`cell_html` for the arguments: the same HTML,
    without the lazy-argument wrapper around each argument's escape (the dashboard's summary rows
    make some 2.000 such calls a page)."""
    return mark_safe(template.format(*[cell_html(arg) for arg in args]))  # noqa: S308 (every argument escaped)


class PythonRowsMixin:
    """Render a table's header, body and footer rows in Python instead of templates.

    django-tables2 renders every cell through BoundRow/BoundColumn, a signature lookup and the
    template engine: two thirds of the positions list's time at 50 rows, and its header (a sort
    link per column, each made by a template tag from the query string) and footer another tenth.
    A table with this mixin names, for every column it shows, a method ``cell_<name>(record)``
    that returns the cell's text or safe HTML; the table template
    ``includes/_python_rows_table.html`` puts header, body and footer rows in the table as
    django_tables2/bootstrap5.html would write them. Sorting, pagination and exports stay
    django-tables2's.
    """

    @cached_property
    def column_attrs(self) -> dict:
        """Each visible column's th/td/tf attributes (with the sort classes), built once per table
        rather than once per header, footer and body cell."""
        return {bound_column.name: bound_column.attrs for bound_column in self.columns}

    def header_cells(self):
        """The header row's cells: the sort link's query string is the request's with the sort
        field replaced, as django-tables2's ``querystring_replace`` tag makes it."""
        params = dict(self.request.GET)
        cells = []
        for column in self.columns:
            header = cell_html(column.header)
            if column.orderable:
                params[self.prefixed_order_by_field] = column.order_by_alias.next
                href = html.escape("?" + urlencode(params, doseq=True))
                header = f'<a href="{href}">{header}</a>'
            cells.append(f'<th {self.column_attrs[column.name]["th"].as_html()} scope="col">{header}</th>')
        return mark_safe("".join(cells))  # noqa: S308 (headers through cell_html, links escaped)

    def footer_cells(self):
        cells = []
        for column in self.columns:
            footer = column.column.footer(column, self)  # (what BoundColumn.footer asks, without its signature lookup)
            cells.append(f"<td {self.column_attrs[column.name]['tf'].as_html()}>{cell_html(footer)}</td>")
        return mark_safe("".join(cells))  # noqa: S308 (every footer through cell_html)

    def body_rows(self):
        columns = []
        for bound_column in self.columns:  # the visible columns, in order
            td = self.column_attrs[bound_column.name]["td"]
            attrs = flatatt({key: value for key, value in td.items() if value})
            columns.append((getattr(self, f"cell_{bound_column.name}"), attrs, bound_column.default))
        if getattr(self, "page", None) is not None:  # (an empty page is falsy, but still the page)
            records = (row.record for row in self.page.object_list)  # the page holds BoundRows
        else:
            records = iter(self.data)
        rows = []
        for record in records:
            cells = []
            for cell, attrs, default in columns:
                value = cell(record)
                cells.append(f"<td{attrs}>{cell_html(default if value in (None, '') else value)}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return mark_safe("\n".join(rows))  # noqa: S308 (every cell went through cell_html)
