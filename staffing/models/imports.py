"""Imports of positions and assignments from a spreadsheet (:mod:`staffing.imports`): the layout
of a file remembered with its mapping, and every import with what it did, for the audit and undo."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportLayout(models.Model):
    """The mapping of columns to fields chosen for files with these headers (the normalised header
    row's signature), so next month's file of the same shape maps itself."""

    signature = models.CharField(_("Kennung der Spaltenköpfe"), max_length=64, unique=True)
    headers = models.JSONField(_("Spaltenköpfe"), default=list)
    mapping = models.JSONField(_("Zuordnung"), default=list)
    updated = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Import-Layout")
        verbose_name_plural = _("Import-Layouts")

    def __str__(self) -> str:
        return ", ".join(str(header) for header in self.headers)[:100]


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Vorschau")
    COMMITTED = "committed", _("übernommen")
    UNDONE = "undone", _("rückgängig gemacht")


class ImportKind(models.TextChoices):
    """What a file brings in. Plain strings: the importers of the kinds other than positions live
    in the upper layers and register themselves (:mod:`staffing.imports.registry`)."""

    POSITIONS = "positions", _("Stellen und Besetzungen")
    DECISIONS = "decisions", _("Zuwendungsbescheide")
    CALL_OFFS = "call_offs", _("Mittelabrufe")


class ImportRunQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportRunQuerySet":
        """The administrator sees every import, a caseworker their own."""
        return self if user.is_administrator else self.filter(user=user)


class ImportRun(models.Model):
    """One uploaded file: its preview until confirmed, then what the import created and changed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Benutzer"), on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("hochgeladen"), default=timezone.now)
    kind = models.CharField(_("Art"), max_length=20, choices=ImportKind.choices, default=ImportKind.POSITIONS)
    file_name = models.CharField(_("Dateiname"), max_length=255)
    sha256 = models.CharField(_("Prüfsumme (SHA-256)"), max_length=64)
    content = models.BinaryField(_("Inhalt"), editable=False)
    sheet = models.CharField(_("Tabellenblatt"), max_length=100, blank=True)
    mapping = models.JSONField(_("Zuordnung"), default=list, blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    created_count = models.PositiveIntegerField(_("angelegt"), default=0)
    changed_count = models.PositiveIntegerField(_("geändert"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unverändert"), default=0)
    changes = models.JSONField(_("Änderungen"), default=list, blank=True, editable=False)
    committed_at = models.DateTimeField(_("übernommen am"), null=True, blank=True)
    undone_at = models.DateTimeField(_("rückgängig gemacht am"), null=True, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("Import")
        verbose_name_plural = _("Importe")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("staffing:import-detail", args=[self.pk])
