"""Done when (issue 4): the administrator enters the founding example's decisions from scratch in
the browser and sees 624.493,60 € granted, 156.123,40 € own share split 1,5 : 1,0 between Kreis
(KI) and DRK, with history. Everything below goes through the pages (client posts), not the ORM."""

import re

import pytest
from django.urls import reverse

from funding.models import Application, CallOff, CostShare, DecisionVersion, GrantDecision, PassThrough, ProofOfUse
from programs.models import BuildingBlock, Funder, Programme

NBSP = "\N{NO-BREAK SPACE}"


def euro(text: str) -> str:
    return f"{text}{NBSP}€"


@pytest.fixture
def no_funding_records(demo):
    """Master data of the founding example (programmes, blocks, positions, users), but no decisions."""
    for model in (CallOff, PassThrough, ProofOfUse, CostShare, DecisionVersion, GrantDecision, Application):
        for obj in model.objects.all():
            obj.delete()


def follow_redirect(response):
    assert response.status_code == 302, response.content.decode()[:3000]
    return response["Location"]


def test_administrator_enters_the_founding_example_from_scratch(no_funding_records, login):
    client = login("admin")
    durchstarten = Programme.objects.get(short_name="Durchstarten")
    kim = Programme.objects.get(short_name="KIM")
    block6 = BuildingBlock.objects.get(programme=durchstarten, number=6)
    kim2 = BuildingBlock.objects.get(programme=kim, number=2)
    mkffi = Funder.objects.get(short_name="MKFFI")

    # 1. The application of 27.03.2020.
    location = follow_redirect(
        client.post(
            reverse("funding:application-create"),
            {
                "programme": durchstarten.pk,
                "building_blocks": [block6.pk],
                "submitted_on": "27.03.2020",
                "reference": "",
                "requested_amount": "",
                "note": "Antrag auf Landeszuwendung",
            },
        )
    )
    application = Application.objects.get()
    assert location == application.get_absolute_url()

    # 2. The decision received 10.08.2020: share financing, 80 % of 780.617,00 €, until 31.12.2022.
    location = follow_redirect(
        client.post(
            reverse("funding:decision-create"),
            {
                "programme": durchstarten.pk,
                "building_blocks": [block6.pk],
                "funder": mkffi.pk,
                "application": application.pk,
                "title": "Teilhabemanagement (Förderbaustein 6)",
                "reference": "",
                "form": "zuweisung_zuschuss",
                "financing_type": "share",
                "received_on": "10.08.2020",
                "dated_on": "",
                "eligible_expenditure": "780.617,00",
                "rate": "80",
                "stated_amount": "624.493,60 €",
                "period_start": "",
                "period_end": "31.12.2022",
            },
        )
    )
    decision = GrantDecision.objects.get(programme=durchstarten)
    assert location == decision.get_absolute_url()

    # 3. The own share, split by the FTE of the positions: 1,5 KI and 1,0 DRK (confirmed on its page).
    page = client.get(reverse("funding:decision-shares", args=[decision.pk])).content.decode()
    assert 'value="1,5"' in page and 'value="1,0"' in page
    ki, drk = (re.search(rf'<option value="(\d+)"[^>]*selected>{name}</option>', page) for name in ("KI", "DRK"))
    assert ki and drk
    follow_redirect(
        client.post(
            reverse("funding:decision-shares", args=[decision.pk]),
            {
                "form-TOTAL_FORMS": "3",
                "form-INITIAL_FORMS": "2",
                "form-MIN_NUM_FORMS": "0",
                "form-MAX_NUM_FORMS": "20",
                "form-0-organisation": ki.group(1),
                "form-0-weight": "1,5",
                "form-1-organisation": drk.group(1),
                "form-1-weight": "1,0",
                "form-2-organisation": "",
                "form-2-weight": "",
                "revision": str(decision.revision),
                "change_reason": "",
            },
        )
    )

    html = client.get(decision.get_absolute_url()).content.decode()
    assert euro("780.617,00") in html
    assert euro("624.493,60") in html  # granted, computed
    assert "stimmt auf den Cent" in html  # stated amount = computed amount
    assert euro("156.123,40") in html  # own share
    shares = re.search(r'<table class="table table-sm cost-shares">.*?</table>', html, re.S).group(0)
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", shares, re.S)
        )
        if cells
    }
    assert rows["KI"] == ["1,5", euro("468.370,20"), euro("374.696,16"), euro("93.674,04")]
    assert rows["DRK"] == ["1,0", euro("312.246,80"), euro("249.797,44"), euro("62.449,36")]
    assert "27.03.2020" in html and "10.08.2020" in html and "31.12.2022" in html
    assert "Anteilsfinanzierung" in html and "Zuweisung/Zuschuss" in html
    # The history (its own page; the decision page loads it with htmx or links to it): who created
    # what, with the values.
    history_url = reverse("funding:decision-history", args=[decision.pk])
    assert f'hx-get="{history_url}"' in html and f'href="{history_url}"' in html
    history_html = client.get(history_url).content.decode()
    history = history_html[history_html.index('id="verlauf"') :]
    assert "Demo Administration" in history
    assert "angelegt" in history
    assert "780.617,00" in history and "624.493,60" in history
    assert "93.674,04" in history and "62.449,36" in history

    # 4. KIM block 2: a decision for 5 case-management positions that arrived without an application.
    follow_redirect(
        client.post(
            reverse("funding:decision-create"),
            {
                "programme": kim.pk,
                "building_blocks": [kim2.pk],
                "funder": mkffi.pk,
                "application": "",
                "title": "Fachbezogene Pauschale Case-Management (Baustein 2)",
                "form": "zuweisung",
                "financing_type": "flat_rate",
                "funded_fte": "5",
            },
        )
    )
    kim_decision = GrantDecision.objects.get(programme=kim)
    html = client.get(kim_decision.get_absolute_url()).content.decode()
    assert "Bescheid ohne Antrag eingegangen" in html
    assert "Pauschale je VZÄ und Jahr" in html and "5,0" in html

    # 5. The home page shows the same figures.
    html = client.get(reverse("dashboard")).content.decode()
    assert euro("624.493,60") in html and euro("156.123,40") in html
    assert "Bescheid ohne Antrag" in html
