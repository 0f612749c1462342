"""integration_admin.core.tables: columns copied per table without a deep copy; cells formatted as Django would."""

from decimal import Decimal

import pytest
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from integration_admin.core.tables import format_cells
from staffing.models import Position
from staffing.tables import PositionTable

pytestmark = pytest.mark.django_db


def test_tables_do_not_share_their_columns():
    first = PositionTable(Position.objects.none(), cost_year=2021)
    second = PositionTable(Position.objects.none(), cost_year=2022)
    first.columns.hide("holders")
    assert first.columns["annual_cost"].header == "Jahreskosten 2021"
    assert second.columns["annual_cost"].header == "Jahreskosten 2022"
    assert str(PositionTable.base_columns["annual_cost"].verbose_name) == "Jahreskosten"
    assert "holders" not in [column.name for column in first.columns]
    assert "holders" in [column.name for column in second.columns]
    assert PositionTable.base_columns["holders"].visible
    for name, column in PositionTable.base_columns.items():
        assert first.columns[name].column is not column is not second.columns[name].column


@pytest.mark.parametrize(
    "value",
    ['<b class="x">A&B\'s</b>', mark_safe("<i>safe</i>"), gettext_lazy("Stellen"), 1.5, Decimal("2.50"), None, ""],
)
def test_format_cells_writes_what_format_html_writes(value):
    template = '<td title="{}">{}</td>'
    assert format_cells(template, value, value) == format_html(template, value, value)
    assert isinstance(format_cells(template, value, value), SafeString)
