"""The council's records: committees, meetings, agenda items and reports as council papers.

- Committees, their meetings and the agenda items of a meeting (OParl Organization, Meeting,
  AgendaItem).
- Reports to committees as council papers (Vorlagen; OParl Paper, Consultation, File). A report is a
  draft while the department head writes it: its figures come live from the data. Releasing it
  (:func:`integration_admin.council.services.release_report`) assigns the paper number
  ("0123/2020", from :class:`PaperCounter`), freezes figures and text in ``snapshot`` and stores the
  PDF with its checksums in :class:`ReportFile`. From then on the report is never edited; it can
  only be followed by a supplement ("0123/2020/1"), a new report that ``supplements`` it.
- Long PDFs made by the task queue (:class:`ReportJob`).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from integration_admin.core.models import BodyOwned, HasDocuments, Illustrative, Revisioned
from integration_admin.core.scopes import body_scoped


class Committee(Revisioned, BodyOwned):
    """A council committee (Gremium), e.g. the Kreisausschuss."""

    name = models.CharField(_("Name"), max_length=200)
    short_name = models.CharField(_("Kurzbezeichnung"), max_length=60, blank=True)
    classification = models.CharField(
        _("Art"), max_length=60, default="Ausschuss", help_text=_("Z. B. Ausschuss, Kreistag, Beirat.")
    )
    sort_order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Mitglieder"),
        blank=True,
        related_name="committees",
        help_text=_(
            "Benutzer, die als Mitglieder des Gremiums dessen nichtöffentliche Vorlagen und Niederschriften lesen."
        ),
    )
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    body = models.ForeignKey(
        "core.Body",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="committees",
    )
    objects = body_scoped()

    class Meta:
        verbose_name = _("Gremium")
        verbose_name_plural = _("Gremien")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "name"],
                name="committee_name_unique_per_body",
                violation_error_message=_("Ein Gremium dieses Namens gibt es schon."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("council:committee-detail", args=[self.pk])


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("geplant")
    INVITED = "invited", _("eingeladen")
    HELD = "held", _("durchgeführt")


class MeetingQuerySet(models.QuerySet):
    def upcoming(self) -> "MeetingQuerySet":
        return self.filter(start__gte=timezone.now(), cancelled=False)

    def with_item_count(self, user) -> "MeetingQuerySet":
        """Annotate ``item_count``: the agenda items ``user`` may read (one subquery, no query per row)."""
        items = (
            AgendaItem.objects.readable_by(user)
            .filter(meeting=OuterRef("pk"))
            .order_by()
            .values("meeting")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(item_count=Coalesce(Subquery(items, output_field=models.IntegerField()), 0))


class Meeting(Revisioned, Illustrative):
    """A session of a committee (Sitzung) on a day, at a place."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("Gremium"), on_delete=models.PROTECT, related_name="meetings"
    )
    start = models.DateTimeField(_("Beginn"))
    end = models.DateTimeField(_("Ende"), null=True, blank=True)
    location = models.CharField(_("Ort"), max_length=300, blank=True)
    state = models.CharField(_("Stand"), max_length=20, choices=MeetingState.choices, default=MeetingState.PLANNED)
    cancelled = models.BooleanField(_("abgesagt"), default=False)
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    objects = body_scoped("committee__body", MeetingQuerySet)

    class Meta:
        verbose_name = _("Sitzung")
        verbose_name_plural = _("Sitzungen")
        ordering = ["-start", "committee__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="meeting_end_after_start",
                violation_error_message=_("Das Ende der Sitzung liegt vor ihrem Beginn."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee} {_('am')} {date_format(timezone.localtime(self.start), 'SHORT_DATE_FORMAT')}"

    def get_absolute_url(self) -> str:
        return reverse("council:meeting-detail", args=[self.pk])

    @property
    def name(self) -> str:
        """ "Kreisausschuss, Sitzung am 25.08.2020" (a genitive "des Kreisausschusses" needs grammar)."""
        return f"{self.committee.name}, {_('Sitzung am')} {date_format(self.local_start, 'SHORT_DATE_FORMAT')}"

    @property
    def local_start(self):
        return timezone.localtime(self.start)


class AgendaItemQuerySet(models.QuerySet):
    def readable_by(self, user) -> "AgendaItemQuerySet":
        """Need to know: public items for everyone; a non-public item (its title, result and minutes)
        only for the department head, the administrator and the members of the meeting's committee."""
        if user.reads_everything:
            return self
        member = Committee.members.through.objects.filter(committee_id=OuterRef("meeting__committee_id"), user=user)
        return self.filter(Q(public=True) | Exists(member))


class AgendaItem(Revisioned, Illustrative):
    """An item on a meeting's agenda (Tagesordnungspunkt, TOP) and, after the meeting, its result.

    A non-public item (``public`` off) is read only by those :meth:`AgendaItemQuerySet.readable_by` lets.
    """

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("Sitzung"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    number = models.CharField(_("TOP"), max_length=20, help_text=_("Wie auf der Tagesordnung, z. B. 6 oder 6.1."))
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    title = models.CharField(_("Betreff"), max_length=500)
    public = models.BooleanField(_("öffentlich"), default=True)
    result = models.CharField(
        _("Ergebnis"),
        max_length=200,
        blank=True,
        help_text=_("Z. B. „zur Kenntnis genommen“, „ungeändert beschlossen“."),
    )
    votes_yes = models.PositiveSmallIntegerField(_("Ja-Stimmen"), null=True, blank=True)
    votes_no = models.PositiveSmallIntegerField(_("Nein-Stimmen"), null=True, blank=True)
    votes_abstain = models.PositiveSmallIntegerField(_("Enthaltungen"), null=True, blank=True)
    minutes = models.TextField(_("Niederschrift"), blank=True, help_text=_("Text der Niederschrift zu diesem Punkt."))
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    objects = body_scoped("meeting__committee__body", AgendaItemQuerySet)

    class Meta:
        verbose_name = _("Tagesordnungspunkt")
        verbose_name_plural = _("Tagesordnungspunkte")
        ordering = ["meeting", "order", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"],
                name="agenda_item_number_unique",
                violation_error_message=_("Diese TOP-Nummer gibt es in der Sitzung schon."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}, {_('TOP')} {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("council:agendaitem-detail", args=[self.pk])

    @property
    def has_votes(self) -> bool:
        return any(v is not None for v in (self.votes_yes, self.votes_no, self.votes_abstain))

    @property
    def citation(self) -> str:
        """How a paper cites it: "Kreisausschuss, 04.02.2020, TOP 6"."""
        day = date_format(self.meeting.local_start, "SHORT_DATE_FORMAT")
        return f"{self.meeting.committee.name}, {day}, {_('TOP')} {self.number}"


class PaperType(models.TextChoices):
    NOTICE = "notice", _("Mitteilungsvorlage")
    ADMINISTRATION_REPORT = "administration_report", _("Bericht der Verwaltung")
    RESOLUTION = "resolution", _("Beschlussvorlage")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    RELEASED = "released", _("freigegeben")


class ReportQuerySet(models.QuerySet):
    def released(self) -> "ReportQuerySet":
        return self.filter(status=ReportStatus.RELEASED)

    def drafts(self) -> "ReportQuerySet":
        return self.filter(status=ReportStatus.DRAFT)

    def published(self) -> "ReportQuerySet":
        """Released public papers: what the OParl interface shows."""
        return self.released().filter(public=True)

    def readable_by(self, user) -> "ReportQuerySet":
        """Need to know: public papers for everyone logged in; a non-public paper only for the
        department head, the administrator and the members of a committee in its Beratungsfolge."""
        if user.reads_everything:
            return self
        member = Consultation.objects.filter(report=OuterRef("pk"), committee__members=user)
        return self.filter(Q(public=True) | Exists(member))


class Report(Revisioned, BodyOwned, Illustrative, HasDocuments):
    """A council paper (Vorlage) that the department head writes for a committee session."""

    # What the department head writes (the report form's fields); a supplement starts as a copy of them.
    PAPER_FIELDS = (
        "title", "paper_type", "date", "public", "lead_office", "author", "phone", "file_reference",
        "related_agenda_item", "reference_note", "proposal", "finance_text", "attachments", "signature_prefix",
        "signatory_name", "signatory_title",
    )  # fmt: skip

    title = models.CharField(_("Betreff"), max_length=500)
    paper_type = models.CharField(_("Vorlagenart"), max_length=30, choices=PaperType.choices, default=PaperType.NOTICE)
    date = models.DateField(_("Datum"))
    public = models.BooleanField(_("öffentlich"), default=True)
    lead_office = models.ForeignKey(
        "staffing.Organisation",
        verbose_name=_("Federführung"),
        on_delete=models.PROTECT,
        related_name="lead_reports",
        help_text=_("Das federführende Amt, z. B. das Kommunale Integrationszentrum."),
    )
    author = models.CharField(_("Verfasser/in"), max_length=200, blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    file_reference = models.CharField(_("Aktenzeichen"), max_length=100, blank=True)
    related_agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("Bezug: früherer Beschluss"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_up_reports",
        help_text=_(
            "Der Tagesordnungspunkt, auf den sich die Vorlage bezieht, z. B. Kreisausschuss 04.02.2020, TOP 6."
        ),
    )
    reference_note = models.CharField(
        _("Bezug (Freitext)"),
        max_length=500,
        blank=True,
        help_text=_("Ergänzend oder statt des Tagesordnungspunkts, z. B. ein Schreiben des Ministeriums."),
    )
    proposal = models.TextField(
        _("Beschlussvorschlag"),
        blank=True,
        help_text=_("Leer lassen bei einem Bericht: dann steht dort „Der Bericht wird zur Kenntnis genommen.“"),
    )
    finance_text = models.TextField(_("Finanzielle Auswirkungen (Text)"), blank=True)
    attachments = models.TextField(_("Anlagen"), blank=True, help_text=_("Eine Anlage je Zeile."))
    signature_prefix = models.CharField(
        _("Zeichnungszusatz"), max_length=60, blank=True, default="In Vertretung", help_text=_("Z. B. „In Vertretung“.")
    )
    signatory_name = models.CharField(_("Unterzeichnet von"), max_length=200, blank=True)
    signatory_title = models.CharField(_("Funktion"), max_length=200, blank=True)
    supplements = models.ForeignKey(
        "self",
        verbose_name=_("Ergänzung zu"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supplement_reports",
    )

    # Set once, when the report is released (services.release_report); never changed afterwards.
    status = models.CharField(
        _("Status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT, editable=False
    )
    reference = models.CharField(_("Vorlagen-Nr."), max_length=30, null=True, editable=False)
    reference_year = models.PositiveSmallIntegerField(_("Jahr der Vorlagen-Nr."), null=True, editable=False)
    reference_number = models.PositiveIntegerField(_("laufende Nummer"), null=True, editable=False)
    supplement_number = models.PositiveSmallIntegerField(_("Nummer der Ergänzung"), null=True, editable=False)
    released_at = models.DateTimeField(_("freigegeben am"), null=True, editable=False)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("freigegeben von"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="released_reports",
    )
    snapshot = models.JSONField(_("eingefrorene Angaben"), null=True, editable=False)

    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    body = models.ForeignKey(
        "core.Body",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="reports",
    )
    objects = body_scoped("body", ReportQuerySet)

    class Meta:
        verbose_name = _("Vorlage")
        verbose_name_plural = _("Vorlagen")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status="draft",
                    reference__isnull=True,
                    reference_number__isnull=True,
                    released_at__isnull=True,
                    snapshot__isnull=True,
                )
                | Q(
                    status="released",
                    reference__isnull=False,
                    reference_year__isnull=False,
                    reference_number__isnull=False,
                    released_at__isnull=False,
                    snapshot__isnull=False,
                ),
                name="report_released_is_complete",
            ),
            models.UniqueConstraint(fields=["body", "reference"], name="report_reference_unique_per_body"),
            models.UniqueConstraint(
                fields=["body", "reference_year", "reference_number"],
                condition=Q(supplement_number__isnull=True),
                name="report_number_unique_per_year",
            ),
            models.UniqueConstraint(
                fields=["supplements", "supplement_number"],
                condition=Q(supplement_number__isnull=False),
                name="report_supplement_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(supplement_number__isnull=True) | Q(supplements__isnull=False),
                name="report_supplement_number_needs_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("council:report-detail", args=[self.pk])

    def documents_readable_by(self, user) -> bool:
        """A paper's documents (scans, enclosures) are read by whoever may read the paper."""
        return user.is_authenticated and Report.objects.readable_by(user).filter(pk=self.pk).exists()

    def documents_changeable_by(self, user) -> bool:
        """Uploaded and deleted by those who compose papers (also to a released one: its documents
        are no part of the published paper)."""
        return user.is_authenticated and (user.is_head or user.is_administrator)

    @property
    def is_released(self) -> bool:
        return self.status == ReportStatus.RELEASED

    @property
    def display_reference(self) -> str:
        return self.reference or str(_("Entwurf"))

    @property
    def pdf_file_name(self) -> str:
        name = (self.reference or f"Entwurf-{self.pk}").replace("/", "-")
        return f"Vorlage-{name}.pdf"

    def supplemented_report_for(self, user) -> "Report | None":
        """The report this one supplements, if ``user`` may read it (:meth:`ReportQuerySet.readable_by`);
        otherwise None: a supplement to a paper the user may not read names no more of it."""
        if self.supplements_id is None:
            return None
        if not Report.objects.readable_by(user).filter(pk=self.supplements_id).exists():
            return None
        return self.supplements


class ReportSection(Revisioned):
    """A numbered section of the Sachverhalt: the department head's text and, optionally, a programme.

    A section with a programme shows that programme's figures (blocks, positions, decisions)
    after the text; a section without one is text only (e.g. "Bericht über die Tätigkeit ...").
    The sections' order is the order of the programmes in the report.
    """

    report = models.ForeignKey(Report, verbose_name=_("Vorlage"), on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    heading = models.CharField(_("Überschrift"), max_length=300)
    programme = models.ForeignKey(
        "programs.Programme",
        verbose_name=_("Förderprogramm"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_sections",
        help_text=_("Mit Programm zeigt der Abschnitt dessen Bausteine, Stellen und Bescheide aus den Daten."),
    )
    text = models.TextField(_("Text"), blank=True, help_text=_("Absätze durch eine Leerzeile trennen."))
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    objects = body_scoped("report__body")

    class Meta:
        verbose_name = _("Abschnitt")
        verbose_name_plural = _("Abschnitte")
        ordering = ["report", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "programme"],
                condition=Q(programme__isnull=False),
                name="report_section_programme_unique",
                violation_error_message=_("Dieses Programm hat in der Vorlage schon einen Abschnitt."),
            ),
        ]

    def __str__(self) -> str:
        return self.heading

    def get_absolute_url(self) -> str:
        return self.report.get_absolute_url() + f"#abschnitt-{self.pk}"


class ConsultationRole(models.TextChoices):
    NOTICE = "notice", _("Kenntnisnahme")
    PRELIMINARY = "preliminary", _("Vorberatung")
    DECISION = "decision", _("Entscheidung")


class Consultation(Revisioned):
    """One line of the Beratungsfolge: which committee deals with the paper, in which meeting, how."""

    report = models.ForeignKey(
        Report, verbose_name=_("Vorlage"), on_delete=models.CASCADE, related_name="consultations"
    )
    committee = models.ForeignKey(
        Committee, verbose_name=_("Gremium"), on_delete=models.PROTECT, related_name="consultations"
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("Sitzung"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("Tagesordnungspunkt"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
    )
    role = models.CharField(_("Zuständigkeit"), max_length=20, choices=ConsultationRole.choices)
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    objects = body_scoped("report__body")

    class Meta:
        verbose_name = _("Beratung")
        verbose_name_plural = _("Beratungsfolge")
        ordering = ["report", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "agenda_item"],
                condition=Q(agenda_item__isnull=False),
                name="consultation_agenda_item_unique",
                violation_error_message=_("Die Vorlage steht schon unter diesem Tagesordnungspunkt."),
            ),
            models.CheckConstraint(
                condition=Q(agenda_item__isnull=True) | Q(meeting__isnull=False),
                name="consultation_agenda_item_needs_meeting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee} ({self.get_role_display()})"

    def get_absolute_url(self) -> str:
        return self.report.get_absolute_url() + "#beratungsfolge"

    @property
    def authoritative(self) -> bool:
        return self.role == ConsultationRole.DECISION


class ReportFile(models.Model):
    """The released PDF of a report, kept in the database so that every app server serves the same bytes."""

    report = models.OneToOneField(Report, verbose_name=_("Vorlage"), on_delete=models.PROTECT, related_name="file")
    file_name = models.CharField(_("Dateiname"), max_length=200)
    mime_type = models.CharField(_("MIME-Typ"), max_length=100, default="application/pdf")
    size = models.PositiveIntegerField(_("Größe in Bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    sha512 = models.CharField(_("SHA-512"), max_length=128)
    content = models.BinaryField(_("Inhalt"))
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)

    objects = body_scoped("report__body")

    class Meta:
        verbose_name = _("Datei")
        verbose_name_plural = _("Dateien")

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("council:report-pdf", args=[self.report_id])


class PaperCounter(BodyOwned):
    """The last paper number given out in a year; locked (SELECT ... FOR UPDATE) when a report is released."""

    year = models.PositiveSmallIntegerField(_("Jahr"))
    last_number = models.PositiveIntegerField(_("zuletzt vergebene Nummer"), default=0)

    body = models.ForeignKey(
        "core.Body",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="paper_counters",
    )
    objects = body_scoped()

    class Meta:
        verbose_name = _("Vorlagen-Nummernkreis")
        verbose_name_plural = _("Vorlagen-Nummernkreise")
        constraints = [models.UniqueConstraint(fields=["body", "year"], name="paper_counter_unique_per_body")]

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class ReportJobStatus(models.TextChoices):
    QUEUED = "queued", _("wartet")
    RUNNING = "running", _("läuft")
    DONE = "done", _("fertig")
    FAILED = "failed", _("fehlgeschlagen")


class ReportJobKind(models.TextChoices):
    PRINT = "print", _("PDF eines Entwurfs")
    RELEASE = "release", _("Freigabe")
    EXCERPT = "excerpt", _("Auszug aus der Niederschrift")


class ReportJobQuerySet(models.QuerySet):
    def dead(self) -> "ReportJobQuerySet":
        """Running jobs whose worker has stopped signing life (see :attr:`ReportJob.is_dead`)."""
        now = timezone.now()
        return self.filter(
            Q(heartbeat__lt=now - ReportJob.DEAD_AFTER)
            | Q(heartbeat__isnull=True, modified__lt=now - ReportJob.STALE_AFTER),
            status=ReportJobStatus.RUNNING,
        )

    def claimable(self) -> "ReportJobQuerySet":
        """What a worker may take: queued jobs, and running ones whose worker died."""
        return self.filter(Q(status=ReportJobStatus.QUEUED) | Q(pk__in=ReportJob.objects.dead().values("pk")))

    def retryable(self) -> "ReportJobQuerySet":
        """Failed jobs and jobs nobody works on any more (see :attr:`ReportJob.can_retry`)."""
        waiting_too_long = Q(status=ReportJobStatus.QUEUED, modified__lt=timezone.now() - ReportJob.STALE_AFTER)
        return self.filter(
            Q(status=ReportJobStatus.FAILED) | waiting_too_long | Q(pk__in=ReportJob.objects.dead().values("pk"))
        )

    def open_releases(self) -> "ReportJobQuerySet":
        return self.filter(kind=ReportJobKind.RELEASE, status__in=[ReportJobStatus.QUEUED, ReportJobStatus.RUNNING])

    def visible_to(self, user) -> "ReportJobQuerySet":
        """Need to know: the jobs whose page and PDF ``user`` may see, checked at every look, not
        only when the job was started. A draft's PDF and a release: the department head and the
        administrator (who compose papers), for a report they may read. A minutes excerpt: they
        and the one who started it, only while each may still read the agenda item (someone
        removed from the committee no longer reads its non-public minutes, excerpts included)."""
        excerpt = Q(kind=ReportJobKind.EXCERPT, agenda_item__in=AgendaItem.objects.readable_by(user))
        if not (user.is_head or user.is_administrator):
            return self.filter(excerpt, requested_by=user)
        paper = Q(kind__in=[ReportJobKind.PRINT, ReportJobKind.RELEASE], report__in=Report.objects.readable_by(user))
        return self.filter(excerpt | paper)


class ReportJob(BodyOwned):
    """A PDF made off the request path by the task queue (``council.jobs``).

    Three kinds: the PDF of a long draft, the release of a report (number, frozen snapshot and
    stored file, see ``services.release_report``) and the minutes excerpt of an agenda item. The
    job row is what the user watches: status, progress (pages laid out of the estimated total), a
    German error message, and when done the PDF itself (a release's PDF is the report's
    ``ReportFile``), stored in the database so that any app server can hand it out.

    While a worker runs a job, it writes ``heartbeat`` every few seconds from a thread of its own;
    a running job without a heartbeat for :attr:`DEAD_AFTER` lost its worker (killed, machine
    gone) and can be retried at once.
    """

    # A queued job that no worker has taken for this long: the worker is down.
    STALE_AFTER = datetime.timedelta(minutes=10)
    # How often a running job's worker signs life, and after how long without it the job is dead.
    HEARTBEAT_INTERVAL = datetime.timedelta(seconds=2)
    DEAD_AFTER = datetime.timedelta(seconds=15)

    kind = models.CharField(_("Art"), max_length=20, choices=ReportJobKind.choices, default=ReportJobKind.PRINT)
    report = models.ForeignKey(
        Report, verbose_name=_("Vorlage"), on_delete=models.CASCADE, related_name="jobs", null=True, blank=True
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("Tagesordnungspunkt"),
        on_delete=models.CASCADE,
        related_name="excerpt_jobs",
        null=True,
        blank=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("angefordert von"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="report_jobs",
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=ReportJobStatus.choices, default=ReportJobStatus.QUEUED
    )
    progress_done = models.PositiveIntegerField(_("erledigt"), default=0)
    progress_total = models.PositiveIntegerField(_("geschätzte Seiten"), default=0)
    phase = models.CharField(_("Schritt"), max_length=100, blank=True)
    error = models.TextField(_("Fehlermeldung"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    task_id = models.CharField(_("Auftrags-ID der Warteschlange"), max_length=64, blank=True)
    report_revision = models.PositiveIntegerField(_("Bearbeitungsstand der Vorlage"), default=0)
    page_count = models.PositiveIntegerField(_("Seiten"), null=True, blank=True)
    file_name = models.CharField(_("Dateiname"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("Größe in Bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    content = models.BinaryField(_("Inhalt"), null=True, editable=False)
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)
    started_at = models.DateTimeField(_("begonnen"), null=True, blank=True)
    finished_at = models.DateTimeField(_("beendet"), null=True, blank=True)
    heartbeat = models.DateTimeField(_("letztes Lebenszeichen des Hintergrunddienstes"), null=True, blank=True)

    body = models.ForeignKey(
        "core.Body",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="report_jobs",
    )
    objects = body_scoped("body", ReportJobQuerySet)

    class Meta:
        verbose_name = _("PDF-Auftrag")
        verbose_name_plural = _("PDF-Aufträge")
        ordering = ["-created", "-pk"]
        constraints = [
            # A finished release's PDF is the report's ReportFile; every other finished job holds its PDF.
            models.CheckConstraint(
                condition=~Q(status="done") | Q(kind="release") | Q(content__isnull=False, size__isnull=False),
                name="report_job_done_has_file",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["print", "release"], report__isnull=False, agenda_item__isnull=True)
                | Q(kind="excerpt", report__isnull=True, agenda_item__isnull=False),
                name="report_job_kind_matches_subject",
            ),
            # Releasing twice is refused: one open release per report.
            models.UniqueConstraint(
                fields=["report"],
                condition=Q(kind="release", status__in=["queued", "running"]),
                name="report_job_one_open_release",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.report_id or self.agenda_item_id} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("council:job-detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (ReportJobStatus.DONE, ReportJobStatus.FAILED)

    @property
    def is_dead(self) -> bool:
        """Running, but its worker has not signed life for :attr:`DEAD_AFTER` (killed or gone)."""
        if self.status != ReportJobStatus.RUNNING:
            return False
        if self.heartbeat is None:  # (a job from before heartbeats)
            return self.modified < timezone.now() - self.STALE_AFTER
        return self.heartbeat < timezone.now() - self.DEAD_AFTER

    @property
    def is_stale(self) -> bool:
        """Nobody works on it: its worker died, or no worker has taken it for :attr:`STALE_AFTER`."""
        waiting = self.status == ReportJobStatus.QUEUED and self.modified < timezone.now() - self.STALE_AFTER
        return waiting or self.is_dead

    @property
    def can_retry(self) -> bool:
        return self.status == ReportJobStatus.FAILED or self.is_stale

    @property
    def subject(self):
        """The report or the agenda item the job prints."""
        return self.agenda_item if self.kind == ReportJobKind.EXCERPT else self.report

    @property
    def percent(self) -> int:
        if self.status == ReportJobStatus.DONE:
            return 100
        if not self.progress_total:
            return 0
        # Laying out pages is most of the work; writing the PDF the rest.
        return min(95, round(95 * self.progress_done / self.progress_total))
