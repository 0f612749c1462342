from decimal import Decimal

import pytest
from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from integration_admin.core.forms import (
    BootstrapFormMixin,
    LocalizedDateField,
    LocalizedDecimalField,
    ModelMultipleIdField,
    PlainIntegerField,
    money_field,
)
from integration_admin.council.forms import CommitteeForm
from integration_admin.models import User
from programs.models import BuildingBlock
from staffing.admin import PayGradeAdmin
from staffing.models import Organisation, PayGrade
from tests.conftest import login_as


class SampleForm(BootstrapFormMixin, forms.Form):
    fte = LocalizedDecimalField(max_digits=6, decimal_places=3, min_value=Decimal("0.001"))
    amount = money_field(required=False)
    day = LocalizedDateField(required=False)
    name = forms.CharField(max_length=200, required=False)


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("0,5", "0.5"), ("1,5", "1.5"), ("1.5", "1.5"), ("1", "1"), (" 2,25 ", "2.25")],
)
def test_fte_in_german_notation(typed, expected):
    form = SampleForm({"fte": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["fte"] == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1.234,50", "1234.50"), ("624.493,60 €", "624493.60"), ("780.617", "780617"), ("1234.5", "1234.5"),
     ("1.234.567,89", "1234567.89")],
)  # fmt: skip
def test_money_in_german_notation(typed, expected):
    form = SampleForm({"fte": "1", "amount": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Bitte eine Zahl eingeben"),
        ("0", "mindestens 0,001"),
        ("-1", "mindestens 0,001"),
        ("1e309", "Bitte eine Zahl eingeben"),
        ("1" * 30, "Ziffern"),
        ("NaN", "Bitte eine Zahl eingeben"),
        ("Infinity", "Bitte eine Zahl eingeben"),
    ],
)
def test_bad_fte_gets_a_german_message(typed, message):
    form = SampleForm({"fte": typed})
    assert not form.is_valid()
    assert message in form.errors["fte"][0]
    assert "is-invalid" in str(form["fte"])


def test_dates_and_text():
    form = SampleForm({"fte": "1", "day": "10.08.2020", "name": "a\x00b"})
    assert not form.is_valid()
    assert form.cleaned_data["day"].isoformat() == "2020-08-10"
    assert "Null" in form.errors["name"][0]
    form = SampleForm({"fte": "1", "day": "31.02.2020", "name": "x" * 1_000_000})
    assert not form.is_valid()
    assert "TT.MM.JJJJ" in form.errors["day"][0]
    assert "200" in form.errors["name"][0]


def test_values_are_redisplayed_in_german():
    form = SampleForm(initial={"fte": Decimal("1.500"), "amount": Decimal("624493.6")})
    html = str(form["fte"]) + str(form["amount"])
    assert 'value="1,5"' in html
    assert 'value="624493,60"' in html


@pytest.mark.django_db
def test_filter_sets_read_their_choices_for_each_request():
    """Each filter set has its own filters, choices read when it is made and bound ``method=``
    filters; the class's filters stay untouched."""
    from django.http import QueryDict

    from staffing.filters import PositionFilter
    from staffing.models import Position
    from tests import factories

    factories.organisation("ERSTE")
    first = PositionFilter(QueryDict("organisation=999999&q=x"), queryset=Position.objects.all())
    factories.organisation("ZWEITE")
    second = PositionFilter(QueryDict(""), queryset=Position.objects.all())
    assert first.filters["organisation"] is not second.filters["organisation"]
    assert first.filters["q"].parent is first and second.filters["q"].parent is second
    first_labels = [label for _, label in first.form.fields["organisation"].choices]
    second_labels = [label for _, label in second.form.fields["organisation"].choices]
    assert "ERSTE" in first_labels and "ZWEITE" not in first_labels
    assert {"ERSTE", "ZWEITE"} <= set(second_labels)
    assert "choices" not in PositionFilter.base_filters["organisation"].extra
    assert getattr(PositionFilter.base_filters["q"], "parent", None) is None
    # a method filter calls its own filter set's method; an unknown choice is a form error
    assert "organisation" in first.form.errors
    assert first.filters["q"].filter.method.__self__ is first


@pytest.mark.parametrize("typed", ["١,٥", "１,５", "1,５", "٣", "1e3", "0x10", "1_000"])
def test_numbers_are_ascii_digits_only(typed):
    """Finding: Decimal() and int() read other scripts' digits, so "١,٥" was stored as 1,5."""
    form = SampleForm({"fte": typed})
    assert not form.is_valid()
    assert form.errors["fte"] == ["Bitte eine Zahl eingeben, z. B. 1,5 oder 1.234,50."]


def test_whole_numbers_are_ascii_digits_only():
    class YearForm(forms.Form):
        year = PlainIntegerField()

    assert YearForm({"year": " 2021 "}).is_valid()
    for typed in ("٢٠٢١", "２０２１", "2021.5"):
        assert not YearForm({"year": typed}).is_valid(), typed


@pytest.mark.parametrize(
    "char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)
def test_text_fields_refuse_bidi_controls(char):
    form = SampleForm({"fte": "1", "name": f"Paula{char}Beispiel"})
    assert not form.is_valid()
    assert "Schreibrichtung" in form.errors["name"][0]


def test_text_in_other_scripts_is_welcome():
    form = SampleForm({"fte": "1", "name": "محمد Öztürk Ørsted"})
    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_the_admin_refuses_bidi_controls_too(demo, client):
    login_as(client, "admin")
    response = client.post(
        reverse("admin:staffing_organisation_add"),
        {"short_name": "XYZ", "name": "Verein \u202eevitaregni\u202c e.V.", "kind": "welfare"},
    )
    assert response.status_code == 200
    assert "Schreibrichtung" in response.content.decode()
    assert not Organisation.objects.filter(short_name="XYZ").exists()


@pytest.mark.parametrize("typed", ["9" * 30, "1" * 100_000, str(2**63), "-" + "9" * 25, "²", "٣", "1.5", "abc"])
def test_ticked_ids_beyond_64_bits_or_not_digits_are_invalid_choices(db, typed):
    class TickForm(forms.Form):
        blocks = ModelMultipleIdField(queryset=BuildingBlock.objects.all())

    form = TickForm({"blocks": [typed]})
    assert not form.is_valid()
    assert "gültige Auswahl" in form.errors["blocks"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["٣", "３", "1e2"])
def test_whole_numbers_a_model_form_makes_are_ascii_digits_only(typed):
    """Review finding: the integer fields Django's ModelForm makes (an agenda item's order and vote
    counts, a committee's sort order) still read "٣" as 3."""
    form = CommitteeForm({"name": "Ausschuss (Test)", "classification": "Ausschuss", "sort_order": typed})
    assert not form.is_valid()
    assert form.errors["sort_order"] == ["Bitte eine ganze Zahl eingeben."]


def test_the_admin_takes_whole_numbers_in_ascii_digits_only(demo, rf):
    request = rf.get("/")
    request.user = User.objects.get(username="admin")
    form_class = PayGradeAdmin(PayGrade, admin.site).get_form(request)
    assert isinstance(form_class.base_fields["sort_order"], PlainIntegerField)
    form = form_class({"code": "T 1", "sort_order": "٣"})
    assert not form.is_valid()
    assert form.errors["sort_order"] == ["Bitte eine ganze Zahl eingeben."]
