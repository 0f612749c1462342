"""Imports of positions and assignments from a spreadsheet (:mod:`staffing.imports`): the layout
of a file remembered with its mapping, and every import with what it did, for the audit and undo.

A long file's preview and commit run on the job queue (:mod:`staffing.imports.jobs`); the run
then records the job's state, its progress in rows and, if it failed, a German message."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integration_admin.core.models import BodyOwned
from integration_admin.core.scopes import body_scoped


class ImportLayout(BodyOwned):
    """The mapping of columns to fields chosen for files with these headers (the normalised header
    row's signature), so next month's file of the same shape maps itself."""

    signature = models.CharField(_("Kennung der Spaltenköpfe"), max_length=64)
    headers = models.JSONField(_("Spaltenköpfe"), default=list)
    mapping = models.JSONField(_("Zuordnung"), default=list)
    updated = models.DateTimeField(_("geändert"), auto_now=True)

    body = models.ForeignKey(
        "core.Body",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="import_layouts",
    )
    objects = body_scoped()

    class Meta:
        verbose_name = _("Import-Layout")
        verbose_name_plural = _("Import-Layouts")
        constraints = [models.UniqueConstraint(fields=["body", "signature"], name="import_layout_unique_per_body")]

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
    PLAN_ITEMS = "plan_items", _("Finanzierungspläne")


class ImportJobState(models.TextChoices):
    """The state of a run's background job (a short file's run has none)."""

    QUEUED = "queued", _("wartet")
    RUNNING = "running", _("läuft")
    DONE = "done", _("fertig")
    FAILED = "failed", _("fehlgeschlagen")


class ImportJobAction(models.TextChoices):
    PREVIEW = "preview", _("Vorschau")
    COMMIT = "commit", _("Übernahme")


class ImportRunQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportRunQuerySet":
        """The administrator sees every import, a caseworker their own."""
        return self if user.is_administrator else self.filter(user=user)

    def expired(self, now: datetime.datetime | None = None) -> "ImportRunQuerySet":
        """Uploads never confirmed, older than ``settings.IMPORT_RETENTION_DAYS``: deleted with their
        file by ``manage.py purge_imports`` (and the daily job)."""
        now = now or timezone.now()
        cutoff = now - datetime.timedelta(days=settings.IMPORT_RETENTION_DAYS)
        open_job = models.Q(job_state__in=[ImportJobState.QUEUED, ImportJobState.RUNNING], job_updated__gte=cutoff)
        return self.filter(status=ImportStatus.PREVIEW, created__lt=cutoff).exclude(open_job)


class ImportRun(BodyOwned):
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
    # A long file's background job: what it does, its state, progress in rows and a German message
    # if it failed; its preview is kept as plain data (Preview.as_data) for the page to show.
    job_action = models.CharField(_("Auftrag"), max_length=20, choices=ImportJobAction.choices, blank=True)
    job_state = models.CharField(_("Stand des Auftrags"), max_length=20, choices=ImportJobState.choices, blank=True)
    job_phase = models.CharField(_("Schritt"), max_length=20, blank=True)
    job_error = models.TextField(_("Fehlermeldung"), blank=True)
    job_updated = models.DateTimeField(_("Auftrag zuletzt bearbeitet"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    progress_done = models.PositiveIntegerField(_("Zeilen erledigt"), default=0)
    progress_total = models.PositiveIntegerField(_("Zeilen insgesamt"), default=0)
    preview_data = models.JSONField(_("Vorschau"), null=True, blank=True, editable=False)

    # A queued or running job not touched for this long: the worker is down or died; it may be retried.
    STALE_AFTER = datetime.timedelta(minutes=10)

    body = models.ForeignKey(
        "core.Body",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="import_runs",
    )
    objects = body_scoped("body", ImportRunQuerySet)

    class Meta:
        verbose_name = _("Import")
        verbose_name_plural = _("Importe")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("staffing:import-detail", args=[self.pk])

    def mark_undone(self) -> None:
        """Record that the whole import was undone (each kind's ``undo`` restores its records first)."""
        self.status = ImportStatus.UNDONE
        self.undone_at = timezone.now()
        self.save(update_fields=["status", "undone_at"])

    @property
    def in_background(self) -> bool:
        """Whether the preview and commit of this run are jobs on the queue (a long file)."""
        return bool(self.job_state)

    @property
    def job_open(self) -> bool:
        return self.job_state in (ImportJobState.QUEUED, ImportJobState.RUNNING)

    @property
    def job_stale(self) -> bool:
        updated = self.job_updated or self.created
        return self.job_open and updated < timezone.now() - self.STALE_AFTER

    @property
    def can_retry(self) -> bool:
        return self.status == ImportStatus.PREVIEW and (self.job_state == ImportJobState.FAILED or self.job_stale)

    @property
    def percent(self) -> int:
        if self.job_state == ImportJobState.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(99, self.progress_done * 100 // self.progress_total)
