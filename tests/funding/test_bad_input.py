"""No input gives a 500: odd query strings, ids beyond 64 bits, generated junk in every field."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funding.models import DecisionVersion, GrantDecision
from integration_admin.demo import load_demo
from tests.conftest import login_as

BIG = "9" * 30


@pytest.fixture
def decision(demo):
    return GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")


def test_odd_query_strings(decision, login):
    client = login("admin")
    for url in [
        reverse("funding:decision-create") + f"?application={BIG}",
        reverse("funding:decision-list") + f"?programme={BIG}&funder=-1&financing_type=%00&active_on=1e309",
        reverse("funding:decision-as-of", args=[decision.pk]) + "?stand=01.01.0001",
        reverse("funding:decision-as-of", args=[decision.pk]) + "?stand=31.12.9999",
        reverse("funding:controlling") + f"?programme={BIG}&year={BIG}",
        reverse("funding:proof-list") + f"?programme={BIG}&state=%00&kind=x",
        reverse("funding:application-list") + "?programme=-0&per_page=-1",
    ]:
        assert client.get(url).status_code == 200, url
    assert client.get(f"/decisions/{BIG}/").status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("decision-update", {"revision": BIG, "programme": BIG, "building_blocks": [BIG], "funder": BIG}),
        ("decision-shares", {"form-TOTAL_FORMS": BIG, "form-INITIAL_FORMS": "0", "revision": "1"}),
        (
            "decision-shares",
            {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-organisation": BIG, "form-0-weight": "1e309"},
        ),
        ("calloff-create", {"called_on": "01.01.0001", "amount": "1", "received_on": "31.12.9999"}),
        ("decision-amend", {"reason": "x", "dated_on": "01.01.2021", "revision": "-1", "rate": "NaN"}),
    ],
)
def test_odd_posts(decision, login, name, data):
    response = login("admin").post(reverse(f"funding:{name}", args=[decision.pk]), data)
    assert response.status_code == 200
    assert decision.versions.count() == 1


junk = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "-1", "0", "1e309", "NaN", "Infinity", "31.02.2021", "\x00", "9" * 40, "1.234,5", "x" * 5000]),
)


FIELDS = ("eligible_expenditure", "rate", "cap", "period_end", "funded_fte", "stated_amount", "title", "financing_type")


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries(dict.fromkeys(FIELDS, junk)))
def test_generated_junk_in_the_decision_form(client, values):
    if not GrantDecision.objects.exists():
        load_demo()
    login_as(client, "admin")
    decision = GrantDecision.objects.get(title__startswith="Teilhabemanagement")
    before = list(DecisionVersion.objects.values_list("pk", "eligible_expenditure", "rate", "granted_amount"))
    data = {
        "programme": decision.programme_id,
        "building_blocks": [b.pk for b in decision.building_blocks.all()],
        "funder": decision.funder_id,
        "form": decision.form,
        "revision": decision.revision,
        "change_reason": "Test",
        **values,
    }
    response = client.post(reverse("funding:decision-update", args=[decision.pk]), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert before == list(
            DecisionVersion.objects.values_list("pk", "eligible_expenditure", "rate", "granted_amount")
        )
