"""Committees, their meetings and the agenda items of a meeting (OParl Organization, Meeting, AgendaItem)."""

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Committee(models.Model):
    """A council committee (Gremium), e.g. the Kreisausschuss."""

    name = models.CharField(_("Name"), max_length=200, unique=True)
    short_name = models.CharField(_("Kurzbezeichnung"), max_length=60, blank=True)
    classification = models.CharField(
        _("Art"), max_length=60, default="Ausschuss", help_text=_("Z. B. Ausschuss, Kreistag, Beirat.")
    )
    sort_order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Gremium")
        verbose_name_plural = _("Gremien")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("meetings:committee-detail", args=[self.pk])


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("geplant")
    INVITED = "invited", _("eingeladen")
    HELD = "held", _("durchgeführt")


class MeetingQuerySet(models.QuerySet):
    def upcoming(self) -> "MeetingQuerySet":
        return self.filter(start__gte=timezone.now(), cancelled=False)


class Meeting(models.Model):
    """A session of a committee (Sitzung) on a day, at a place."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("Gremium"), on_delete=models.PROTECT, related_name="meetings"
    )
    start = models.DateTimeField(_("Beginn"))
    end = models.DateTimeField(_("Ende"), null=True, blank=True)
    location = models.CharField(_("Ort"), max_length=300, blank=True)
    state = models.CharField(_("Stand"), max_length=20, choices=MeetingState.choices, default=MeetingState.PLANNED)
    cancelled = models.BooleanField(_("abgesagt"), default=False)
    is_illustrative = models.BooleanField(
        _("illustrative Angaben"),
        default=False,
        help_text=_("Beispielwerte (z. B. Uhrzeit oder Ort), die nicht aus einem echten Dokument stammen."),
    )
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    objects = MeetingQuerySet.as_manager()

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
        return f"{self.committee} {_('am')} {timezone.localtime(self.start):%d.%m.%Y}"

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting-detail", args=[self.pk])

    @property
    def name(self) -> str:
        """ "Kreisausschuss, Sitzung am 25.08.2020" (a genitive "des Kreisausschusses" needs grammar)."""
        return f"{self.committee.name}, {_('Sitzung am')} {self.local_start:%d.%m.%Y}"

    @property
    def local_start(self):
        return timezone.localtime(self.start)


class AgendaItem(models.Model):
    """An item on a meeting's agenda (Tagesordnungspunkt, TOP) and, after the meeting, its result."""

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
    is_illustrative = models.BooleanField(
        _("illustrative Angaben"),
        default=False,
        help_text=_("Beispielwerte (z. B. die TOP-Nummer), die nicht aus einem echten Dokument stammen."),
    )
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

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
        return reverse("meetings:agendaitem-detail", args=[self.pk])

    @property
    def has_votes(self) -> bool:
        return any(v is not None for v in (self.votes_yes, self.votes_no, self.votes_abstain))

    @property
    def citation(self) -> str:
        """How a paper cites it: "Kreisausschuss, 04.02.2020, TOP 6"."""
        return f"{self.meeting.committee.name}, {self.meeting.local_start:%d.%m.%Y}, {_('TOP')} {self.number}"
