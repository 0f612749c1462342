"""The fragment cache (integration_admin.core.cache): keys made of what a fragment shows, so a
change shows at once, on every app server, with no invalidation."""

import datetime

import pytest
from django.urls import reverse

from funding.models import GrantDecision
from funding.summaries import programme_summaries
from integration_admin.core.cache import content_key, plain
from programs.models import Programme
from staffing.models import Assignment, Position


def test_keys_are_made_of_values_not_object_identities(demo):
    """The same data loaded twice give the same key (no memory addresses in it), also through
    related objects that point back (a block to its programme)."""
    first, second = programme_summaries(), programme_summaries()
    assert first is not second and first[0] is not second[0]
    assert [s.cache_key() for s in first] == [s.cache_key() for s in second]
    assert "0x" not in repr(plain(first))


def test_a_changed_value_changes_the_key(demo):
    before = {s.programme.pk: s.cache_key() for s in programme_summaries()}
    decision = GrantDecision.objects.get(title__contains="Teilhabemanagement")
    GrantDecision.objects.filter(pk=decision.pk).update(title="Neu benannt")
    after = {s.programme.pk: s.cache_key() for s in programme_summaries()}
    assert after[decision.programme_id] != before[decision.programme_id]
    unchanged = [pk for pk in before if pk != decision.programme_id]
    assert unchanged and all(after[pk] == before[pk] for pk in unchanged)
    assert content_key("a", 1) != content_key("a", 2)


def test_pages_show_a_change_at_once(login):
    """Rendered and cached, then changed in the database (not through a view): the next request shows it."""
    client = login("leitung")
    position = Position.objects.get(organisation__short_name="DRK", title__contains="Teilhabe")
    decision = GrantDecision.objects.get(title__contains="Teilhabemanagement")
    urls = [
        reverse("staffing:position-list"),
        reverse("dashboard"),
        position.building_block.programme.get_absolute_url(),
    ]
    for url in urls:
        client.get(url)  # rendered and cached
    Position.objects.filter(pk=position.pk).update(title="Umbenannte Stelle")
    GrantDecision.objects.filter(pk=decision.pk).update(title="Umbenannter Bescheid")
    Assignment.objects.filter(position=position).update(holder_name="Neue Person")
    html = client.get(reverse("staffing:position-list"), {"active_on": datetime.date(2021, 6, 1).strftime("%d.%m.%Y")})
    assert "Umbenannte Stelle" in html.content.decode() and "Neue Person" in html.content.decode()
    assert "Umbenannte Stelle" in client.get(urls[0]).content.decode()
    assert "Umbenannter Bescheid" in client.get(urls[1]).content.decode()
    programme_page = client.get(urls[2]).content.decode()
    assert "Umbenannte Stelle" in programme_page and "Umbenannter Bescheid" in programme_page
    assert Programme.objects.exists()


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_language_is_part_of_the_key(demo, language):
    from django.utils import translation

    with translation.override("de"):
        german = content_key("x")
    with translation.override(language):
        assert (content_key("x") == german) == (language == "de")
