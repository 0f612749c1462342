"""django-tables2 pieces shared by the apps: a table whose rows are in a total order, and columns
for money, FTE and dates in the user's notation."""

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import QuerySet

from integration_admin.core.db import from_cents
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


class Table(tables.Table):
    """django-tables2's Table whose rows are in a total order: the primary key breaks ties.

    Sorted by a column with equal values (FTE, cost, a date) or by a model's default ordering
    (two positions of the same title at the same organisation), the database may return the
    tied rows in any order, and in another order for the next page's LIMIT/OFFSET: a row could
    appear on two pages and another on none.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.break_ties()  # the data's own ordering (a sort from the request comes through order_by)

    @property
    def order_by(self):
        return super().order_by

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


class CentsColumn(EuroColumn):
    """An amount annotated in whole cents (an exact sum), shown in euro."""

    def render(self, value):
        return euro(from_cents(value))

    def value(self, value):
        return from_cents(value)


class FteColumn(EuroColumn):
    """FTE as "1,5"."""

    def render(self, value):
        return fte(value)
