"""The position table's header, body and footer rendered in Python (PythonRowsMixin) equal
django-tables2's own rendering."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django_tables2 import RequestConfig

from staffing.models import Position, listed_positions
from staffing.tables import PositionTable

pytestmark = pytest.mark.django_db


def cells(html: str) -> list[str]:
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(cell.split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]


def section(html: str, tag: str) -> str:
    """``<thead>`` or ``<tfoot>`` of a table, without the whitespace between tags and text."""
    part = html.split(f"<{tag}", 1)[1].split(f"</{tag}>", 1)[0]
    return re.sub(r"\s*(<|>)\s*", r"\1", part)


def rendered_tables(queryset, path="/positions/") -> list[str]:
    """The first page's table as PythonRowsMixin renders it and as django-tables2 does."""
    request = RequestFactory().get(path)
    tables = []
    for template in ("includes/_python_rows_table.html", "django_tables2/bootstrap5.html"):
        table = PositionTable(queryset, cost_year=2021, totals=queryset.totals(), template_name=template)
        RequestConfig(request, paginate={"per_page": 25}).configure(table)
        tables.append(render_to_string(template, {"table": table, "request": request}))
    return tables


def both_renderings(queryset) -> tuple[list[str], list[str]]:
    """The body cells of the first page as PythonRowsMixin renders them and as django-tables2 does."""
    ours, theirs = (cells(html) for html in rendered_tables(queryset))
    return ours, theirs


def test_python_rows_equal_django_tables2_rows(demo):
    day = datetime.date(2021, 6, 1)
    queryset = listed_positions(day, 2021).with_holders(day).order_by("pk")
    assert queryset.count() == Position.objects.count() >= 5
    ours, theirs = both_renderings(queryset)
    assert ours == theirs
    assert any("besetzt" in cell for cell in ours) and any("€" in cell for cell in ours)


def test_python_rows_escape_what_users_typed_as_django_does(db):
    from tests import factories

    block = factories.building_block(factories.programme("P&Q"), 3, title='Baustein "<i>3</i>"')
    organisation = factories.organisation("A&B <c>")
    position = factories.position(block, organisation, fte="0.5", title="<b>Stelle</b> & 'mehr'")
    factories.assignment(position, "0.5", datetime.date(2021, 1, 1), name='<script>x</script> "Y"')
    day = datetime.date(2021, 6, 1)
    queryset = listed_positions(day, 2021).with_holders(day).order_by("pk")
    ours, theirs = both_renderings(queryset)
    assert ours == theirs
    html = " ".join(ours)
    assert "&lt;b&gt;Stelle&lt;/b&gt; &amp; &#x27;mehr&#x27;" in html and "<b>" not in html
    assert "A&amp;B &lt;c&gt;" in html and "&lt;script&gt;x&lt;/script&gt; &quot;Y&quot;" in html
    assert 'title="Baustein &quot;&lt;i&gt;3&lt;/i&gt;&quot;"' in html


def test_python_header_and_footer_equal_django_tables2s(demo):
    """Sort links keep the request's other parameters (repeated ones too) and are escaped; the
    sorted column has its class; the footer shows the totals."""
    day = datetime.date(2021, 6, 1)
    queryset = listed_positions(day, 2021).with_holders(day)
    path = "/positions/?q=a%26b+%3Cc%3E&status=approved&status=filled&sort=-fte&page=1"
    ours, theirs = rendered_tables(queryset, path)
    assert section(ours, "thead") == section(theirs, "thead")
    assert section(ours, "tfoot") == section(theirs, "tfoot")
    head = section(ours, "thead")
    assert 'class="desc num orderable"' in head
    assert "?q=a%26b+%3Cc%3E&amp;status=approved&amp;status=filled&amp;sort=fte&amp;page=1" in head
    assert "Summe" in section(ours, "tfoot") and "€" in section(ours, "tfoot")
