"""GDPR: after anonymise_holders, no table contains the holder's name (history rows included)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import models

from staffing.models import Assignment
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date
NAME = "Zofia Wiśniewska-Testperson"


def tables_containing(text: str) -> list[str]:
    """Every model (history tables and Django's own included) with a text column containing ``text``."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        text_fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)
        ]
        query = models.Q()
        for name in text_fields:
            query |= models.Q(**{f"{name}__contains": text})
        if text_fields and model._default_manager.filter(query).exists():
            found.append(model._meta.label)
    return found


def test_names_disappear_everywhere(django_user_model):
    position = factories.position(fte="1.0")
    ended = Assignment.objects.create(
        position=position, holder_name=NAME, fte_share=Decimal("0.5"), start=D(2015, 1, 1), end=D(2017, 12, 31)
    )
    ended.fte_share = Decimal("1.0")
    ended.save()  # a second history row with the name
    LogEntry.objects.create(
        user=django_user_model.objects.create_user("admin2", role="administrator"),
        content_type=ContentType.objects.get_for_model(Assignment),
        object_id=str(ended.pk),
        object_repr=str(ended),
        action_flag=ADDITION,
        change_message=f'[{{"added": {{"name": "Besetzung", "object": "{NAME} (1,0 VZÄ)"}}}}]',
    )
    current = Assignment.objects.create(
        position=position, holder_name="Aktuelle Inhaberin", fte_share=Decimal("1.0"), start=D(2018, 1, 1)
    )
    assert set(tables_containing(NAME)) == {"staffing.Assignment", "staffing.HistoricalAssignment", "admin.LogEntry"}

    out = io.StringIO()
    call_command("anonymise_holders", "--ended-before", "01.01.2018", stdout=out)
    assert "1 Besetzungen anonymisiert" in out.getvalue()

    assert tables_containing(NAME) == []
    assert tables_containing("Wiśniewska") == []
    ended.refresh_from_db()
    assert ended.holder_name == f"anonymisiert (Besetzung {ended.pk})"
    assert ended.history.latest().history_change_reason.startswith("Anonymisierung")
    current.refresh_from_db()
    assert current.holder_name == "Aktuelle Inhaberin"  # still active: kept


def test_dry_run_changes_nothing_and_bad_dates_are_refused():
    position = factories.position()
    Assignment.objects.create(
        position=position, holder_name=NAME, fte_share=Decimal("1"), start=D(2015, 1, 1), end=D(2016, 1, 1)
    )
    out = io.StringIO()
    call_command("anonymise_holders", "--ended-before", "2020-01-01", "--dry-run", stdout=out)
    assert "1 Besetzungen würden anonymisiert" in out.getvalue()
    assert tables_containing(NAME)
    with pytest.raises(CommandError, match="Ungültiges Datum"):
        call_command("anonymise_holders", "--ended-before", "31.02.2020")
