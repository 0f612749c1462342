"""The decision pages: who may do what, corrections with reasons, amendments, bad input, lists."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from funding import services
from funding.models import (
    CallOff,
    CostShare,
    DecisionVersion,
    FinancingType,
    GrantDecision,
    PassThrough,
    ProofOfUse,
)
from integration_admin.core.formats import format_decimal
from tests import factories
from tests.conftest import is_bookkeeping


def format_money(amount) -> str:
    return format_decimal(amount, places=2)


NBSP = "\N{NO-BREAK SPACE}"


@pytest.fixture
def founding(demo):
    return GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")


def edit_data(decision, **changes):
    """The edit form as the browser would post it, unchanged unless ``changes`` say otherwise."""
    version = decision.versions.get(is_current=True)
    data = {
        "programme": decision.programme_id,
        "building_blocks": [b.pk for b in decision.building_blocks.all()],
        "funder": decision.funder_id,
        "application": decision.application_id or "",
        "title": decision.title,
        "reference": decision.reference,
        "form": decision.form,
        "financing_type": version.financing_type,
        "dated_on": "",
        "received_on": version.received_on.strftime("%d.%m.%Y") if version.received_on else "",
        "eligible_expenditure": "780617,00",
        "rate": "80",
        "cap": "",
        "unit_amount": "",
        "units": "",
        "own_funds": "",
        "third_party_funds": "",
        "funded_fte": "",
        "full_financing_reason": "",
        "stated_amount": "624493,60",
        "period_start": "",
        "period_end": "31.12.2022",
        "month_counting": version.month_counting,
        "revision": decision.revision,
        "change_reason": "",
    }
    data.update(changes)
    return data


def object_urls(decision):
    call_off = decision.call_offs.first()
    proof = decision.proofs.first()
    pass_through = decision.pass_throughs.first()
    return [
        reverse("funding:decision-create"),
        reverse("funding:decision-update", args=[decision.pk]),
        reverse("funding:decision-delete", args=[decision.pk]),
        reverse("funding:decision-amend", args=[decision.pk]),
        reverse("funding:decision-shares", args=[decision.pk]),
        reverse("funding:calloff-create", args=[decision.pk]),
        reverse("funding:calloff-update", args=[call_off.pk]),
        reverse("funding:calloff-delete", args=[call_off.pk]),
        reverse("funding:proof-create", args=[decision.pk]),
        reverse("funding:proof-update", args=[proof.pk]),
        reverse("funding:proof-delete", args=[proof.pk]),
        reverse("funding:passthrough-create", args=[decision.pk]),
        reverse("funding:passthrough-update", args=[pass_through.pk]),
        reverse("funding:passthrough-delete", args=[pass_through.pk]),
        reverse("funding:application-create"),
        reverse("funding:application-update", args=[decision.application_id]),
        reverse("funding:application-delete", args=[decision.application_id]),
    ]


@pytest.mark.parametrize("username", ["sb-drk", "sb-ki", "leitung"])
def test_only_the_administrator_changes_decisions(founding, login, username):
    client = login(username)
    counts = [model.objects.count() for model in (GrantDecision, DecisionVersion, CallOff, ProofOfUse, PassThrough)]
    for url in object_urls(founding):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"title": "x", "amount": "1"}).status_code == 403, url
    assert counts == [m.objects.count() for m in (GrantDecision, DecisionVersion, CallOff, ProofOfUse, PassThrough)]
    # Reading is for everyone logged in.
    for url in [
        reverse("funding:decision-list"),
        founding.get_absolute_url(),
        reverse("funding:decision-as-of", args=[founding.pk]) + "?stand=01.01.2021",
        reverse("funding:proof-list"),
        reverse("funding:application-list"),
        founding.application.get_absolute_url(),
        reverse("funding:controlling"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Bearbeiten / berichtigen" not in response.content.decode()


@pytest.mark.django_db
def test_pages_need_login(client, founding):
    for url in [reverse("funding:decision-list"), founding.get_absolute_url(), reverse("funding:controlling")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_administrator_sees_all_pages(founding, login):
    client = login("admin")
    for url in object_urls(founding):
        assert client.get(url).status_code == 200, url
    html = client.get(founding.get_absolute_url()).content.decode()
    assert "Bearbeiten / berichtigen" in html and "Änderungsbescheid erfassen" in html


def test_correcting_figures_needs_a_reason_and_shows_it_in_the_history(founding, login):
    client = login("admin")
    url = reverse("funding:decision-update", args=[founding.pk])
    response = client.post(url, edit_data(founding, eligible_expenditure="780.617,01"))
    assert response.status_code == 200
    assert "bitte einen Grund angeben" in response.content.decode()
    assert founding.versions.get(is_current=True).eligible_expenditure == Decimal("780617.00")

    response = client.post(
        url, edit_data(founding, eligible_expenditure="800.000,00", change_reason="Tippfehler im Betrag berichtigt")
    )
    assert response.status_code == 302
    version = founding.versions.get(is_current=True)
    assert version.granted_amount == Decimal("640000.00")
    # The own shares follow with the same key (1,5 : 1,0).
    shares = {s.organisation.short_name: s for s in version.cost_shares.select_related("organisation")}
    assert shares["KI"].own_share + shares["DRK"].own_share == Decimal("160000.00")
    assert shares["KI"].weight == Decimal("1.5")
    founding.refresh_from_db()
    assert founding.revision == 2
    html = client.get(founding.get_absolute_url()).content.decode()
    history_html = client.get(reverse("funding:decision-history", args=[founding.pk])).content.decode()
    history = history_html[history_html.index('id="verlauf"') :]
    assert "Tippfehler im Betrag berichtigt" in history
    assert "624.493,60" in history and "640.000,00" in history  # old and new grant
    assert "Abweichung zum berechneten Betrag" in html  # the letter still says 624.493,60


def test_changing_only_the_title_needs_no_reason(founding, login):
    client = login("admin")
    response = client.post(
        reverse("funding:decision-update", args=[founding.pk]), edit_data(founding, title="Teilhabemanagement")
    )
    assert response.status_code == 302
    founding.refresh_from_db()
    assert founding.title == "Teilhabemanagement"
    assert founding.versions.get().history.count() == 1  # the letter's figures were not touched


def test_a_stale_revision_is_refused_and_overwrites_nothing(founding, login):
    client = login("admin")
    url = reverse("funding:decision-update", args=[founding.pk])
    first = edit_data(founding, title="Erste Änderung")
    second = edit_data(founding, title="Zweite Änderung", eligible_expenditure="1,00", change_reason="x")
    assert client.post(url, first).status_code == 302
    response = client.post(url, second)
    assert response.status_code == 409
    html = response.content.decode()
    assert "wurde inzwischen von Demo Administration geändert" in html
    assert "nicht gespeichert" in html
    founding.refresh_from_db()
    assert founding.title == "Erste Änderung"
    assert founding.versions.get().eligible_expenditure == Decimal("780617.00")


def test_amendment_adds_a_version_and_keeps_the_earlier_one(founding, login):
    client = login("admin")
    url = reverse("funding:decision-amend", args=[founding.pk])
    page = client.get(url).content.decode()
    assert 'value="780617,00"' in page  # prefilled from the current version
    data = edit_data(founding, eligible_expenditure="800.000,00", stated_amount="640.000,00")
    data.update(reason="Aufstockung der Personalausgaben", dated_on="15.03.2021", received_on="18.03.2021")
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].endswith("#fassung-1")

    original, amendment = founding.versions.order_by("number")
    assert (original.number, original.is_current, original.granted_amount) == (0, False, Decimal("624493.60"))
    assert (amendment.number, amendment.is_current, amendment.granted_amount) == (1, True, Decimal("640000.00"))
    assert amendment.reason == "Aufstockung der Personalausgaben"
    assert amendment.period_end == datetime.date(2022, 12, 31)  # copied
    assert sum(s.own_share for s in amendment.cost_shares.all()) == Decimal("160000.00")
    assert sum(s.own_share for s in original.cost_shares.all()) == Decimal("156123.40")  # unchanged

    html = client.get(founding.get_absolute_url()).content.decode()
    assert "1. Änderungsbescheid vom 15.03.2021" in html
    assert "Geltende Zahlen (aus: 1. Änderungsbescheid vom 15.03.2021)" in html
    assert f"624.493,60{NBSP}€" in html and f"640.000,00{NBSP}€" in html
    assert "abgelöst" in html


def test_amendment_needs_reason_and_date(founding, login):
    client = login("admin")
    data = edit_data(founding, eligible_expenditure="800.000,00")
    data.update(reason="  ", dated_on="")
    response = client.post(reverse("funding:decision-amend", args=[founding.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dieses Feld ist zwingend erforderlich." in html
    assert founding.versions.count() == 1


def test_as_of_view_shows_the_figures_of_that_day(founding, login):
    client = login("admin")
    # Let everything recorded so far have happened 400 days ago.
    long_ago = timezone.now() - datetime.timedelta(days=400)
    for model in (GrantDecision, DecisionVersion, CostShare, CallOff, ProofOfUse, PassThrough):
        model.history.update(history_date=long_ago)
    data = edit_data(founding, eligible_expenditure="800.000,00", stated_amount="640.000,00")
    data.update(reason="Aufstockung", dated_on="15.03.2021")
    assert client.post(reverse("funding:decision-amend", args=[founding.pk]), data).status_code == 302
    client.get(founding.get_absolute_url())  # shows (and uses up) the success message
    url = reverse("funding:decision-as-of", args=[founding.pk])

    before = (timezone.localdate() - datetime.timedelta(days=100)).strftime("%d.%m.%Y")
    html = client.get(url + f"?stand={before}").content.decode()
    assert f"So war der Bescheid am {before}" in html
    assert "Geltende Zahlen (aus: Bescheid, eingegangen am 10.08.2020)" in html
    assert f"624.493,60{NBSP}€" in html and "640.000,00" not in html
    assert "Änderungsbescheid vom" not in html

    html = client.get(url + f"?stand={timezone.localdate():%d.%m.%Y}").content.decode()
    assert "Geltende Zahlen (aus: 1. Änderungsbescheid vom 15.03.2021)" in html
    assert f"640.000,00{NBSP}€" in html and f"624.493,60{NBSP}€" in html  # both letters, the old one readable

    very_early = (long_ago - datetime.timedelta(days=10)).strftime("%d.%m.%Y")
    assert "noch nicht erfasst" in client.get(url + f"?stand={very_early}").content.decode()
    response = client.get(url + "?stand=31.02.2020")
    assert response.status_code == 200 and "TT.MM.JJJJ" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rate", "120", "höchstens 100 %"),
        ("rate", "0", "über 0 %"),
        ("eligible_expenditure", "-5", "nicht negativ"),
        ("eligible_expenditure", "abc", "Bitte eine Zahl eingeben"),
        ("eligible_expenditure", "NaN", "Bitte eine Zahl eingeben"),
        ("eligible_expenditure", "1e309", "Bitte eine Zahl eingeben"),
        ("eligible_expenditure", "1" * 40, "Ziffern"),
        ("eligible_expenditure", "9" * 1_000_000, "Ziffern"),
        ("period_end", "31.02.2022", "TT.MM.JJJJ"),
        ("period_start", "01.01.2023", "liegt vor seinem Beginn"),
        ("financing_type", "gift", "keine gültige Auswahl"),
        ("title", "a\x00b", "Null"),
        ("title", "x" * 1_000_000, "200"),
        ("programme", "999999", "keine gültige Auswahl"),
        ("form", "", "zwingend erforderlich"),
    ],
)
def test_bad_input_gets_a_german_message_and_saves_nothing(founding, login, field, value, message):
    client = login("admin")
    data = edit_data(founding, change_reason="Test", **{field: value})
    before = [(v.pk, v.eligible_expenditure, v.rate, v.granted_amount) for v in DecisionVersion.objects.all()]
    response = client.post(reverse("funding:decision-update", args=[founding.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Es wurde nichts gespeichert" in html
    assert before == [(v.pk, v.eligible_expenditure, v.rate, v.granted_amount) for v in DecisionVersion.objects.all()]
    founding.refresh_from_db()
    assert founding.revision == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"financing_type": "full", "full_financing_reason": ""}, "schriftliche Begründung"),
        ({"financing_type": "flat_rate", "funded_fte": ""}, "geförderten VZÄ"),
        ({"programme": "KIM"}, "Bausteine des gewählten Förderprogramms"),
    ],
)
def test_rules_of_the_financing_types(founding, login, changes, message):
    client = login("admin")
    if changes.get("programme") == "KIM":
        changes["programme"] = founding.programme.__class__.objects.get(short_name="KIM").pk
    response = client.post(reverse("funding:decision-update", args=[founding.pk]), edit_data(founding, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()


def test_figures_the_financing_type_does_not_use_are_cleared(founding, login):
    client = login("admin")
    data = edit_data(
        founding,
        financing_type="fixed",
        unit_amount="55.000,00",
        units="2,5",
        rate="80",
        own_funds="10",
        change_reason="Festbetrag",
        stated_amount="",
    )
    assert client.post(reverse("funding:decision-update", args=[founding.pk]), data).status_code == 302
    version = founding.versions.get()
    assert version.granted_amount == Decimal("137500.00")
    assert version.rate is None and version.own_funds is None


def test_deficit_and_full_financing_are_computed(login, demo):
    client = login("admin")
    decision = factories.decision(title="Fehlbedarf")
    factories.version(decision, eligible_expenditure=Decimal("100"), rate=Decimal("50"))
    data = edit_data(
        decision,
        financing_type="deficit",
        eligible_expenditure="100.000,00",
        own_funds="20.000",
        third_party_funds="5.000,50",
        cap="70.000",
        rate="",
        stated_amount="",
        change_reason="Fehlbedarf",
    )
    data["building_blocks"] = []
    response = client.post(reverse("funding:decision-update", args=[decision.pk]), data)
    assert response.status_code == 200  # a decision needs building blocks
    block = factories.building_block(decision.programme)
    data["building_blocks"] = [block.pk]
    assert client.post(reverse("funding:decision-update", args=[decision.pk]), data).status_code == 302
    assert decision.versions.get().granted_amount == Decimal("70000.00")
    decision.refresh_from_db()
    data.update(financing_type="full", full_financing_reason="Ausnahme nach VV Nr. 2.4", revision=decision.revision)
    assert client.post(reverse("funding:decision-update", args=[decision.pk]), data).status_code == 302
    assert decision.versions.get().granted_amount == Decimal("100000.00")


def test_decision_list_filters(founding, login):
    client = login("leitung")
    url = reverse("funding:decision-list")
    html = client.get(url).content.decode()
    assert "Teilhabemanagement (Förderbaustein 6)" in html and "Fachbezogene Pauschale Case-Management" in html
    assert f"624.493,60{NBSP}€" in html

    def titles(query):
        response = client.get(url + query, headers={"HX-Request": "true"})
        assert response.status_code == 200
        page = response.content.decode()
        assert "<html" not in page  # the table partial only
        return {t for t in ("Teilhabemanagement", "Case-Management") if t in page}

    assert titles("?financing_type=share") == {"Teilhabemanagement"}
    assert titles("?financing_type=flat_rate") == {"Case-Management"}
    assert titles(f"?programme={founding.programme_id}") == {"Teilhabemanagement"}
    assert titles("?status=ended") == {"Teilhabemanagement"}
    assert titles("?status=running") == {"Case-Management"}
    assert titles("?status=proof_overdue") == {"Teilhabemanagement"}
    assert titles("?active_on=01.06.2021") == {"Teilhabemanagement", "Case-Management"}
    assert titles("?active_on=01.06.2023") == {"Case-Management"}
    assert titles("?q=pauschale") == {"Case-Management"}
    # Bad filter input: a German message, the unfiltered table, never a 500.
    response = client.get(url + "?active_on=31.02.2020&status=x&per_page=1000000&programme=abc")
    assert response.status_code == 200
    assert "TT.MM.JJJJ" in response.content.decode()


def queries_without_savepoints(client, url) -> int:
    """The page's own queries (without transaction statements, session and user: see conftest)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len([q for q in captured.captured_queries if not is_bookkeeping(q["sql"])])


@pytest.mark.parametrize("filtered", [False, True])
def test_decision_list_uses_a_constant_number_of_queries(login, demo, filtered):
    client = login("leitung")
    programme = factories.programme()
    url = reverse("funding:decision-list") + "?per_page=100" + (f"&programme={programme.pk}" if filtered else "")
    counts = []
    for rows in (10, 100):
        for i in range(rows - GrantDecision.objects.filter(programme=programme).count()):
            decision = factories.decision(programme, title=f"Bescheid {rows}-{i:03}")
            factories.version(decision, eligible_expenditure=Decimal("1000"), rate=Decimal("80"))
            factories.call_off(decision, amount="10.00")
        counts.append(queries_without_savepoints(client, url))
    # COUNT, rows, the programme and funder choices of the filter (+1 to check the filter value).
    assert counts[0] == counts[1] <= 6
    html = client.get(url).content.decode()
    assert html.count('<td class="num">10,00') == (100 if filtered else 98)  # 100 rows a page; 2 from the demo


def test_application_pages(founding, login):
    client = login("admin")
    application = founding.application
    html = client.get(application.get_absolute_url()).content.decode()
    assert "27.03.2020" in html and "Teilhabemanagement (Förderbaustein 6)" in html
    response = client.post(
        reverse("funding:application-update", args=[application.pk]),
        {
            "programme": application.programme_id,
            "building_blocks": [founding.programme.building_blocks.get(number=6).pk],
            "submitted_on": "27.03.2020",
            "requested_amount": "-1",
            "note": "",
        },
    )
    assert "nicht negativ" in response.content.decode()
    response = client.post(reverse("funding:application-delete", args=[application.pk]))
    assert response.status_code == 302  # refused: it has a decision
    assert type(application).objects.filter(pk=application.pk).exists()


def test_deleting_a_decision_with_call_offs_is_refused(founding, login):
    client = login("admin")
    response = client.post(reverse("funding:decision-delete", args=[founding.pk]), follow=True)
    assert "Mittelabrufe" in response.content.decode()
    assert GrantDecision.objects.filter(pk=founding.pk).exists()
    decision = factories.decision()
    factories.version(decision, financing_type=FinancingType.FULL, full_financing_reason="x")
    assert client.post(reverse("funding:decision-delete", args=[decision.pk])).status_code == 302
    assert not GrantDecision.objects.filter(pk=decision.pk).exists()


def test_detail_page_uses_a_constant_number_of_queries(founding, login):
    client = login("leitung")
    url = founding.get_absolute_url()
    before = queries_without_savepoints(client, url)
    for number in range(3):
        services.record_amendment(
            decision=founding, expected_revision=None, reason=f"Änderung {number}",
            figures={"eligible_expenditure": Decimal("780617.00") + number},
        )  # fmt: skip
        factories.proof(founding, datetime.date(2024, 1, 1 + number))
    assert queries_without_savepoints(client, url) == before
    # the decision with its blocks' labels, versions, cost shares, call-offs, proofs and
    # pass-throughs (the eligibility rules joined to the decision); the current plan's items; the
    # positions of its blocks with their assignments (funding.coverage and the rule's checks, issue
    # 21); the documents of all of them (issue 23); the audit trail is its own page (loaded when
    # scrolled to). bench/run.py PAGE_BUDGETS.
    assert before <= 9, before
    assert "6: Teilhabemanagement" in client.get(url).content.decode()


def test_history_page_reads_each_history_once(founding, login, data_queries):
    client = login("leitung")
    url = reverse("funding:decision-history", args=[founding.pk])
    response, queries = data_queries(client, url)
    # The histories of the decision (the page's decision is its newest row, with programme, funder
    # and application), its versions, own shares (organisations joined), call-offs, proofs,
    # receipts (plan lines and reviewers joined), repayment claims, pass-throughs (recipients
    # joined), their payouts and the documents of all of them, one query each. No lookups of the names
    # the changes show.
    assert len(queries) == 10, queries
    assert "Empfänger" in response.content.decode()
    recipient = factories.organisation("Caritas")
    share = CostShare.objects.filter(version__decision=founding).order_by("pk").first()
    old_name = share.organisation.short_name
    share.organisation = recipient
    share.save()
    pass_through = PassThrough.objects.filter(decision=founding).first()
    pass_through.recipient = recipient
    pass_through.save()
    call_off = CallOff.objects.filter(decision=founding).order_by("called_on").last()
    old_amount = call_off.amount
    call_off.amount += Decimal("0.10")
    call_off.note = 'mit "<Zeichen>" & Steuerzeichen \x1f'
    call_off.save()
    response, queries = data_queries(client, url)
    assert len(queries) == 10, queries
    history = response.content.decode()
    changed_share = re.search(r"Organisation</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", history)
    assert changed_share is not None and changed_share.groups() == (old_name, "Caritas"), changed_share
    assert history.count("Caritas") == 2  # the own share's and the pass-through's new organisation
    money = re.search(r"abgerufener Betrag</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", history)
    new_amount = old_amount + Decimal("0.10")
    assert money is not None and money.groups() == (format_money(old_amount), format_money(new_amount)), money
    assert "mit &quot;&lt;Zeichen&gt;&quot; &amp; Steuerzeichen" in history
    assert history.index("Caritas") > history.index("abgerufener Betrag")  # newest first: the call-off last changed


def test_history_page_of_a_decision_without_history_rows_and_of_a_deleted_one(login):
    """Records created without history (a bulk import) still have their page; a deleted decision has none."""
    client = login("leitung")
    decision = factories.decision(title="Ohne Verlauf")
    decision.history.all().delete()
    response = client.get(reverse("funding:decision-history", args=[decision.pk]))
    assert response.status_code == 200 and "Ohne Verlauf" in response.content.decode()
    pk = decision.pk
    decision.delete()
    assert client.get(reverse("funding:decision-history", args=[pk])).status_code == 404


def test_block_labels_are_joined_in_the_decision_query_in_number_order(db):
    decision = factories.decision()
    blocks = [factories.building_block(decision.programme, number=n, title=f"Baustein {n}") for n in (10, 2)]
    bare = factories.decision()
    decision.building_blocks.set(blocks)
    with CaptureQueriesContext(connection) as captured:
        annotated = GrantDecision.objects.with_block_labels().get(pk=decision.pk)
        assert annotated.block_labels == ["2: Baustein 2", "10: Baustein 10"]
    assert len(captured) == 1
    # Without the annotation the same labels come from the relation; none without blocks.
    assert GrantDecision.objects.get(pk=decision.pk).block_labels == annotated.block_labels
    assert GrantDecision.objects.with_block_labels().get(pk=bare.pk).block_labels == []


def test_own_shares_read_with_the_versions_equal_the_stored_ones(db):
    """DecisionVersion.with_shares(): the shares as JSON in the version query, exact to the cent and
    thousandth, in the database's order of the organisations (its collation: "awo", "DRK",
    "Diakonie" sort differently in a German one), whatever the names contain; no query to read them."""
    decision = factories.decision()
    version = factories.version(decision, eligible_expenditure=Decimal("1000.00"), rate=Decimal("80"))
    bare = factories.version(factories.decision(), financing_type=FinancingType.FULL, full_financing_reason="x")
    for name, weight, eligible, granted in [
        ('Zeta "Z" \x1f\x1e', "0.333", "333.33", "266.67"),
        ("Alpha & <B>", "1.5", "366.67", "293.33"),
        ("awo", "0.5", "100.00", "80.00"),
        ("DRK", "0.5", "100.00", "80.00"),
        ("Diakonie", "0.25", "100.00", "80.00"),
    ]:
        CostShare.objects.create(
            version=version,
            organisation=factories.organisation(name),
            weight=Decimal(weight),
            eligible_amount=Decimal(eligible),
            grant_amount=Decimal(granted),
            own_share=Decimal(eligible) - Decimal(granted),
        )
    with CaptureQueriesContext(connection) as captured:
        annotated = DecisionVersion.objects.with_shares().get(pk=version.pk)
        shares = annotated.shares
    assert len(captured) == 1
    stored = DecisionVersion.objects.get(pk=version.pk).shares  # the relation, ordered by the database
    fields = ("organisation_id", "weight", "eligible_amount", "grant_amount", "own_share")
    assert [[getattr(s, f) for f in fields] for s in shares] == [[getattr(s, f) for f in fields] for s in stored]
    assert [s.organisation.short_name for s in shares] == [s.organisation.short_name for s in stored]
    by_name = {s.organisation.short_name: s for s in shares}
    assert str(by_name['Zeta "Z" \x1f\x1e'].weight) == "0.333" and str(by_name["Alpha & <B>"].own_share) == "73.34"
    assert DecisionVersion.objects.with_shares().get(pk=bare.pk).shares == []
