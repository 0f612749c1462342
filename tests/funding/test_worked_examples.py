"""Worked examples (issue 21): decisions from public council papers of other NRW Kreise and cities,
entered from scratch as an administrator enters a letter (the pages: create form, financing plan,
eligibility rule, positions), with every figure the paper states checked on the decision page (as
the German page prints it) and in the stored figures (Decimal, exact).

The sources were read as excerpts of the council information systems (research notes of issue 21);
each test names its paper, number, date and address. Figures a paper does not state are not
invented: where a test needs a figure the paper lacks, it says so.
"""

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from funding.models import DecisionVersion, GrantDecision, PlanItem
from programs.models import BuildingBlock, FlatRate, Funder, Programme
from staffing.models import Organisation, OrganisationKind, Position

NBSP = "\N{NO-BREAK SPACE}"


def euro(text: str) -> str:
    return f"{text}{NBSP}€"


def text_of(html: str) -> str:
    """The page's text without tags, whitespace collapsed (for sentences that span markup)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(NBSP + "€", " €")


class FormValues(HTMLParser):
    """What a browser sends for the page's form with ``method="post"``: every named input, select
    and textarea with the value it shows (checked boxes only, the selected option)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self.in_form = False
        self.select: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[name] = attrs.get("value") or "on"
            elif kind not in ("submit", "button"):
                self.values[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select, self.first_option = name, None
        elif tag == "option" and self.select:
            value = attrs.get("value") or ""
            if self.first_option is None:
                self.first_option = value
            if "selected" in attrs:
                self.values[self.select] = value
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self.select:
            self.values.setdefault(self.select, self.first_option or "")
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data.lstrip("\n")


def form_values(client, url: str) -> dict[str, str]:
    page = client.get(url)
    assert page.status_code == 200, page.content.decode()[:2000]
    parser = FormValues()
    parser.feed(page.content.decode())
    return parser.values


def submit(client, url: str, changes: dict[str, str]) -> str:
    """Open the form page, change fields as a user types them, send it; the page it redirects to."""
    data = {**form_values(client, url), **changes}
    response = client.post(url, data)
    assert response.status_code == 302, text_of(response.content.decode())[:3000]
    return response["Location"]


PREFIX = "plan_items"


def enter_plan(client, decision: GrantDecision, rows: list[dict[str, str]], reason: str = "") -> None:
    """Type the rows into the blank lines of the financing-plan page; when the page has fewer blank
    lines than rows, save and go on in the new blank lines (as the page says)."""
    url = reverse("funding:decision-plan", args=[decision.pk])
    while rows:
        data = form_values(client, url)
        total = int(data[f"{PREFIX}-TOTAL_FORMS"])
        blank = [i for i in range(total) if not data.get(f"{PREFIX}-{i}-id")]
        assert blank, "the plan page offers no blank line"
        for index, row in zip(blank, rows, strict=False):
            data.update({f"{PREFIX}-{index}-{name}": value for name, value in row.items()})
        data["change_reason"] = reason
        response = client.post(url, data)
        assert response.status_code == 302, text_of(response.content.decode())[:3000]
        rows = rows[len(blank) :]


def create_decision(client, **fields) -> GrantDecision:
    """The decision create form, filled in as the letter reads."""
    before = set(GrantDecision.objects.values_list("pk", flat=True))
    location = submit(client, reverse("funding:decision-create"), fields)
    decision = GrantDecision.objects.exclude(pk__in=before).get()
    assert location == decision.get_absolute_url()
    return decision


@pytest.fixture
def kim(demo):
    programme = Programme.objects.get(short_name="KIM")
    return {
        "programme": programme,
        "block1": BuildingBlock.objects.get(programme=programme, number=1),
        "block2": BuildingBlock.objects.get(programme=programme, number=2),
        "land": Funder.objects.get(short_name="MKFFI"),
    }


def test_kreis_unna_kim_case_management_2023_flat_rate_for_18_posts(kim, login):
    """Kreis Unna, KIM Baustein II: Zuwendungsbescheid vom 15.02.2023, as two towns' council papers
    quote it: Stadt Kamen, Beschlussvorlage 056/2023 „Zweite Änderung des Weiterleitungsvertrages
    Kommunales Integrationsmanagement“ (https://ratsportal.kamen.de/bi/vo0050.asp?__kvonr=4501), and
    Stadt Bergkamen, Beschlussvorlage 12/1002 (https://ris.bergkamen.de/buergerinfo/vo0050.asp?__kvonr=2073072):

    „Der Kreis Unna erhält mit Zuwendungsbescheid vom 15.02.2023 eine fachbezogene Pauschale für 18
    Personalstellen … im Zeitraum 01.01.2023 bis 31.12.2023 in Höhe von insgesamt 1.026.000 Euro.“ …
    „Anpassung der Beträge auf 57.000 € pro VzÄ“.

    Stated: 18 posts, 01.01.2023–31.12.2023, 57.000 € per FTE and year, 1.026.000 € in total, letter
    of 15.02.2023, flat rate. The demo's master data has no flat rate for 2023, so after the create
    form the page says the rate is missing; the administrator enters the letter's rate as the line
    of the financing plan (the rate belongs to the letter, not to the master data)."""
    client = login("admin")
    assert not FlatRate.objects.filter(building_block=kim["block2"], year=2023).exists()
    decision = create_decision(
        client,
        programme=str(kim["programme"].pk),
        building_blocks=str(kim["block2"].pk),
        funder=str(kim["land"].pk),
        application="",
        title="Kreis Unna: KIM Baustein II Case Management 2023",
        reference="",
        form="zuweisung",
        financing_type="flat_rate",
        dated_on="15.02.2023",
        received_on="",
        funded_fte="18",
        stated_amount="1.026.000,00",
        period_start="01.01.2023",
        period_end="31.12.2023",
    )
    version = decision.versions.get(is_current=True)
    assert version.granted_amount is None
    assert "Pauschale je VZÄ für 2023 (Stammdaten)" in text_of(client.get(decision.get_absolute_url()).content.decode())

    enter_plan(
        client,
        decision,
        [
            {
                "kind": "personnel",
                "label": "Fachbezogene Pauschale Case Management",
                "building_block": str(kim["block2"].pk),
                "fte": "18",
                "amount": "57.000,00",
            }
        ],
    )
    version.refresh_from_db()
    item = version.plan_items.get()
    assert item.amount == Decimal("57000.00")
    assert item.fte == Decimal("18")
    assert item.frozen_from_master_data_on is None
    assert version.financing_type == "flat_rate"
    assert version.funded_fte == Decimal("18")
    assert (version.period_start.isoformat(), version.period_end.isoformat()) == ("2023-01-01", "2023-12-31")
    assert version.dated_on.isoformat() == "2023-02-15"
    assert version.plan_amount == Decimal("1026000.00")
    assert version.granted_amount == Decimal("1026000.00")
    assert version.stated_difference == Decimal("0.00")

    html = client.get(decision.get_absolute_url()).content.decode()
    text = text_of(html)
    assert "Zuwendung nach Pauschale je VZÄ und Jahr: 1.026.000,00 € · laut Bescheid: 1.026.000,00 €" in text
    assert "15.02.2023" in html
    assert "01.01.2023" in html and "31.12.2023" in html
    assert "18,0" in html
    assert euro("57.000,00") in html
    assert euro("1.026.000,00") in html
    assert "stimmt auf den Cent" in html
    plan = re.search(r'<section class="mb-4" id="finanzierungsplan">.*?</section>', html, re.S).group(0)
    row = re.search(r"<tr>\s*<th scope=\"row\"[^>]*>Personalkosten je VZÄ und Jahr: Fachbezogene.*?</tr>", plan, re.S)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]
    assert cells == ["18,0", euro("57.000,00"), euro("1.026.000,00"), euro("1.026.000,00")]


@pytest.fixture
def mittelkreis(kim):
    """The towns of the Kreis Unna's "Mittelkreis" as organisations (master data, not part of the
    decision; the app has no page to create organisations, they come from the admin site)."""
    return {
        short_name: Organisation.objects.create(short_name=short_name, name=name, kind=OrganisationKind.OTHER)
        for short_name, name in (
            ("Kamen", "Stadt Kamen"),
            ("Bergkamen", "Stadt Bergkamen"),
            ("Bönen", "Gemeinde Bönen"),
        )
    }


def test_kamen_minimum_half_fte_per_recipient(kim, mittelkreis, login):
    """Stadt Kamen (Kreis Unna), Beschlussvorlage 141/2021, „Förderprogramm „Kommunales
    Integrationsmanagement (KIM)“ – Weiterleitungsvertrag Mittelkreis“, Rat 11.11.2021
    (https://ratsportal.kamen.de/bi/vo0050.asp?__kvonr=4249):

    „Zur Umsetzung gibt es dazu eine pauschalierte Förderung von insgesamt 8 zusätzlichen
    Vollzeitstellen für den Kreis Unna.“ „Auf die Stadt Kamen entfallen rechnerisch 0,85
    Stellenanteile.“ „Auf Bergkamen entfallen rechnerisch 1,19 Stellenanteile, auf die Gemeinde
    Bönen 0,38. Förderfähig sind nur Stellenanteile von mindestens 0,5 VZÄ.“ … „So könnten
    rechnerisch nun die Städte Kamen und Bergkamen jeweils 1,0 Stelle ausweisen und die Gemeinde
    Bönen 0,5.“ Befristet bis 31.12.2022.

    Stated: 8 funded posts, period until 31.12.2022, the rule "at least 0,5 FTE per recipient",
    computed shares 0,85 / 1,19 / 0,38 (Bönen's is below the minimum) and the agreed 1,0 / 1,0 / 0,5
    (all eligible). The paper states no money and no start of the period, so the grant stays
    uncomputed (the page says which figures are missing). The towns' shares are entered as their
    positions in the building block (the own-share key needs money the paper does not state)."""
    client = login("admin")
    decision = create_decision(
        client,
        programme=str(kim["programme"].pk),
        building_blocks=str(kim["block2"].pk),
        funder=str(kim["land"].pk),
        application="",
        title="Kreis Unna: KIM Baustein II (8 Stellen, Mittelkreis)",
        form="zuweisung",
        financing_type="flat_rate",
        funded_fte="8",
        period_start="",
        period_end="31.12.2022",
    )
    rule_url = reverse("funding:decision-rule", args=[decision.pk])
    submit(
        client,
        rule_url,
        {"min_fte_per_recipient": "0,5", "source": "Weiterleitungsvertrag Mittelkreis (Kamen, Vorlage 141/2021)"},
    )
    version = decision.versions.get(is_current=True)
    assert version.funded_fte == Decimal("8")
    assert version.period_end.isoformat() == "2022-12-31"
    assert version.granted_amount is None
    assert decision.eligibility_rule.min_fte_per_recipient == Decimal("0.5")

    positions = {}
    for short_name, fte in (("Kamen", "0,85"), ("Bergkamen", "1,19"), ("Bönen", "0,38")):
        submit(
            client,
            reverse("staffing:position-create"),
            {
                "building_block": str(kim["block2"].pk),
                "organisation": str(mittelkreis[short_name].pk),
                "title": "Case Management Mittelkreis",
                "fte": fte,
                "start": "",
                "end": "31.12.2022",
            },
        )
        positions[short_name] = Position.objects.get(organisation=mittelkreis[short_name])
    assert {name: p.fte for name, p in positions.items()} == {
        "Kamen": Decimal("0.85"),
        "Bergkamen": Decimal("1.19"),
        "Bönen": Decimal("0.38"),
    }

    html = client.get(decision.get_absolute_url()).content.decode()
    text = text_of(html)
    assert "mindestens 0,5" in text
    source = " (Weiterleitungsvertrag Mittelkreis (Kamen, Vorlage 141/2021))"
    warning = f"Bönen hat 0,38 VZÄ; Anteile eines Trägers unter 0,5 VZÄ sind nicht förderfähig{source}."
    assert warning in text
    assert "Kamen hat 0,85 VZÄ" not in text and "Bergkamen hat 1,19 VZÄ" not in text
    assert "8,0" in html and "31.12.2022" in html

    # The agreed split: Bergkamen gives up 0,19, Kamen and Bergkamen 1,0 each, Bönen 0,5.
    for short_name, fte in (("Kamen", "1,0"), ("Bergkamen", "1,0"), ("Bönen", "0,5")):
        submit(client, reverse("staffing:position-update", args=[positions[short_name].pk]), {"fte": fte})
    assert sorted(Position.objects.filter(organisation__in=mittelkreis.values()).values_list("fte", flat=True)) == [
        Decimal("0.5"),
        Decimal("1"),
        Decimal("1"),
    ]
    text = text_of(client.get(decision.get_absolute_url()).content.decode())
    assert "Bönen hat" not in text
    assert "nicht förderfähig" not in text


KOELN_KIM = {
    "2023": {
        "title": "Stadt Köln: KIM 2023 (Bausteine 1 und 2)",
        "period": ("01.01.2023", "31.12.2023"),
        "costs": [
            ("Teilplanzeile 11 – Personalaufwendungen", "343.475,00"),
            ("Teilplanzeile 15 – Transferaufwendungen", "952.000,00"),
            ("Teilplanzeile 16 – Sonstige ordentliche Aufwendungen", "78.100,00"),
        ],
        "own_funds": [
            ("Stellenbudget Dezernat OB (Personalkosten)", "73.475,00"),
            ("Budget Teilplan 0504 (Sachkosten)", "182.000,00"),
        ],
        "total": "1.373.575,00",
        "land": "1.118.100,00",
        "own": "255.475,00",
    },
    "2021": {
        "title": "Stadt Köln: KIM 2021 (Bausteine 1 und 2)",
        "period": ("01.05.2021", "31.12.2021"),
        "costs": [
            ("Teilplanzeile 11 – Personalaufwendungen", "213.633,33"),
            ("Teilplanzeile 15 – Transferaufwendungen", "226.666,67"),
            ("Teilplanzeile 16 – Sonstige ordentliche Aufwendungen", "78.100,00"),
        ],
        "own_funds": [("Eigenanteil im Budget des Teilplans 0504", "54.900,00")],
        "total": "518.400,00",  # computed from the three lines; the paper does not print it
        "land": "463.500,00",
        "own": "54.900,00",
    },
}


def as_decimal(german: str) -> Decimal:
    return Decimal(german.replace(".", "").replace(",", "."))


@pytest.mark.parametrize("year", ["2023", "2021"])
def test_koeln_kim_budget_lines(kim, login, year):
    """Stadt Köln, KIM with building blocks 1 and 2, as the city council decided its budget lines.

    2023: Ratsbeschluss vom 08.12.2022 zur weiteren Teilnahme ab 01.01.2023
    (https://ratsinformation.stadt-koeln.de/to0050.asp?__ktonr=363111; date per the city's press
    release https://stadt-koeln.de/politik-und-verwaltung/presseservice/weitere-teilnahme-gesichert):
    „Die erforderlichen Mittel für das Haushaltsjahr 2023 in Höhe von 1.373.575,00€ …
    Teilplanzeile 11-Personalaufwendungen in Höhe von 343.475,00€, in der Teilplanzeile
    15-Transferaufwendungen in Höhe von 952.000,00€ und in der Teilplanzeile 16-Sonstige ordentliche
    Aufwendungen in Höhe von 78.100,00€ … voraussichtlichen Ertrag in der Teilplanzeile
    02-Zuwendungen und allgemeine Umlagen in Höhe von 1.118.100,00€ … Die den Ertrag übersteigenden
    Aufwände in Höhe von 255.475,00€ werden mit einem Anteil von 73.475,00€ (Personalkosten) und
    einem Anteil von 182.000,00€ (Sachkosten) … kompensiert.“

    2021: Ratsbeschluss 2021 (https://buergerinfo.stadt-koeln.de/to0050.asp?__ktonr=321443):
    „Die Laufzeit des Projektes beginnt am 01.05.2021“; 2021: Personalaufwendungen 213.633,33 €,
    Transferaufwendungen 226.666,67 €, Sonstige ordentliche Aufwendungen 78.100,00 €, Ertrag
    463.500,00 €, „Der Eigenanteil i.H.v. 54.900,00 € wird innerhalb des Budgets des Teilplans 0504
    … kompensiert.“ (The paper's 2022 lines and its "Gesamtprojektvolumen" of 1.686.708,05 € do not
    add up: the visible lines of 2021 and 2022 make 1.603.359,00 €; 2022's own share is not stated.
    Only 2021 is entered.)

    The plan as the paper states it: the cost lines as fixed amounts of the budget year and the
    city's own funds as resource lines. Which financing type? The figures fit only one reading:
    the Land's money is what is left after the city's own funds (Fehlbedarfsfinanzierung: 1.373.575
    − 255.475 = 1.118.100; 518.400 − 54.900 = 463.500). As a share it would be a rate of 81,40…% and
    89,41…%, which no letter states; as a fixed amount or flat rate the plan's cost would be the
    grant itself. In substance KIM pays flat rates per post and the Land's amount is their sum; the
    papers do not state the posts and rates behind it, so they cannot be entered.

    In this test database the demo Kreis' positions sit in the same building blocks, so the own
    share is keyed to its organisations; the city's own organisations are not modelled."""
    example = KOELN_KIM[year]
    client = login("admin")
    decision = create_decision(
        client,
        programme=str(kim["programme"].pk),
        building_blocks=[str(kim["block1"].pk), str(kim["block2"].pk)],
        funder=str(kim["land"].pk),
        application="",
        title=example["title"],
        form="zuweisung",
        financing_type="deficit",
        stated_amount=example["land"],
        period_start=example["period"][0],
        period_end=example["period"][1],
    )
    enter_plan(
        client,
        decision,
        [{"kind": "fixed", "label": label, "amount": amount} for label, amount in example["costs"]]
        + [{"kind": "own_funds", "label": label, "amount": amount} for label, amount in example["own_funds"]],
    )
    version = DecisionVersion.objects.get(decision=decision, is_current=True)
    lines = example["costs"] + example["own_funds"]
    assert sorted(PlanItem.objects.filter(version=version).values_list("amount", flat=True)) == sorted(
        as_decimal(amount) for _label, amount in lines
    )
    assert version.financing_type == "deficit"
    assert version.plan_amount == as_decimal(example["total"])
    assert version.eligible_expenditure == as_decimal(example["total"])
    assert version.own_funds == as_decimal(example["own"])
    assert version.third_party_funds == Decimal("0.00")
    assert version.granted_amount == as_decimal(example["land"])
    assert version.own_share == as_decimal(example["own"])
    assert version.over_financing is None
    assert version.stated_difference == Decimal("0.00")

    html = client.get(decision.get_absolute_url()).content.decode()
    for _label, amount in lines:
        assert euro(amount) in html, amount
    for figure in (example["total"], example["land"], example["own"]):
        assert euro(figure) in html, figure
    assert "stimmt auf den Cent" in html
    assert "Fehlbedarfsfinanzierung" in html
    assert example["period"][0] in html and example["period"][1] in html
    plan = text_of(re.search(r'<section class="mb-4" id="finanzierungsplan">.*?</section>', html, re.S).group(0))
    assert f"Ausgaben gesamt {example['total']} € {example['total']} €" in plan
    assert f"Eigen- und Drittmittel gesamt {example['own']} € {example['own']} €" in plan
    assert f"Zuwendung nach Fehlbedarfsfinanzierung: {example['land']} € · laut Bescheid: {example['land']} €" in plan
    figures = text_of(
        re.search(r'<section class="card mb-3 version-card" id="fassung-0".*?</section>', html, re.S).group(0)
    )
    assert f"Eigen-/Drittmittel {example['own']} € / 0,00 €" in figures


@pytest.fixture
def durchstarten(demo):
    programme = Programme.objects.get(short_name="Durchstarten")
    return {
        "programme": programme,
        "block6": BuildingBlock.objects.get(programme=programme, number=6),
        "land": Funder.objects.get(short_name="MKFFI"),
    }


def test_koeln_kokip_yearly_plan_by_source(durchstarten, login):
    """Stadt Köln, KOKIP („Kooperation zur Klärung rechtskreisübergreifender Integrationsprozesse –
    Teilhabemanagement für geflüchtete Menschen in Köln“) under „Gemeinsam klappt´s“ (MKFFI) and
    „Durchstarten in Ausbildung und Arbeit“ (MAGS and MKFFI), Beschluss des Rates on the
    recommendation of the Integrationsrat (https://ratsinformation.stadt-koeln.de/to0050.asp?__ktonr=285033):

    „Die Laufzeit des Projektes beginnt am 01.12.2019 und endet zum 31.12.2022.“ „die Finanzierung
    des Gesamtprojektvolumens von 1.173.826 € wie folgt:“ „im Haushaltsjahr 2019 werden die
    Mehraufwendungen i. H. v. insgesamt 31.726 € durch Minderaufwendungen in Höhe von 9.059 € … sowie
    durch Mehrerträge i. H. v. 22.667 € … gedeckt.“ „in den Haushaltsjahren 2020 und 2021 stehen für
    die Mehraufwendungen i. H. v. insgesamt 380.700 € p. a. … 50.000 € im Teilergebnisplan 0504 …
    zur Verfügung. Die weitere Deckung erfolgt durch Minderaufwendungen in Höhe von jährlich
    58.700 € … sowie durch Mehrerträge i. H. v. 272.000 € jährlich“.

    Stated: period 01.12.2019–31.12.2022; total 1.173.826 €; 2019: 31.726 € cost, 9.059 € city,
    22.667 € Land; 2020 and 2021 each: 380.700 € cost, 50.000 € + 58.700 € city, 272.000 € Land.
    The excerpt of the paper ends before 2022: its cost (380.700 €) follows from the stated total
    (1.173.826 − 31.726 − 2 × 380.700), its split is not seen and is entered as in 2020 and 2021
    (marked so in the labels). 2019 is entered as the paper rounds it (31.726 €, one euro above
    380.700 / 12), not recomputed. The Land's money is what the city's funds leave uncovered in
    every year (Fehlbedarfsfinanzierung; 71,45 % is no rate a letter states)."""
    client = login("admin")
    decision = create_decision(
        client,
        programme=str(durchstarten["programme"].pk),
        building_blocks=str(durchstarten["block6"].pk),
        funder=str(durchstarten["land"].pk),
        application="",
        title="Stadt Köln: KOKIP – Teilhabemanagement für geflüchtete Menschen",
        form="zuweisung_zuschuss",
        financing_type="deficit",
        period_start="01.12.2019",
        period_end="31.12.2022",
    )
    rows = [
        {"kind": "fixed", "year": "2019", "label": "Mehraufwendungen 2019", "amount": "31.726,00"},
        {"kind": "own_funds", "year": "2019", "label": "Minderaufwendungen TP 0504 Zeile 16", "amount": "9.059,00"},
    ]
    for year, note in (("2020", ""), ("2021", ""), ("2022", " (wie 2020/2021 angenommen)")):
        rows += [
            {"kind": "fixed", "year": year, "label": f"Mehraufwendungen {year}", "amount": "380.700,00"},
            {"kind": "own_funds", "year": year, "label": f"Ansatz TP 0504 Zeile 16{note}", "amount": "50.000,00"},
            {"kind": "own_funds", "year": year, "label": f"Minderaufwendungen{note}", "amount": "58.700,00"},
        ]
    enter_plan(client, decision, rows)

    version = DecisionVersion.objects.get(decision=decision, is_current=True)
    assert version.plan_amount == Decimal("1173826.00")
    assert version.eligible_expenditure == Decimal("1173826.00")
    assert version.own_funds == Decimal("335159.00")  # 9.059 + 3 x 108.700 (2022 as assumed)
    assert version.granted_amount == Decimal("838667.00")  # 22.667 + 3 x 272.000 (2022 as assumed)
    assert version.own_share == Decimal("335159.00")

    html = client.get(decision.get_absolute_url()).content.decode()
    plan = text_of(re.search(r'<section class="mb-4" id="finanzierungsplan">.*?</section>', html, re.S).group(0))
    assert "2019 2020 2021 2022 Summe" in plan
    assert "Ausgaben gesamt 31.726,00 € 380.700,00 € 380.700,00 € 380.700,00 € 1.173.826,00 €" in plan
    assert "Eigen- und Drittmittel gesamt 9.059,00 € 108.700,00 € 108.700,00 € 108.700,00 € 335.159,00 €" in plan
    for figure in ("9.059,00", "50.000,00", "58.700,00"):
        assert f"{figure} €" in plan, figure
    assert "01.12.2019" in html and "31.12.2022" in html
    # The Land's money per year (the paper's 'Mehrerträge'): cost less own funds of each year.
    assert "Zuwendung 22.667,00 € 272.000,00 € 272.000,00 €" in plan


def test_heinsberg_pass_through_to_drk_and_diakonie(kim, login):
    """Kreis Heinsberg, KIM Baustein 2, pass-through to two welfare organisations:
    Vorlage 0049/2021 „Implementierung des Kommunalen Integrationsmanagements (KIM) hier:
    Zuschussgewährung an die freie Wohlfahrtspflege“
    (https://sitzungsdienst.kreis-heinsberg.de/bi/vo0050.asp?__kvonr=2459), and the later decision
    (agenda item https://sitzungsdienst.kreis-heinsberg.de/bi/to0050.asp?__ktonr=16082, „einstimmig
    beschlossen“; by Vorlage 0186/2023 the Kreisausschuss of 06.12.2022, TOP 5):

    „Der Kreis Heinsberg leitet den Zuschuss des Landes Nordrhein-Westfalen für jeweils 1,5 VZÄ in
    Höhe der tatsächlichen entstehenden Personalkosten, max. 55.000 € je VZÄ, an den Kreisverband
    Heinsberg des Deutschen Roten Kreuzes und das Diakonische Werk des Kirchenkreises Jülich weiter
    und gewährt freiwillig … einen jährlichen Zuschuss aus Kreismitteln wie bisher in Höhe von
    5.000 € je VZÄ.“ Vorlage 0186/2023 (https://sitzungsdienst.kreis-heinsberg.de/bi/vo0050.asp?__kvonr=3182):
    „Nach der Landesförderung stehen im Vollausbau insgesamt zwölf Case Management-Stellen im
    Baustein 2 für das Kreisgebiet zur Verfügung.“

    Stated: 1,5 VZÄ for each of the two organisations, at most 55.000 € per VZÄ (actual personnel
    cost), 5.000 € per VZÄ and year from the Kreis' own budget; 12 case-management posts. Not
    stated (in the excerpts): the period and the actual costs. The test takes one calendar year
    (2022, at the Land's rate of 55.000 € the paper names, which the demo's master data has for 2022)
    and passes on the most the terms allow; per recipient and year that is 1,5 × 55.000 = 82.500 €
    of Land money and 1,5 × 5.000 = 7.500 € of the Kreis' own money, 90.000 € together
    (computed, the paper prints only the rates)."""
    client = login("admin")
    drk = Organisation.objects.create(
        short_name="DRK-HS", name="DRK Kreisverband Heinsberg", kind=OrganisationKind.WELFARE
    )
    diakonie = Organisation.objects.create(
        short_name="DW-Jülich", name="Diakonisches Werk des Kirchenkreises Jülich", kind=OrganisationKind.WELFARE
    )
    decision = create_decision(
        client,
        programme=str(kim["programme"].pk),
        building_blocks=str(kim["block2"].pk),
        funder=str(kim["land"].pk),
        application="",
        title="Kreis Heinsberg: KIM Baustein 2 Case Management",
        form="zuweisung",
        financing_type="flat_rate",
        funded_fte="12",
        period_start="01.01.2022",
        period_end="31.12.2022",
    )
    version = decision.versions.get(is_current=True)
    assert version.funded_fte == Decimal("12")
    assert version.granted_amount == Decimal("660000.00")  # 12 x 55.000 (computed, not stated)
    condition = "in Höhe der tatsächlichen entstehenden Personalkosten, max. 55.000 € je VZÄ"
    for recipient in (drk, diakonie):
        submit(
            client,
            reverse("funding:passthrough-create", args=[decision.pk]),
            {
                "recipient": str(recipient.pk),
                "form": "zuschuss",
                "amount": "82.500,00",
                "decided_on": "06.12.2022",
                "period_start": "01.01.2022",
                "period_end": "31.12.2022",
                "funded_fte": "1,5",
                "max_per_fte": "55.000,00",
                "actual_cost_basis": "on",
                "top_up_per_fte": "5.000,00",
                "conditions": condition,
            },
        )

    for recipient in (drk, diakonie):
        item = decision.pass_throughs.get(recipient=recipient)
        assert item.funded_fte == Decimal("1.5")
        assert item.max_per_fte == Decimal("55000.00") and item.top_up_per_fte == Decimal("5000.00")
        assert item.actual_cost_basis
        assert item.cap == Decimal("82500.00")
        assert [(r["year"], r["passed_on"], r["top_up"], r["total"]) for r in item.by_year] == [
            (2022, Decimal("82500.00"), Decimal("7500.00"), Decimal("90000.00"))
        ]
        assert item.top_up_total == Decimal("7500.00") and item.recipient_total == Decimal("90000.00")

    html = client.get(decision.get_absolute_url()).content.decode()
    section = text_of(re.search(r'<section class="mb-4" id="weiterleitungen">.*?</section>', html, re.S).group(0))
    assert section.count("höchstens 55.000,00 € je VZÄ und Jahr × 1,5 VZÄ = 82.500,00 €") == 2
    assert section.count("Zuschuss des Kreises (Eigenmittel): 5.000,00 € je VZÄ und Jahr") == 2
    assert section.count("in Höhe der tatsächlichen Personalkosten") == 2
    for short_name in ("DRK-HS", "DW-Jülich"):
        assert f"{short_name} je Jahr" in section
    assert section.count("2022 12 82.500,00 € höchstens 82.500,00 € 7.500,00 € 90.000,00 €") == 2
    assert "zurückzufordern" not in section


def test_kreis_unna_2023_with_the_rate_entered_in_the_master_data(kim, login):
    """The same letter as :func:`test_kreis_unna_kim_case_management_2023_flat_rate_for_18_posts`
    (Kreis Unna, Zuwendungsbescheid vom 15.02.2023; Kamen Vorlage 056/2023, Bergkamen Vorlage
    12/1002), entered the other way round: the decision first (the grant waits for the 2023 rate),
    then the rate of 57.000 € per VZÄ for 2023 in the master data (admin site). The waiting
    decision takes the rate, frozen into it: 18 × 57.000 = 1.026.000 € for 01.01.–31.12.2023."""
    client = login("admin")
    decision = create_decision(
        client,
        programme=str(kim["programme"].pk),
        building_blocks=str(kim["block2"].pk),
        funder=str(kim["land"].pk),
        application="",
        title="Kreis Unna: KIM Baustein II 2023 (Satz aus den Stammdaten)",
        form="zuweisung",
        financing_type="flat_rate",
        dated_on="15.02.2023",
        funded_fte="18",
        stated_amount="1.026.000,00",
        period_start="01.01.2023",
        period_end="31.12.2023",
    )
    assert decision.versions.get(is_current=True).granted_amount is None

    # The admin site takes amounts as it shows them ("55000.00"); "57.000,00" gets "Bitte eine Zahl eingeben."
    submit(
        client,
        reverse("admin:programs_flatrate_add"),
        {"building_block": str(kim["block2"].pk), "year": "2023", "amount_per_fte": "57000.00"},
    )
    assert FlatRate.objects.get(building_block=kim["block2"], year=2023).amount_per_fte == Decimal("57000.00")

    version = decision.versions.get(is_current=True)
    item = version.plan_items.get()
    assert (item.year, item.fte, item.amount) == (2023, Decimal("18"), Decimal("57000.00"))
    assert item.frozen_from_master_data_on is not None
    assert version.funded_fte == Decimal("18")
    assert version.granted_amount == Decimal("1026000.00")
    assert version.stated_difference == Decimal("0.00")

    html = client.get(decision.get_absolute_url()).content.decode()
    text = text_of(html)
    assert "Zuwendung nach Pauschale je VZÄ und Jahr: 1.026.000,00 € · laut Bescheid: 1.026.000,00 €" in text
    assert "aus den Stammdaten festgeschrieben am" in text
    assert "stimmt auf den Cent" in text
    assert "15.02.2023" in html and "01.01.2023" in html and "31.12.2023" in html
    plan = re.search(r'<section class="mb-4" id="finanzierungsplan">.*?</section>', html, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", plan, re.S)][:4]
    assert cells == ["18,0", euro("57.000,00"), euro("1.026.000,00"), euro("1.026.000,00")]
