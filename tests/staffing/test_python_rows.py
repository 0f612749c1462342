"""The position table's body rendered in Python (PythonRowsMixin) equals django-tables2's own cells."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django_tables2 import RequestConfig

from staffing.models import Position
from staffing.tables import PositionTable
from staffing.views import POSITION_ROWS

pytestmark = pytest.mark.django_db


def cells(html: str) -> list[str]:
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(cell.split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]


def both_renderings(queryset) -> tuple[list[str], list[str]]:
    """The body cells of the first page as PythonRowsMixin renders them and as django-tables2 does."""
    request = RequestFactory().get("/positions/")
    tables = []
    for template in ("includes/_python_rows_table.html", "django_tables2/bootstrap5.html"):
        table = PositionTable(queryset, cost_year=2021, totals=queryset.totals(), template_name=template)
        RequestConfig(request, paginate={"per_page": 25}).configure(table)
        tables.append(render_to_string(template, {"table": table, "request": request}))
    ours, theirs = (cells(html) for html in tables)
    return ours, theirs


def test_python_rows_equal_django_tables2_rows(demo):
    day = datetime.date(2021, 6, 1)
    queryset = POSITION_ROWS.with_staffing(day).with_cost(2021).with_holders(day).order_by("pk")
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
    queryset = POSITION_ROWS.with_staffing(day).with_cost(2021).with_holders(day).order_by("pk")
    ours, theirs = both_renderings(queryset)
    assert ours == theirs
    html = " ".join(ours)
    assert "&lt;b&gt;Stelle&lt;/b&gt; &amp; &#x27;mehr&#x27;" in html and "<b>" not in html
    assert "A&amp;B &lt;c&gt;" in html and "&lt;script&gt;x&lt;/script&gt; &quot;Y&quot;" in html
    assert 'title="Baustein &quot;&lt;i&gt;3&lt;/i&gt;&quot;"' in html
