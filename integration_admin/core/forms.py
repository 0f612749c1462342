"""Form fields and a form mixin shared by the apps.

People type numbers as their language writes them: in German "0,5", "1.234,50", "624.493,60 €";
in English "0.5", "1,234.50". Dates as "10.08.2020" (German) or "10/08/2020" (English). Bad input
gets a message on the form in the user's language, never an exception.
"""

import re
import unicodedata
import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _

from integration_admin.core.formats import format_decimal

# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): invisible, they
# make a name display reversed or shifted ("Trojan Source"), in the page, the export and the paper.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A number as Python writes it after normalise_number: ASCII digits, one decimal point, a sign.
# Decimal() and int() also read "١٢" or "１,５" (other scripts' digits) and "1e5"; people do not
# mean those, and they would be stored as a number nobody typed.
PLAIN_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def reject_control_characters(value: str) -> None:
    """Names and titles are printed in reports and exports: no control characters in them."""
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError(_("Bitte keine Steuerzeichen (z. B. Tabulator oder Zeilenumbruch) eingeben."))


def reject_bidi_controls(value: str) -> None:
    """No invisible characters that reverse the direction of text (every text field)."""
    if any(char in BIDI_CONTROLS for char in value):
        raise ValidationError(
            _("Bitte keine unsichtbaren Steuerzeichen für die Schreibrichtung eingeben (z. B. U+202E)."),
            code="bidi",
        )


def normalise_number(value: str) -> str:
    """Number input in the active language's notation as Python writes it: "1.234,50 €" -> "1234.50".

    With the decimal separator present, every thousands separator goes. Without it, the thousands
    separator counts as one only where every group after it has three digits ("1.234" in
    German), otherwise the text is left as it is, since people also type "0.5" in German.
    (Django's own ``sanitize_separators`` does this only with ``USE_THOUSAND_SEPARATOR``, which
    would also group every number the templates print, years and ids included.)
    """
    decimal_separator, thousand_separator = get_format("DECIMAL_SEPARATOR"), get_format("THOUSAND_SEPARATOR")
    text = value.strip().replace("\N{NO-BREAK SPACE}", "").replace(" ", "").replace("€", "").replace("%", "")
    if decimal_separator in text:
        return text.replace(thousand_separator, "").replace(decimal_separator, ".")
    if re.fullmatch(rf"[-+]?\d{{1,3}}({re.escape(thousand_separator)}\d{{3}})+", text):
        return text.replace(thousand_separator, "")
    return text


def query_int(value: str | None, max_digits: int = 18) -> int | None:
    """A whole number from a query parameter, or None: ASCII digits only, at most ``max_digits``.

    ``str.isdigit()`` alone is not enough before ``int()``: "²" and "٣" are digits to it, and
    ``int()`` refuses the first and a 5000-digit number (a 500 in the views that trusted it).
    """
    if value and len(value) <= max_digits and value.isascii() and value.isdigit():
        return int(value)
    return None


class LocalizedDecimalField(forms.DecimalField):
    """A DecimalField that reads and shows numbers in the active language's notation.

    ``display_places`` fixes the decimals shown when a value is redisplayed (money: 2);
    otherwise trailing zeros are dropped ("1,5" rather than "1,500").
    """

    default_error_messages = {"invalid": _("Bitte eine Zahl eingeben, z. B. 1,5 oder 1.234,50.")}

    def __init__(self, *args, display_places: int | None = None, **kwargs):
        self.display_places = display_places
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(*args, **kwargs)
        # Limits in the messages in the user's notation ("mindestens 0,001", not "0.001").
        if self.min_value is not None and "min_value" not in kwargs.get("error_messages", {}):
            self.error_messages["min_value"] = _("Der Wert muss mindestens %(limit)s sein.") % {
                "limit": format_decimal(self.min_value)
            }
        if self.max_value is not None and "max_value" not in kwargs.get("error_messages", {}):
            self.error_messages["max_value"] = _("Der Wert darf höchstens %(limit)s sein.") % {
                "limit": format_decimal(self.max_value)
            }

    def to_python(self, value):
        if isinstance(value, str):
            value = normalise_number(value)
            if value and not PLAIN_NUMBER.fullmatch(value):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return format_decimal(value, places=self.display_places, grouping=False)
        return value

    def widget_attrs(self, widget):
        # No HTML number-input attributes: the browser would refuse a German comma.
        attrs = super().widget_attrs(widget)
        for key in ("step", "min", "max"):
            attrs.pop(key, None)
        return attrs


def money_field(**kwargs) -> LocalizedDecimalField:
    """A form field for an amount in euro, e.g. "624.493,60"."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    kwargs.setdefault("min_value", Decimal("0"))
    return LocalizedDecimalField(display_places=2, **kwargs)


class PlainIntegerField(forms.IntegerField):
    """A whole number of ASCII digits ("٣" and "３" are digits to ``int()``, not to the people here)."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not PLAIN_NUMBER.fullmatch(value.strip()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class ScopedChoicesMixin:
    """A choice of records that belong to a body (or are shared, see ``core.scopes``): the choices
    are queried anew for every form, in the scope of the request that makes it, never once at
    import, when no body is known. ``choices_from`` makes the queryset (default: all the model's
    records in the active scope); a ``queryset`` given instead only names the model."""

    def __init__(self, queryset=None, *, choices_from=None, **kwargs):
        if choices_from is None and queryset is not None and is_scoped(queryset.model):
            choices_from = queryset.model._default_manager.all
        self.choices_from = choices_from
        super().__init__(queryset=None if choices_from else queryset, **kwargs)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        if self.choices_from is not None:
            result.queryset = self.choices_from()
        return result


class ScopedModelChoiceField(ScopedChoicesMixin, forms.ModelChoiceField):
    pass


class ScopedModelMultipleChoiceField(ScopedChoicesMixin, forms.ModelMultipleChoiceField):
    pass


def is_scoped(model) -> bool:
    """Do this model's records belong to bodies (its default manager is scoped, ``core.scopes``)?"""
    return model is not None and hasattr(model._default_manager, "with_scopes_disabled")


def scoped_formfield(db_field, **kwargs):
    """A model form's field; a relation to records of a body gets a scoped choice field."""
    if db_field.is_relation and is_scoped(db_field.related_model):
        kwargs.setdefault(
            "form_class", ScopedModelMultipleChoiceField if db_field.many_to_many else ScopedModelChoiceField
        )
    return db_field.formfield(**kwargs)


class ScopedModelForm(forms.ModelForm):
    """The model form of this project: relations to a body's records offer only the request's
    body's records (every app's model forms derive from it)."""

    class Meta:
        formfield_callback = scoped_formfield


class ModelMultipleIdField(ScopedChoicesMixin, forms.ModelMultipleChoiceField):
    """Records to tick (of the request's body, see :class:`ScopedChoicesMixin`). An id that is not
    a 64-bit whole number of ASCII digits is refused as an invalid choice before the database sees
    it (SQLite raises OverflowError on ``pk__in`` with a larger number; "²" is a digit to
    ``isdigit()`` but not to ``int()``)."""

    def clean(self, value):
        for item in value or ():
            text = str(item).strip()
            digits = text.lstrip("+-")
            # the length first: int() refuses more than 4300 digits with a ValueError (a 500)
            if not (PLAIN_NUMBER.fullmatch(text) and digits.isdigit()) or len(digits) > 19 or int(digits) > 2**63 - 1:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        return super().clean(value)


class LocalizedDateField(forms.DateField):
    """A date in the active language's notation ("10.08.2020"; ISO "2020-08-10" is accepted too).

    The input formats and the redisplay are Django's localisation (``DATE_INPUT_FORMATS`` in
    ``integration_admin/core/formats_locale``). Only years from 1900 to 2200: "01.01.0001" or
    "31.12.9999" are typing errors here, and dates at the ends of Python's range overflow in date
    arithmetic (a year later, the end of a day).
    """

    MIN_YEAR, MAX_YEAR = 1900, 2200
    default_error_messages = {
        "invalid": _("Bitte ein Datum im Format TT.MM.JJJJ eingeben, z. B. 10.08.2020."),
        "out_of_range": _("Bitte ein Datum zwischen den Jahren %(min)s und %(max)s eingeben."),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"placeholder": _("TT.MM.JJJJ"), "autocomplete": "off"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not self.MIN_YEAR <= day.year <= self.MAX_YEAR:
            raise forms.ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"min": self.MIN_YEAR, "max": self.MAX_YEAR},
            )
        return day


class RevisionErrorOnTopMixin:
    """A form with a hidden ``revision`` field: a broken value's message goes on top of the form,
    where the user sees it, not under a field nobody sees."""

    def clean(self):
        if self.has_error("revision"):
            self.errors.pop("revision")
            self.add_error(None, _("Das Formular ist beschädigt. Bitte laden Sie die Seite neu."))
        return super().clean()


class RevisionFormMixin(RevisionErrorOnTopMixin):
    """The form of a :class:`~integration_admin.core.models.Revisioned` record sends back, hidden,
    the revision it was opened with; the view or service that saves it checks it under a row lock
    (:func:`~integration_admin.core.models.lock_revision`). A form for a new record carries a
    one-off ``submission_token`` instead, so that sending it twice creates the record once
    (:class:`~integration_admin.core.views.CreateOnceMixin`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["revision"] = PlainIntegerField(
                widget=forms.HiddenInput, required=False, min_value=1, initial=self.instance.revision
            )
        else:
            self.fields["submission_token"] = forms.UUIDField(
                widget=forms.HiddenInput, required=False, initial=uuid.uuid4
            )

    def clean(self):
        if self.has_error("submission_token"):
            self.errors.pop("submission_token")
            self.add_error(None, _("Das Formular ist beschädigt. Bitte laden Sie die Seite neu."))
        return super().clean()


class PlainInputMixin:
    """Every text field of the form refuses the invisible characters that reverse text direction;
    every whole-number field (also those a ModelForm makes, e.g. an order or a vote count) takes
    only ASCII digits, as :class:`PlainIntegerField` does."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and reject_bidi_controls not in field.validators:
                field.validators.append(reject_bidi_controls)

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            whole_number = isinstance(field, forms.IntegerField) and not isinstance(
                field, forms.DecimalField | forms.FloatField
            )
            if whole_number and name not in self.errors:  # (DecimalField and FloatField derive from it)
                typed = self.data.get(self.add_prefix(name)) if self.is_bound else None
                if isinstance(typed, str) and typed.strip() and not PLAIN_NUMBER.fullmatch(typed.strip()):
                    self.add_error(name, ValidationError(field.error_messages["invalid"], code="invalid"))
        return cleaned


class BootstrapFormMixin(PlainInputMixin):
    """Give every widget Bootstrap's classes and mark fields with errors as invalid. Every form of
    the pages uses it, so it also carries the input rules every form needs (:class:`PlainInputMixin`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple) and not isinstance(
                widget, forms.CheckboxSelectMultiple
            ):
                css = "form-select"
            elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = ""
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()
        # aria-invalid and aria-describedby (the help text's and the errors' ids) are Django's own
        # (BoundField.build_widget_attrs); templates/includes/_form.html gives those ids.
