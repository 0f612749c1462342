"""A decision's "Letzte Aktivitäten" (issue 23): the newest entries of its audit trail, who did what
and when, linked to the full history; loaded by the decision page when scrolled to, so the page's
own query budget stays as it is (tests/funding/test_views.py)."""

import datetime
import re

import pytest
from django.urls import reverse

from funding.models import GrantDecision
from funding.views import ACTIVITY_ENTRIES
from integration_admin.models import User
from tests import factories


@pytest.fixture
def founding(demo):
    return GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")


def test_the_feed_shows_the_newest_entries_and_links_to_the_history(founding, login, data_queries):
    client = login("sb-drk")
    admin = User.objects.get(username="admin")
    for day in range(1, 11):
        proof = factories.proof(founding, datetime.date(2024, 1, day))
        proof._history_user = admin
        proof.note = f"Notiz {day}"
        proof.save()
    url = reverse("funding:decision-activity", args=[founding.pk])
    response, queries = data_queries(client, url)
    assert response.status_code == 200
    assert len(queries) == 10, queries  # the history page's queries, no more
    html = " ".join(response.content.decode().split())
    feed = html[html.index('id="aktivitaeten"') :]
    items = re.findall(r"<li class=\"mb-1\">(.*?)</li>", feed)
    assert len(items) == ACTIVITY_ENTRIES
    assert "Nachweis, Frist 10.01.2024 geändert" in items[0] and "(Bemerkung)" in items[0]
    assert "Vollständiger Änderungsverlauf (und" in feed
    assert f'href="{reverse("funding:decision-history", args=[founding.pk])}"' in feed


def test_the_decision_page_loads_the_feed_when_scrolled_to(founding, login):
    html = login("leitung").get(founding.get_absolute_url()).content.decode()
    activity_url = reverse("funding:decision-activity", args=[founding.pk])
    assert f'hx-get="{activity_url}" hx-trigger="revealed" hx-select="#aktivitaeten"' in html
    assert f'<a href="{activity_url}">Letzte Aktivitäten ansehen</a>' in html


def test_an_unknown_decision_is_a_404(login):
    assert login("leitung").get(reverse("funding:decision-activity", args=[999999])).status_code == 404


def test_another_bodys_decision_has_no_history_but_a_404(founding, login):
    """The history tables are not scoped to a body: the Musterkreis' users get a 404 for the Kreis
    Heinsberg's decision's history and activity, as for a decision that does not exist."""
    client = login("mk-leitung")
    for name in ("funding:decision-history", "funding:decision-activity"):
        assert client.get(reverse(name, args=[founding.pk])).status_code == 404, name
    assert login("leitung").get(reverse("funding:decision-history", args=[founding.pk])).status_code == 200
