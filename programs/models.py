"""Funders, funding programmes, their building blocks (Förderbausteine) and the blocks' flat rates."""

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from integration_admin.core.db import JoinedText, split_joined
from integration_admin.core.models import Illustrative, Revisioned
from integration_admin.core.scopes import shared_or_own


class Funder(models.Model):
    """A ministry or other body that runs programmes and issues grant decisions."""

    short_name = models.CharField(_("Kurzbezeichnung"), max_length=30, unique=True)
    name = models.CharField(_("Name"), max_length=300)
    website = models.URLField(_("Website"), blank=True)

    body = models.ForeignKey(
        "core.Body",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="own_funders",
        help_text=_("Leer: ein gemeinsamer Eintrag des Landes für alle Gebietskörperschaften."),
    )
    objects = shared_or_own()

    class Meta:
        verbose_name = _("Zuwendungsgeber")
        verbose_name_plural = _("Zuwendungsgeber")
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name


class ProgrammeQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date) -> "ProgrammeQuerySet":
        return self.filter(Q(start__isnull=True) | Q(start__lte=day), Q(end__isnull=True) | Q(end__gte=day))

    def with_funder_names(self) -> "ProgrammeQuerySet":
        """Annotate ``funder_names``, the funders' short names joined (see :func:`funder_short_names`).

        The lists show only the names: joined in the programme query, not prefetched in a second one.
        """
        annotated = self.annotate(funder_names=JoinedText("funders__short_name"))
        # A grouped query ignores Meta.ordering: keep the programmes' order explicitly.
        return annotated if self.query.order_by else annotated.order_by(*self.model._meta.ordering)


def funder_short_names(programme: "Programme") -> list[str]:
    """The short names of the programme's funders, sorted; from ``funder_names`` where annotated."""
    if hasattr(programme, "funder_names"):
        return split_joined(programme.funder_names)
    return sorted((funder.short_name for funder in programme.funders.all()), key=str.casefold)


class Programme(models.Model):
    """A funding programme (Förderprogramm) of the Land, e.g. KIM or Durchstarten."""

    name = models.CharField(_("Name"), max_length=300)
    short_name = models.CharField(_("Kurzbezeichnung"), max_length=60, unique=True)
    joint_initiative = models.CharField(
        _("gemeinsame Initiative"),
        max_length=300,
        blank=True,
        help_text=_("Initiative, mit der das Programm gemeinsam auftritt, z. B. „Gemeinsam klappt’s“."),
    )
    funders = models.ManyToManyField(Funder, verbose_name=_("Zuwendungsgeber"), related_name="programmes")
    target_group = models.CharField(_("Zielgruppe"), max_length=500, blank=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    start = models.DateField(_("Beginn"), null=True, blank=True)
    end = models.DateField(_("Ende"), null=True, blank=True)
    website = models.URLField(_("Website"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    body = models.ForeignKey(
        "core.Body",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="own_programmes",
        help_text=_("Leer: ein gemeinsamer Eintrag des Landes für alle Gebietskörperschaften."),
    )
    objects = shared_or_own("body", ProgrammeQuerySet)

    class Meta:
        verbose_name = _("Förderprogramm")
        verbose_name_plural = _("Förderprogramme")
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(start__lte=F("end")),
                name="programme_period_ordered",
                violation_error_message=_("Das Ende des Programms liegt vor seinem Beginn."),
            ),
        ]

    def __str__(self) -> str:
        return self.short_name

    def get_absolute_url(self) -> str:
        return reverse("programme-detail", args=[self.pk])


class GuidelineStatus(models.TextChoices):
    EXPECTED = "expected", _("erwartet")
    DRAFT = "draft", _("im Entwurf")
    IN_FORCE = "in_force", _("in Kraft")


class BuildingBlock(models.Model):
    """A building block (Baustein) of a programme: what it pays for and under which guideline."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("Förderprogramm"), on_delete=models.CASCADE, related_name="building_blocks"
    )
    number = models.PositiveSmallIntegerField(_("Nummer"))
    title = models.CharField(_("Titel"), max_length=300)
    short_title = models.CharField(
        _("Kurztitel"), max_length=80, blank=True, help_text=_("Für Tabellen, z. B. „Case-Management“.")
    )
    description = models.TextField(_("Beschreibung"), blank=True)
    delivering_organisation = models.ForeignKey(
        "staffing.Organisation",
        verbose_name=_("umsetzende Organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delivered_blocks",
        help_text=_("Wer die Maßnahmen des Bausteins durchführt, z. B. die VHS."),
    )
    guideline_status = models.CharField(
        _("Stand der Förderrichtlinie"),
        max_length=20,
        choices=GuidelineStatus.choices,
        default=GuidelineStatus.IN_FORCE,
    )
    guideline_expected_on = models.DateField(
        _("Richtlinie erwartet im"),
        null=True,
        blank=True,
        help_text=_("Monat, in dem die endgültige Richtlinie erwartet wird."),
    )
    guideline_note = models.CharField(_("Hinweis zur Richtlinie"), max_length=500, blank=True)

    body = models.ForeignKey(
        "core.Body",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="own_building_blocks",
        help_text=_("Leer: ein gemeinsamer Eintrag des Landes für alle Gebietskörperschaften."),
    )
    objects = shared_or_own()

    class Meta:
        verbose_name = _("Baustein")
        verbose_name_plural = _("Bausteine")
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="building_block_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="building_block_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.short_name} – {_('Baustein')} {self.number}: {self.display_title}"

    def get_absolute_url(self) -> str:
        return self.programme.get_absolute_url() + f"#baustein-{self.number}"

    @property
    def display_title(self) -> str:
        return self.short_title or self.title

    def guideline_text(self) -> str:
        """ "im Entwurf, erwartet September 2020": the state of the block's guideline."""
        text = self.get_guideline_status_display()
        if self.guideline_expected_on:
            text += f", {_('erwartet')} {date_format(self.guideline_expected_on, 'F Y')}"
        return text


class FlatRate(Revisioned, Illustrative):
    """A flat rate per FTE and year for a building block (Fachbezogene Pauschale); data, not code."""

    building_block = models.ForeignKey(
        BuildingBlock, verbose_name=_("Baustein"), on_delete=models.CASCADE, related_name="flat_rates"
    )
    year = models.PositiveSmallIntegerField(_("Jahr"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    amount_per_fte = models.DecimalField(
        _("Pauschale je VZÄ und Jahr"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Pauschale")
        verbose_name_plural = _("Pauschalen")
        ordering = ["building_block", "year"]
        constraints = [
            models.UniqueConstraint(fields=["building_block", "year"], name="flat_rate_unique"),
            models.CheckConstraint(condition=Q(amount_per_fte__gte=0), name="flat_rate_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.building_block} {self.year}"

    def get_absolute_url(self) -> str:
        return self.building_block.get_absolute_url()
