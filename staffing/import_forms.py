"""The forms of the import pages: the upload and the mapping of a file's columns to fields."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from integration_admin.core.forms import BootstrapFormMixin
from staffing.imports.mapping import FIELDS, IGNORE
from staffing.imports.positions import column_letter
from staffing.imports.reading import too_large_message
from staffing.models import ImportKind


class ImportUploadForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Was enthält die Datei?"),
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": _("Diese Art von Daten dürfen Sie nicht importieren.")},
    )
    file = forms.FileField(
        label=_("Datei (Excel .xlsx oder CSV)"),
        help_text=_(
            "Höchstens 10 MB. Die erste Zeile mit Spaltenköpfen wie Organisation, Baustein, "
            "Bezeichnung, VZÄ wird gefunden."
        ),
        error_messages={
            "required": _("Bitte eine Datei auswählen."),
            "invalid": _("Bitte eine Datei auswählen."),
            "empty": _("Die Datei ist leer."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )

    def __init__(self, *args, too_large: bool = False, kinds=(ImportKind.POSITIONS,), **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.fields["kind"].choices = [(kind, ImportKind(kind).label) for kind in kinds]
        self.fields["kind"].initial = ImportKind.POSITIONS
        if len(kinds) < 2:  # a caseworker imports positions only: nothing to choose
            self.fields["kind"].widget = forms.HiddenInput()

    def clean_kind(self):
        return self.cleaned_data.get("kind") or ImportKind.POSITIONS

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(too_large_message())
        return upload

    def clean(self):
        if self.too_large:
            self.errors.pop("file", None)
            raise forms.ValidationError({"file": too_large_message()})
        return super().clean()


class MappingForm(BootstrapFormMixin, forms.Form):
    """The sheet to import and, per column of its header row, the field it fills."""

    sheet = forms.ChoiceField(label=_("Tabellenblatt"))

    def __init__(self, *args, sheets: list[str], header: list[str], fields: dict = FIELDS, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(name, name) for name in sheets]
        choices = [(IGNORE, _("– nicht importieren –")), *((name, label) for name, label in fields.items())]
        self.column_names = []
        for index, title in enumerate(header):
            name = f"column_{index}"
            label = (
                _("Spalte %(column)s „%(title)s“") % {"column": column_letter(index), "title": title}
                if title
                else _("Spalte %(column)s (ohne Überschrift)") % {"column": column_letter(index)}
            )
            self.fields[name] = forms.ChoiceField(label=label, choices=choices, required=False)
            self.column_names.append(name)

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(name) or IGNORE for name in self.column_names]
