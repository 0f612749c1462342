"""Master data in the app (issue 25): organisations, pay tables, rates of a year, flat rates and base
rates, typed in German ("57.000,00", "20,5", "01.01.2021"), for the administrator only."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from funding.models import BaseRate, FinancingType
from integration_admin.core.models import Body
from integration_admin.core.scopes import scope, scopes_disabled
from programs.models import FlatRate
from staffing.models import EmployerContributionRate, Organisation, PayTableEntry, PositionCost
from staffing.services import refresh_costs
from tests import factories

pytestmark = pytest.mark.django_db


def test_organisation_typed_in_and_a_stale_form_refused(login):
    client = login("admin")
    response = client.get(reverse("staffing:organisation-create"))
    token = response.context["form"]["submission_token"].value()
    data = {"short_name": "AWO", "name": "AWO Kreisverband", "kind": "welfare", "submission_token": token}
    response = client.post(reverse("staffing:organisation-create"), data)
    organisation = Organisation.objects.get(short_name="AWO")
    assert response.status_code == 302 and response.url == organisation.get_absolute_url()
    # sent twice: created once
    client.post(reverse("staffing:organisation-create"), data)
    assert Organisation.objects.filter(short_name="AWO").count() == 1
    url = reverse("staffing:organisation-update", args=[organisation.pk])
    edit = {"short_name": "AWO", "name": "AWO Kreisverband Heinsberg e.V.", "kind": "welfare", "revision": "1"}
    assert client.post(url, edit).status_code == 302
    organisation.refresh_from_db()
    assert organisation.revision == 2 and organisation.name == "AWO Kreisverband Heinsberg e.V."
    # a form opened at revision 1, sent after that save: refused, nothing written
    response = client.post(url, {**edit, "name": "Überschrieben"})
    assert response.status_code == 409
    assert "Ihre Änderungen wurden nicht gespeichert" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.name == "AWO Kreisverband Heinsberg e.V."


def test_flat_rate_in_german_and_issued_decisions_keep_theirs(login):
    client = login("admin")
    block = factories.building_block()
    decision = factories.decision(block.programme, title="Bescheid Pauschale Stammdaten")
    decision.building_blocks.add(block)
    version = factories.version(
        decision,
        financing_type=FinancingType.FLAT_RATE,
        funded_fte=Decimal("2"),
        period_start=datetime.date(2021, 1, 1),
        period_end=datetime.date(2021, 12, 31),
    )
    response = client.get(reverse("funding:flatrate-create"))
    token = response.context["form"]["submission_token"].value()
    response = client.post(
        reverse("funding:flatrate-create"),
        {"building_block": block.pk, "year": "2021", "amount_per_fte": "55.000,00", "submission_token": token},
    )
    assert response.status_code == 302
    rate = FlatRate.objects.get(building_block=block, year=2021)
    assert rate.amount_per_fte == Decimal("55000.00") and not rate.is_illustrative
    version.refresh_from_db()
    assert version.frozen_rates() == {2021: Decimal("55000.00")}  # the decision lacked a rate: it takes it
    # a change of the master data: the issued decision keeps its rate, and the page names it
    response = client.post(
        reverse("funding:flatrate-update", args=[rate.pk]),
        {"building_block": block.pk, "year": "2021", "amount_per_fte": "57.000,00", "revision": "1"},
        follow=True,
    )
    html = response.content.decode()
    assert "behalten ihre festgeschriebene Pauschale" in html and "Bescheid Pauschale Stammdaten" in html
    rate.refresh_from_db()
    assert rate.amount_per_fte == Decimal("57000.00") and rate.revision == 2
    assert rate.history.first().history_user.username == "admin"
    version.refresh_from_db()
    assert version.granted_amount == Decimal("110000.00")  # 2 x 55.000, unchanged
    # bad input: a German message, nothing saved
    response = client.post(
        reverse("funding:flatrate-update", args=[rate.pk]),
        {"building_block": block.pk, "year": "2021", "amount_per_fte": "57 Tausend", "revision": "2"},
    )
    assert response.status_code == 200
    assert "Bitte eine Zahl eingeben, z. B. 1,5 oder 1.234,50." in response.content.decode()
    # stale revision
    response = client.post(
        reverse("funding:flatrate-update", args=[rate.pk]),
        {"building_block": block.pk, "year": "2021", "amount_per_fte": "1,00", "revision": "1"},
    )
    assert response.status_code == 409
    rate.refresh_from_db()
    assert rate.amount_per_fte == Decimal("57000.00")


def test_flat_rate_in_english_format_when_english_is_chosen(login):
    client = login("admin")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    block = factories.building_block()
    response = client.get(reverse("funding:flatrate-create"))
    token = response.context["form"]["submission_token"].value()
    response = client.post(
        reverse("funding:flatrate-create"),
        {"building_block": block.pk, "year": "2022", "amount_per_fte": "57,000.00", "submission_token": token},
    )
    assert response.status_code == 302
    assert FlatRate.objects.get(building_block=block).amount_per_fte == Decimal("57000.00")


def pay_table_post(client, grade, day: str, amounts: dict[int, str]):
    """The pay table page's form as opened on ``day``, with ``amounts`` typed into ``grade``'s row."""
    url = reverse("staffing:paytable-edit") + "?gilt_ab=" + day
    formset = client.get(url).context["formset"]
    data = {f"grades-{key}": value for key, value in formset.management_form.initial.items()}
    for index, form in enumerate(formset.forms):
        for name, field in form.fields.items():
            value = form[name].value()
            data[f"grades-{index}-{name}"] = "" if value is None else field.prepare_value(value)
        if form.pay_grade == grade:
            for step, amount in amounts.items():
                data[f"grades-{index}-step_{step}"] = amount
    return url, data


def test_pay_table_edit_recomputes_the_stored_costs(login):
    client = login("admin")
    grade = factories.pay_grade(sort_order=999)
    factories.pay_data(grade, years=(2021,), amount="4000.00", steps=(3,))
    position = factories.position(fte="1.0", pay_grade=grade, pay_step=3, start=datetime.date(2021, 1, 1))
    musterkreis = Body.objects.get(short_name="MK")
    with scope(body=musterkreis):  # the pay table is the Land's: another body's position on it
        other = factories.position(
            org=factories.organisation("KI"), fte="0.5", pay_grade=grade, pay_step=3, start=datetime.date(2021, 1, 1)
        )
    with scopes_disabled():
        refresh_costs()
        other_before = PositionCost.objects.get(position=other, year=2021).total
    before = PositionCost.objects.get(position=position, year=2021).total
    url, data = pay_table_post(client, grade, "01.01.2021", {3: "4.321,09", 4: "4.500,00"})
    page = client.get(url).content.decode()  # each row is headed with its grade and group
    row_header = f'<th scope="row">{grade.code} <span class="small text-body-secondary fw-normal">({grade.group.name})'
    assert row_header in page
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = PayTableEntry.objects.get(pay_grade=grade, step=3, valid_from=datetime.date(2021, 1, 1))
    assert entry.monthly_amount == Decimal("4321.09")
    assert PayTableEntry.objects.get(pay_grade=grade, step=4).monthly_amount == Decimal("4500.00")
    after = PositionCost.objects.get(position=position, year=2021).total
    assert after > before  # the stored cost followed the pay table, no refresh_costs needed
    with scope(body=musterkreis):  # ... in every body, not only the editor's
        assert PositionCost.objects.get(position=other, year=2021).total > other_before
    grade.refresh_from_db()
    assert grade.revision == 2
    # the same form sent again (opened at revision 1): refused, nothing written
    data[next(key for key, value in data.items() if value == "4.321,09")] = "9.999,99"
    response = client.post(url, data)
    assert response.status_code == 409
    entry.refresh_from_db()
    assert entry.monthly_amount == Decimal("4321.09")
    # bad input: German messages beside the cell
    url, data = pay_table_post(client, grade, "01.01.2021", {3: "viel"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Bitte eine Zahl eingeben" in response.content.decode()


def test_pay_table_rows_shifted_by_a_new_grade_are_refused(login):
    client = login("admin")
    grade = factories.pay_grade(sort_order=999)
    factories.pay_data(grade, years=(2021,), amount="4000.00", steps=(3,))
    url, data = pay_table_post(client, grade, "01.01.2021", {3: "4.444,00"})
    factories.pay_grade(sort_order=0, code="A 0")  # someone adds a grade before the others meanwhile
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Die Entgeltgruppen haben sich inzwischen geändert" in response.content.decode()
    assert not PayTableEntry.objects.filter(monthly_amount=Decimal("4444.00")).exists()


def test_pay_round_from_a_new_day_keeps_the_earlier_amounts(login):
    client = login("admin")
    grade = factories.pay_grade(sort_order=999)
    factories.pay_data(grade, years=(2021,), amount="4000.00", steps=(3,))
    others_before = PayTableEntry.objects.exclude(pay_grade=grade).count()
    url, data = pay_table_post(client, grade, "01.07.2021", {3: "4.056,00"})
    assert client.post(url, data).status_code == 302
    amounts = dict(PayTableEntry.objects.filter(pay_grade=grade, step=3).values_list("valid_from", "monthly_amount"))
    assert amounts == {datetime.date(2021, 1, 1): Decimal("4000.00"), datetime.date(2021, 7, 1): Decimal("4056.00")}
    # only the changed grade got entries on the new day (the others were shown with their amounts in force)
    assert PayTableEntry.objects.exclude(pay_grade=grade).count() == others_before


def test_year_rates_in_percent(login):
    client = login("admin")
    grade = factories.pay_grade(group_name="Stammdaten-Testbereich")
    url = reverse("staffing:yearrates-edit") + "?year=2031"
    form = client.get(url).context["form"]
    assert "revision" not in form.initial
    data = {"social_insurance_rate": "20,5", "pension_levy_rate": "4,25", f"bonus_{grade.group_id}": "70,28"}
    assert client.post(url, data).status_code == 302
    rates = EmployerContributionRate.objects.get(year=2031)
    assert rates.social_insurance_rate == Decimal("20.50") and rates.pension_levy_rate == Decimal("4.25")
    assert grade.group.bonus_rates.get(year=2031).rate == Decimal("70.28")
    # sent again without the revision (the create form a second time): refused
    assert client.post(url, {**data, "social_insurance_rate": "21"}).status_code == 409
    response = client.post(url, {**data, "social_insurance_rate": "120", "revision": "1"})
    assert response.status_code == 200
    assert "Der Wert darf höchstens 100 sein." in response.content.decode()
    rates.refresh_from_db()
    assert rates.social_insurance_rate == Decimal("20.50")


def test_base_rate_with_german_date_and_negative_rate(login):
    client = login("admin")
    token = client.get(reverse("funding:baserate-create")).context["form"]["submission_token"].value()
    response = client.post(
        reverse("funding:baserate-create"),
        {"valid_from": "01.01.2031", "rate": "-0,88", "source": "Bundesbank", "submission_token": token},
    )
    assert response.status_code == 302
    assert BaseRate.objects.get(valid_from=datetime.date(2031, 1, 1)).rate == Decimal("-0.88")


@pytest.mark.parametrize("username", ["sb-ki", "sb-drk", "leitung"])
def test_only_the_administrator_changes_master_data(login, username):
    client = login(username)
    organisation = Organisation.objects.get(short_name="KI")
    rate = FlatRate.objects.order_by("pk").first()
    for url in (
        reverse("master-data"),
        reverse("staffing:organisation-create"),
        reverse("staffing:organisation-update", args=[organisation.pk]),
        reverse("staffing:paytable-edit"),
        reverse("staffing:yearrates-edit"),
        reverse("funding:flatrate-create"),
        reverse("funding:flatrate-update", args=[rate.pk]),
        reverse("funding:baserate-create"),
    ):
        assert client.get(url).status_code == 403
    response = client.post(
        reverse("staffing:organisation-update", args=[organisation.pk]),
        {"short_name": "KI", "name": "Gekapert", "kind": organisation.kind, "revision": str(organisation.revision)},
    )
    assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.name != "Gekapert"
    assert "Stammdaten" not in client.get(reverse("dashboard")).content.decode().split("</nav>")[0]


def test_master_data_overview_and_navigation(login):
    client = login("admin")
    html = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("master-data")}"' in html
    html = client.get(reverse("master-data")).content.decode()
    for url in (
        reverse("staffing:organisation-create"),
        reverse("staffing:paytable-edit"),
        reverse("funding:flatrate-create"),
        reverse("funding:baserate-create"),
    ):
        assert url in html


def test_admin_amounts_accept_german_numbers(login):
    client = login("admin")
    grade = factories.pay_grade()
    response = client.post(
        reverse("admin:staffing_paytableentry_add"),
        {"pay_grade": grade.pk, "step": "2", "valid_from": "01.01.2021", "monthly_amount": "4.321,09"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PayTableEntry.objects.get(pay_grade=grade, step=2).monthly_amount == Decimal("4321.09")
    block = factories.building_block()
    response = client.post(
        reverse("admin:programs_flatrate_add"),
        {"building_block": block.pk, "year": "2021", "amount_per_fte": "57.000,00"},
    )
    assert response.status_code == 302
    assert FlatRate.objects.get(building_block=block).amount_per_fte == Decimal("57000.00")
    html = client.get(reverse("admin:programs_flatrate_add")).content.decode()
    assert 'type="number"' not in html.split('name="amount_per_fte"')[0].rsplit("<input", 1)[-1]
