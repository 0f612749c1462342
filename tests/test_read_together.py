"""integration_admin.core.db.read_together: several small lists in one query, each in its own order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integration_admin.core.db import read_together
from programs.models import BuildingBlock
from staffing.models import EmployerContributionRate, Organisation, PayGrade
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_same_rows_in_the_same_order_as_each_queryset_alone():
    for short_name in ("awo", "DRK", "Diakonie", "Ärztekammer", "B&C <x>", "zz"):
        factories.organisation(short_name)
    programme = factories.programme("LIST")
    for number in (3, 1, 2):
        factories.building_block(programme, number, title=f"Baustein {number}")
    querysets = {
        "organisations": Organisation.objects.values_list("pk", "short_name"),  # Meta ordering, DB collation
        "blocks": BuildingBlock.objects.order_by("programme", "number").values_list(
            "pk", "number", "title", "programme__short_name"
        ),
        "pay_grades": PayGrade.objects.values_list("pk", "code"),
        "years": EmployerContributionRate.objects.filter(year__gt=3000).values_list("year"),  # none
    }
    with CaptureQueriesContext(connection) as queries:
        lists = read_together(**querysets)
    assert len(queries) == 1
    for name, queryset in querysets.items():
        assert lists[name] == list(queryset), name
    assert lists["years"] == []
    assert [type(value) for value in lists["blocks"][0]] == [int, int, str, str]


def test_only_values_list_querysets():
    with pytest.raises(TypeError):
        read_together(organisations=Organisation.objects.all())
    assert read_together() == {}
