"""Documents kept with records (scanned letters, contracts, reports, receipt lists): what a file
is, found in its content; the upload form; storing one; a record's documents for its page.

A file is taken if its content is a PDF (it starts with ``%PDF-`` and ends with ``%%EOF``) or an
image Pillow opens and verifies as PNG, JPEG or TIFF. Its name and the type the browser sent are
not asked: a text file named ``.pdf`` is refused. The size limit is ``DOCUMENT_MAX_BYTES``,
enforced while the file arrives (:mod:`integration_admin.core.uploads`) and again here.
"""

import hashlib
import io
import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from integration_admin.core.forms import BootstrapFormMixin, RevisionFormMixin, ScopedModelForm
from integration_admin.core.models import Document, DocumentContent, MediaType

PDF_START = b"%PDF-"
PDF_END = b"%%EOF"
# Where a PDF's end marker is looked for: writers may add a line break or a few bytes after it.
PDF_TAIL = 2048
IMAGE_STARTS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
IMAGE_FORMATS = {"PNG": MediaType.PNG, "JPEG": MediaType.JPEG, "TIFF": MediaType.TIFF}
# What the browser's file picker offers first (a hint only: the content decides).
ACCEPT = "application/pdf,image/png,image/jpeg,image/tiff,.pdf,.png,.jpg,.jpeg,.tif,.tiff"


def wrong_type_message() -> str:
    return _(
        "Die Datei ist kein PDF und kein Bild (PNG, JPEG, TIFF). Bitte den Scan als PDF oder Bild "
        "speichern und erneut hochladen."
    )


def too_large_message() -> str:
    return _("Die Datei ist zu groß: erlaubt sind höchstens %(size)s.") % {
        "size": filesizeformat(settings.DOCUMENT_MAX_BYTES)
    }


def detect_media_type(content: bytes) -> str:
    """The type of the file, from its content; a German ``ValidationError`` if it is none we keep."""
    if content.startswith(PDF_START):
        if PDF_END not in content[-PDF_TAIL:]:
            raise ValidationError(_("Die PDF-Datei ist unvollständig oder beschädigt."), code="broken")
        return MediaType.PDF
    if content.startswith(IMAGE_STARTS):
        try:
            with Image.open(io.BytesIO(content), formats=list(IMAGE_FORMATS)) as image:
                found = image.format
                image.verify()
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
            raise ValidationError(
                _("Das Bild lässt sich nicht öffnen (unvollständig oder beschädigt)."), code="broken"
            ) from None
        return IMAGE_FORMATS[found]
    raise ValidationError(wrong_type_message(), code="wrong_type")


def clean_file_name(name: str) -> str:
    """The file's own name (no folders), without control characters; never empty."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf")).strip()
    return name[:255] or "dokument"


@transaction.atomic
def store_document(*, parent, content: bytes, file_name: str, title: str, kind: str, user) -> Document:
    """Keep ``content`` as a document of ``parent`` (its type checked from the content)."""
    if not content:
        raise ValidationError(_("Die Datei ist leer."), code="empty")
    document = Document(
        parent=parent,
        title=title,
        kind=kind,
        file_name=clean_file_name(file_name),
        media_type=detect_media_type(content),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
    )
    document.full_clean(exclude=["content_type", "object_id"])
    document.save()
    DocumentContent.objects.create(document=document, data=content)
    return document


def copy_documents(*, source, target) -> int:
    """Give ``target`` a copy of each document of ``source`` (a supplement starts with its paper's
    documents), with their titles, kinds, uploaders and upload times; the number copied."""
    copied = 0
    for document in Document.objects.attached_to([source]).select_related("content").order_by("uploaded_at", "pk"):
        copy = Document.objects.create(
            parent=target,
            **{
                name: getattr(document, name)
                for name in ("title", "kind", "file_name", "media_type", "size", "sha256", "uploaded_by", "uploaded_at")
            },
        )
        DocumentContent.objects.create(document=copy, data=document.content.data)
        copied += 1
    return copied


def parent_key(record) -> str:
    return f"{record._meta.label_lower}:{record.pk}"


def documents_of(parents: list[tuple[object, str]]) -> list[Document]:
    """The documents of these records (each with its label), newest first; each document knows
    the label of its record (``parent_label``) without a query of its own."""
    labels = {(record._meta.label_lower, record.pk): label for record, label in parents}
    documents = list(Document.objects.attached_to([record for record, _label in parents]))
    for document in documents:
        kind = f"{document.content_type.app_label}.{document.content_type.model}"
        document.parent_label = labels.get((kind, document.object_id), "")
    return documents


class DocumentForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    """Upload one document to one of ``parents`` (record, label): the record of the page first.
    The record is chosen only where there is more than one (a decision, its letters, proofs and
    pass-throughs)."""

    file = forms.FileField(
        label=gettext_lazy("Datei"),
        help_text=gettext_lazy("PDF oder Bild (PNG, JPEG, TIFF)."),
        error_messages={
            "required": gettext_lazy("Bitte eine Datei auswählen."),
            "invalid": gettext_lazy("Bitte eine Datei auswählen."),
            "empty": gettext_lazy("Die Datei ist leer."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    prefix = "document"  # (its fields beside other forms on a record's page)

    class Meta(ScopedModelForm.Meta):
        model = Document
        # The file last: fields after it would be lost when an oversized one is stopped.
        fields = ["kind", "title", "file"]
        help_texts = {"title": gettext_lazy("Leer lassen: der Dateiname.")}

    def __init__(self, *args, parents: list[tuple[object, str]], user=None, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.parents = {parent_key(record): record for record, _label in parents}
        self.user = user
        self.too_large = too_large
        self.fields["title"].required = False
        self.fields["file"].help_text = _("PDF oder Bild (PNG, JPEG, TIFF), höchstens %(size)s.") % {
            "size": filesizeformat(settings.DOCUMENT_MAX_BYTES)
        }
        if len(parents) > 1:
            self.fields["parent"] = forms.ChoiceField(
                label=_("gehört zu"),
                choices=[(parent_key(record), label) for record, label in parents],
                required=False,  # (without a choice: the record of the page)
                error_messages={"invalid_choice": _("Bitte einen der angebotenen Einträge wählen.")},
            )
            self.order_fields(["parent", "kind", "title", "file"])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.DOCUMENT_MAX_BYTES:
            raise ValidationError(too_large_message(), code="too_large")
        content = upload.read()
        self.media_type = detect_media_type(content)
        self.content = content
        return upload

    def clean(self):
        if self.too_large:  # stopped while it arrived (integration_admin.core.uploads): no file at all
            self.errors.pop("file", None)
            self.add_error("file", ValidationError(too_large_message(), code="too_large"))
        return super().clean()

    def chosen_parent(self):
        if self.cleaned_data.get("parent"):
            return self.parents[self.cleaned_data["parent"]]
        return next(iter(self.parents.values()))

    def save(self, commit=True):
        upload = self.cleaned_data["file"]
        self.instance = store_document(
            parent=self.chosen_parent(),
            content=self.content,
            file_name=upload.name,
            title=self.cleaned_data["title"] or clean_file_name(upload.name).rsplit(".", 1)[0][:200],
            kind=self.cleaned_data["kind"],
            user=self.user,
        )
        return self.instance
