"""The global search (/search/?q=, issue 25): positions, holders, organisations, decisions and
papers in one page; need to know for holders and non-public papers; a constant number of queries."""

import re

import pytest
from django.urls import reverse

from integration_admin.search import ROWS_PER_GROUP
from staffing.models import Organisation
from tests import factories


def search_page(client, text):
    response = client.get(reverse("search"), {"q": text})
    assert response.status_code == 200
    return response.content.decode()


def group_count(html: str, key: str) -> int:
    section = re.search(rf'id="treffer-{key}".*?</section>', html, re.S)
    assert section, f"keine Gruppe {key}"
    return int(re.search(r'badge text-bg-secondary">(\d+)<', section.group(0)).group(1))


@pytest.fixture
def found(demo):
    """Records of every kind with the word "Zaunkönig" (an umlaut), of the KI."""
    ki = Organisation.objects.get(short_name="KI")
    organisation = factories.organisation("ZKÖ", name="Verein Zaunkönig e. V.")
    position = factories.position(org=ki, title="Beratung Zaunkönig")
    factories.assignment(position, name="Zaunkönig, Jörg")
    decision = factories.decision(title="Förderung Zaunkönig")
    public = factories.report(lead_office=ki, title="Bericht Zaunkönig öffentlich")
    hidden = factories.report(lead_office=ki, title="Bericht Zaunkönig nichtöffentlich", public=False)
    return {
        "organisation": organisation,
        "position": position,
        "decision": decision,
        "public": public,
        "hidden": hidden,
    }


def test_finds_every_kind_case_insensitive_with_umlauts(login, found):
    client = login("leitung")
    for text in ("zaunkönig", "ZAUNKÖNIG", "Zaunkönig"):
        html = search_page(client, text)
        assert group_count(html, "positions") == 1, text
        assert group_count(html, "holders") == 1, text
        assert group_count(html, "organisations") == 1, text
        assert group_count(html, "decisions") == 1, text
        assert group_count(html, "reports") == 2, text  # the head reads non-public papers
        assert reverse("staffing:position-detail", args=[found["position"].pk]) in html
        assert reverse("funding:decision-detail", args=[found["decision"].pk]) in html
        assert reverse("council:report-detail", args=[found["hidden"].pk]) in html
        assert "Zaunkönig, Jörg" in html
    # every word must appear, in any field
    html = search_page(client, "ki beratung zaunkönig")
    assert group_count(html, "positions") == 1 and group_count(html, "organisations") == 0


def test_holders_and_non_public_papers_need_to_know(login, found):
    client = login("sb-drk")  # another organisation's caseworker: no KI names, no non-public paper
    html = search_page(client, "Zaunkönig")
    assert "Jörg" not in html
    assert group_count(html, "holders") == 0
    assert group_count(html, "positions") == 1  # the position by its title: figures are for everyone
    assert group_count(html, "reports") == 1
    assert reverse("council:report-detail", args=[found["hidden"].pk]) not in html
    assert group_count(search_page(client, "Jörg"), "positions") == 0  # a hidden name finds nothing

    client = login("sb-ki")  # the KI's caseworker reads the KI's holders
    html = search_page(client, "Jörg")
    assert "Zaunkönig, Jörg" in html and group_count(html, "positions") == 1


def test_at_most_n_per_group_with_a_link_into_the_list(login, demo):
    ki = Organisation.objects.get(short_name="KI")
    for number in range(ROWS_PER_GROUP + 2):
        factories.position(org=ki, title=f"Übergangsstelle {number}")
    client = login("admin")
    html = search_page(client, "übergangsstelle")
    assert group_count(html, "positions") == ROWS_PER_GROUP + 2
    assert html.count("Übergangsstelle ") == ROWS_PER_GROUP
    more = reverse("staffing:position-list") + "?q=%C3%BCbergangsstelle"
    assert f'href="{more}"' in html
    # the list behind "mehr" shows them all
    assert "12 Stellen" in client.get(more).content.decode()


def test_a_constant_number_of_queries_whatever_the_hits(login, found, data_queries):
    client = login("leitung")  # (the administrator's second factor adds a query of its own)
    _response, few = data_queries(client, reverse("search") + "?q=Zaunkönig")
    ki = Organisation.objects.get(short_name="KI")
    for number in range(30):
        position = factories.position(org=ki, title=f"Zaunkönig {number}")
        factories.assignment(position, name=f"Zaunkönig {number}")
        factories.organisation(f"ZK{number}", name="Zaunkönig")
        factories.decision(title=f"Zaunkönig {number}")
        factories.report(lead_office=ki, title=f"Zaunkönig {number}")
    _response, many = data_queries(client, reverse("search") + "?q=Zaunkönig")
    assert len(few) == len(many) == 5, many  # one per group


def test_empty_or_too_long_text_gives_a_page_not_an_error(login, demo):
    client = login("sb-ki")
    assert "Treffer" not in search_page(client, "")
    html = search_page(client, "x" * 300)
    assert "höchstens 200 Zeichen" in html


def test_search_box_in_the_navigation(login, demo):
    html = login("sb-drk").get(reverse("dashboard")).content.decode()
    assert re.search(r'<form[^>]*role="search"[^>]*action="/search/"', html)
    assert '<label class="visually-hidden" for="nav-search-q">' in html
