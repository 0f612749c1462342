"""The position table: django-tables2's columns, header, footer and pagination, a template loop for
the body (staffing/_position_table.html)."""

import datetime
import re

import pytest
from django.urls import reverse

from staffing.models import Organisation
from tests import factories

pytestmark = pytest.mark.django_db


def body_rows(html: str) -> list[list[str]]:
    body = html.split('id="positions"', 1)[1].split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def header(html: str) -> list[str]:
    head = html.split('id="positions"', 1)[1].split("<thead", 1)[1].split("</thead>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]


def test_user_text_in_the_body_comes_out_escaped(login):
    block = factories.building_block(factories.programme("P&Q"), 3, title='Baustein "<i>3</i>"')
    organisation = factories.organisation("A&B <c>")
    position = factories.position(block, organisation, fte="0.5", title="<b>Stelle</b> & 'mehr'")
    factories.assignment(position, "0.5", datetime.date(2021, 1, 1), name='<script>x</script> "Y"')
    html = login("leitung").get(reverse("staffing:position-list"), {"q": "Stelle"}).content.decode()
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    assert "&lt;b&gt;Stelle&lt;/b&gt; &amp; &#x27;mehr&#x27;" in body and "<b>" not in body
    assert "A&amp;B &lt;c&gt;" in body and "&lt;script&gt;x&lt;/script&gt; &quot;Y&quot;" in body
    assert 'title="Baustein &quot;&lt;i&gt;3&lt;/i&gt;&quot;"' in body


@pytest.mark.parametrize("page", ["list", "programme", "organisation"])
def test_every_row_has_a_cell_under_every_column_header(login, page):
    """The programme page leaves out the programme column, the organisation page the organisation:
    the body follows the columns the table shows."""
    drk = Organisation.objects.get(short_name="DRK")
    url = {
        "list": reverse("staffing:position-list"),
        "programme": reverse("programme-detail", args=[drk.positions.first().building_block.programme_id]),
        "organisation": drk.get_absolute_url(),
    }[page]
    html = login("leitung").get(url).content.decode()
    columns = header(html)
    rows = body_rows(html)
    assert rows and all(len(row) == len(columns) for row in rows), (columns, rows[:2])
    assert ("Programm" in columns) == (page != "programme")
    assert ("Organisation" in columns) == (page != "organisation")
    position = dict(zip(columns, rows[0], strict=True))
    assert position["VZÄ"] and position["Status"] and position["Zeitraum"]


def test_sort_links_keep_the_other_parameters_and_are_escaped(login):
    path = reverse("staffing:position-list") + "?q=a%26b+%3Cc%3E&status=approved&sort=-fte&page=1"
    html = login("leitung").get(path).content.decode()
    head = html.split('id="positions"', 1)[1].split("</thead>", 1)[0]
    assert 'class="desc num orderable"' in head
    assert "q=a%26b+%3Cc%3E" in head and "status=approved" in head and "sort=fte" in head
