from decimal import Decimal

import pytest
from django.utils import translation

from integration_admin.core.history import history_entries
from tests import factories

pytestmark = pytest.mark.django_db


def test_history_entries_show_who_changed_what(django_user_model, django_assert_max_num_queries):
    user = django_user_model.objects.create_user("editor", first_name="Eva", last_name="Editor", role="administrator")
    position = factories.position(fte="1.0", title="Teilhabemanagement")
    position.organisation.short_name = "ALT"
    position.organisation.save()
    other = factories.organisation("NEU")
    position.fte = Decimal("1.5")
    position.organisation = other
    position._history_user = user
    position._change_reason = "Aufstockung"
    position.save()

    with django_assert_max_num_queries(3), translation.override("de"):
        entries = history_entries(position)
    assert [e.action for e in entries] == ["geändert", "angelegt"]
    latest = entries[0]
    assert latest.user == "Eva Editor"
    assert latest.reason == "Aufstockung"
    changes = {c.field: (c.old, c.new) for c in latest.changes}
    assert changes["VZÄ"] == ("1", "1,5")
    assert changes["Organisation"] == ("ALT", "NEU")
    assert entries[1].user == "System"
