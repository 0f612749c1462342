from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from integration_admin.core.forms import BootstrapFormMixin, LocalizedDateField, LocalizedDecimalField, money_field


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
        ("1e309", "Ziffern"),
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
