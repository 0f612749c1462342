"""integration_admin.tables.Table: columns copied per table without a deep copy."""

import pytest

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
