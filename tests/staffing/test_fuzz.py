"""Generated bad input on the position forms and list filters: never a 500, never a partial save."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programs.models import BuildingBlock
from staffing.models import Assignment, Organisation, Position

NASTY = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["1e309", "NaN", "-1", "0", "abc", "\x00", "31.02.2020", "99.99.9999", "0,0001", "1.234,5", "", "csv", "xlsx"]
    ),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=5).map(lambda s: s * 2000),
)
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(fte=NASTY, title=NASTY, start=NASTY, end=NASTY, step=NASTY, note=NASTY)
def test_position_form_never_fails(login, fte, title, start, end, step, note):
    client = login("sb-drk")
    block = BuildingBlock.objects.get(programme__short_name="Durchstarten", number=6)
    data = {
        "building_block": block.pk,
        "organisation": Organisation.objects.get(short_name="DRK").pk,
        "title": title,
        "fte": fte,
        "pay_step": step,
        "start": start,
        "end": end,
        "status": "approved",
        "note": note,
    }
    before = Position.objects.count()
    response = client.post(reverse("staffing:position-create"), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Position.objects.count() == before
        assert response.context["form"].errors


@FUZZ
@given(name=NASTY, share=NASTY, start=NASTY, end=NASTY)
def test_assignment_form_never_fails(login, name, share, start, end):
    client = login("sb-drk")
    position = Position.objects.get(organisation__short_name="DRK")
    before = Assignment.objects.count()
    response = client.post(
        reverse("staffing:assignment-create", args=[position.pk]),
        {"holder_name": name, "fte_share": share, "start": start, "end": end},
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Assignment.objects.count() == before


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["q", "programme", "building_block", "organisation", "status",
                                               "pay_grade", "active_on", "occupancy", "year", "per_page", "page",
                                               "sort", "_export"]), NASTY, max_size=5))  # fmt: skip
def test_position_list_never_fails(login, params):
    response = login("sb-drk").get(reverse("staffing:position-list"), params)
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/positions/", "/organisations/", "/programmes/", "/pay-tables/"])
def test_pages_work_in_english(login, url):
    client = login("leitung")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(url)
    assert response.status_code == 200 and 'lang="en"' in response.content.decode()
