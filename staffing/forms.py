"""Forms for positions and assignments: German input, German messages, explicit fields only."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from integration_admin.core.forms import (
    BootstrapFormMixin,
    LocalizedDateField,
    LocalizedDecimalField,
    RevisionFormMixin,
    ScopedModelChoiceField,
    ScopedModelForm,
    reject_control_characters,
)
from programs.models import BuildingBlock
from staffing.models import FTE_MAX_DIGITS, FTE_PLACES, Assignment, Organisation, PayGrade, Position

NOTE_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 300


def step_choices() -> list[tuple]:
    """The pay steps 1–6, labelled in the language of the request (a callable: Django calls it
    each time the field is shown; a list built at import would keep the first language)."""
    return [("", "–"), *((step, gettext("Stufe %(step)s") % {"step": step}) for step in range(1, 7))]


def fte_field(**kwargs) -> LocalizedDecimalField:
    kwargs.setdefault("max_digits", FTE_MAX_DIGITS)
    kwargs.setdefault("decimal_places", FTE_PLACES)
    kwargs.setdefault("min_value", Decimal("0.001"))
    return LocalizedDecimalField(**kwargs)


class BuildingBlockChoiceField(ScopedModelChoiceField):
    def label_from_instance(self, obj: BuildingBlock) -> str:
        return gettext("%(programme)s – Baustein %(number)s: %(title)s") % {
            "programme": obj.programme.short_name,
            "number": obj.number,
            "title": obj.display_title,
        }


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put the errors a service raised on the form: on their fields where the form has them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class PositionForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    building_block = BuildingBlockChoiceField(
        label=_("Programm und Baustein"),
        choices_from=lambda: BuildingBlock.objects.select_related("programme").order_by("programme", "number"),
        help_text=_("Der Förderbaustein, aus dem die Stelle finanziert wird."),
    )
    title = forms.CharField(label=_("Bezeichnung"), max_length=200, validators=[reject_control_characters])
    fte = fte_field(label=_("Stellenumfang (VZÄ)"), help_text=_("Vollzeitäquivalente, z. B. 1,5 oder 0,5."))
    pay_step = forms.TypedChoiceField(
        label=_("Stufe (Kostenplanung)"),
        choices=step_choices,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Für die Berechnung der Personalkosten."),
    )
    start = LocalizedDateField(label=_("Beginn"), required=False)
    end = LocalizedDateField(
        label=_("Ende"), required=False, help_text=_("Bei befristeten Stellen das Ende der Befristung.")
    )
    note = forms.CharField(
        label=_("Bemerkung"), required=False, max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    change_reason = forms.CharField(
        label=_("Grund der Änderung"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        validators=[reject_control_characters],
        help_text=_("Freiwillig; erscheint im Änderungsverlauf."),
    )
    lapses_when_vacant = forms.BooleanField(
        label=_("kw-Vermerk (künftig wegfallend)"),
        required=False,
        help_text=_("Die Stelle fällt weg, sobald sie frei wird."),
    )
    fixed_term = forms.BooleanField(label=_("befristet"), required=False)

    class Meta(ScopedModelForm.Meta):
        model = Position
        fields = [
            "building_block",
            "organisation",
            "title",
            "fte",
            "pay_grade",
            "pay_step",
            "start",
            "end",
            "status",
            "fixed_term",
            "lapses_when_vacant",
            "note",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisation = self.fields["organisation"]
        if user.is_administrator:
            organisation.queryset = Organisation.objects.order_by("short_name")
        else:
            organisation.queryset = Organisation.objects.filter(pk=user.organisation_id)
            organisation.empty_label = None
            organisation.help_text = _("Sie können Stellen Ihrer eigenen Organisation anlegen und ändern.")
        self.fields["pay_grade"].queryset = PayGrade.objects.order_by("sort_order", "code")
        self.fields["pay_grade"].empty_label = "–"
        self.fields["building_block"].empty_label = _("– bitte wählen –")
        if not self.instance.pk:
            del self.fields["change_reason"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("pay_step") and not cleaned.get("pay_grade"):
            self.add_error("pay_grade", _("Zur Stufe gehört eine Entgeltgruppe."))
        return cleaned


class AssignmentForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    holder_name = forms.CharField(
        label=_("Stelleninhaber/-in"),
        max_length=200,
        validators=[reject_control_characters],
        help_text=_("Nur der Name; weitere persönliche Daten werden nicht erfasst."),
    )
    fte_share = fte_field(label=_("Stellenanteil (VZÄ)"), help_text=_("z. B. 0,5 für eine halbe Stelle."))
    start = LocalizedDateField(label=_("von"))
    end = LocalizedDateField(label=_("bis"), required=False, help_text=_("Leer lassen, solange kein Ende feststeht."))

    class Meta(ScopedModelForm.Meta):
        model = Assignment
        fields = ["holder_name", "fte_share", "start", "end"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        position_end = self.position_end
        if position_end is not None:
            self.fields["end"].help_text = _("Leer lassen: bis zum Ende der Stelle (%(day)s).") % {
                "day": date_format(position_end, "SHORT_DATE_FORMAT")
            }

    @property
    def position_end(self):
        """The last day of the assignment's position (``None``: open-ended)."""
        return self.instance.position.end if self.instance.position_id else None

    def clean_end(self):
        # an empty "bis" on a position with an end: the assignment lasts as long as the position
        return self.cleaned_data.get("end") or self.position_end


class EndAssignmentForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    end = LocalizedDateField(
        label=_("letzter Tag"), help_text=_("Der letzte Tag, an dem die Person die Stelle innehat.")
    )

    class Meta(ScopedModelForm.Meta):
        model = Assignment
        fields = ["end"]
