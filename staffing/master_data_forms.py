"""Forms of the master-data pages (organisations, the pay table of a pay round, the rates of a
year): numbers and dates typed in the user's language ("4.321,09", "20,5", "01.04.2021")."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from integration_admin.core.forms import (
    BootstrapFormMixin,
    LocalizedDateField,
    LocalizedDecimalField,
    PlainIntegerField,
    RevisionErrorOnTopMixin,
    RevisionFormMixin,
    ScopedModelForm,
    money_field,
    reject_control_characters,
)
from staffing.models import Organisation

STEPS = range(1, 7)


def percent_field(**kwargs) -> LocalizedDecimalField:
    """A rate in percent, e.g. "20,5" (0 to 100, two decimals)."""
    return LocalizedDecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100"), **kwargs
    )


class OrganisationForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    short_name = forms.CharField(
        label=_("Kurzbezeichnung"),
        max_length=30,
        validators=[reject_control_characters],
        help_text=_("Wie in Listen und im Import, z. B. KI oder DRK."),
    )
    name = forms.CharField(label=_("Name"), max_length=300, validators=[reject_control_characters])

    class Meta(ScopedModelForm.Meta):
        model = Organisation
        fields = ["short_name", "name", "kind"]


class PayRoundForm(BootstrapFormMixin, forms.Form):
    """Which pay round the page shows and saves: the day its amounts are valid from (GET)."""

    gilt_ab = LocalizedDateField(label=_("gültig ab"))


class PayGradeRowForm(RevisionErrorOnTopMixin, BootstrapFormMixin, forms.Form):
    """One grade's monthly pay for steps 1–6 from one day on; its hidden revision is the grade's."""

    revision = PlainIntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    grade = PlainIntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, grade, **kwargs):
        super().__init__(*args, **kwargs)
        self.pay_grade = grade
        self.initial.setdefault("grade", grade.pk)
        for step in STEPS:
            field = money_field(
                label=gettext("%(grade)s, Stufe %(step)s") % {"grade": grade.code, "step": step},
                required=False,
                max_digits=9,
                min_value=Decimal("0.01"),
            )
            field.widget.attrs["class"] = "form-control form-control-sm num"
            self.fields[f"step_{step}"] = field
        self.initial.setdefault("revision", grade.revision)

    def clean(self):
        # The rows are matched by position; a grade added or removed since the page was opened
        # would shift them, so each row names its grade and must still be in its place.
        cleaned = super().clean()
        if self.has_error("grade"):
            self.errors.pop("grade")
            self.add_error(None, _("Das Formular ist beschädigt. Bitte laden Sie die Seite neu."))
        elif cleaned.get("grade") != self.pay_grade.pk:
            raise forms.ValidationError(
                _("Die Entgeltgruppen haben sich inzwischen geändert. Bitte laden Sie die Seite neu."), code="conflict"
            )
        return cleaned

    def step_fields(self):
        return [self[f"step_{step}"] for step in STEPS]

    def amounts(self) -> dict:
        return {step: self.cleaned_data.get(f"step_{step}") for step in STEPS}


class BasePayTableFormSet(forms.BaseFormSet):
    """One :class:`PayGradeRowForm` per grade (``grades`` in order); never more forms than grades,
    whatever the management form says."""

    def __init__(self, *args, grades, **kwargs):
        self.grades = list(grades)
        super().__init__(*args, **kwargs)
        self.absolute_max = self.max_num = len(self.grades)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "grade": self.grades[index]}


PayTableFormSet = forms.formset_factory(PayGradeRowForm, formset=BasePayTableFormSet, extra=0)


class YearRatesForm(RevisionErrorOnTopMixin, BootstrapFormMixin, forms.Form):
    """The employer rates of a year and the annual bonus per grade group, saved together."""

    revision = PlainIntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    social_insurance_rate = percent_field(label=_("Sozialversicherung (Arbeitgeber) in %"), help_text=_("z. B. 20,5"))
    pension_levy_rate = percent_field(label=_("Zusatzversorgung (Umlage) in %"))

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = list(groups)
        for group in self.groups:
            self.fields[f"bonus_{group.pk}"] = percent_field(
                label=gettext("Jahressonderzahlung %(group)s in %%") % {"group": group.name},
                required=False,
                help_text=_("Prozent eines Monatsentgelts; leer: keine Jahressonderzahlung."),
            )

    def bonus_rates(self) -> dict:
        return {group: self.cleaned_data.get(f"bonus_{group.pk}") for group in self.groups}
