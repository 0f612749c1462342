"""Saved filters per user (issue 25): save the current filter of a list under a name, find it
above the list's filter form, open and delete it; nobody sees or deletes another user's."""

from django.urls import reverse

from integration_admin.models import SavedFilter, User

LIST = reverse("staffing:position-list")


def panel(client, query: str = "", list_name: str = "staffing:position-list") -> str:
    response = client.get(reverse("saved-filters"), {"list": list_name, "query": query}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_save_a_filter_without_javascript_and_open_it(login):
    client = login("sb-ki")
    page = client.get(reverse("saved-filters"), {"list": "staffing:position-list", "query": "q=Case&page=3&status="})
    html = page.content.decode()
    assert 'name="query" value="q=Case"' in html  # without the page and the empty values
    response = client.post(
        reverse("saved-filters"), {"list": "staffing:position-list", "label": "Meine Fälle", "query": "q=Case"}
    )
    assert response.status_code == 302 and response["Location"] == f"{LIST}?q=Case"
    saved = SavedFilter.objects.get(user__username="sb-ki")
    assert (saved.list_name, saved.query, saved.label) == ("staffing:position-list", "q=Case", "Meine Fälle")
    assert f'href="{LIST}?q=Case">Meine Fälle</a>' in panel(client)
    assert "Meine Fälle" not in panel(client, list_name="funding:decision-list")  # per list


def test_save_from_the_list_takes_the_filter_form_as_it_is_now(login):
    """With htmx the save form sends the filter form's fields along (hx-include): the filter as
    the user has changed it since the page was loaded, not the page's query string."""
    client = login("sb-ki")
    response = client.post(
        reverse("saved-filters"),
        {"list": "staffing:position-list", "label": "frei", "query": "q=alt", "q": "", "occupancy": "free",
         "per_page": "50", "page": "2"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response["HX-Redirect"] == f"{LIST}?occupancy=free&per_page=50"
    # saving again under the same name replaces the filter
    client.post(reverse("saved-filters"), {"list": "staffing:position-list", "label": "frei", "query": "q=neu"})
    assert list(SavedFilter.objects.values_list("label", "query")) == [("frei", "q=neu")]


def test_bad_input_gives_a_german_message(login):
    client = login("sb-ki")
    response = client.post(reverse("saved-filters"), {"list": "nichts", "label": ""}, follow=True)
    assert response.status_code == 200
    assert "Der Filter wurde nicht gespeichert" in response.content.decode()
    assert not SavedFilter.objects.exists()


def test_only_the_own_filters(login):
    other = SavedFilter.objects.create(
        user=User.objects.get(username="sb-drk"), list_name="staffing:position-list", query="q=DRK", label="DRK-Sicht"
    )
    client = login("sb-ki")
    assert "DRK-Sicht" not in panel(client)
    assert "DRK-Sicht" not in client.get(reverse("saved-filters")).content.decode()
    assert client.post(reverse("savedfilter-delete", args=[other.pk])).status_code == 404
    assert SavedFilter.objects.filter(pk=other.pk).exists()
    client = login("sb-drk")
    response = client.post(reverse("savedfilter-delete", args=[other.pk]))
    assert response.status_code == 302 and response["Location"] == LIST
    assert not SavedFilter.objects.filter(pk=other.pk).exists()


def test_the_list_loads_its_saved_filters_above_the_filter_form(login, data_queries):
    client = login("sb-ki")
    response, queries = data_queries(client, LIST + "?q=Case")
    html = response.content.decode()
    panel_at = html.index('id="saved-filters-panel"')
    assert panel_at < html.index('class="row g-2 align-items-end filter-form')
    assert 'hx-get="/filters/?list=staffing%3Aposition-list&amp;query=q%3DCase"' in html
    assert not any("saved" in query for query in queries)  # loaded afterwards: the list's budget is unchanged
