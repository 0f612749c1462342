"""Personnel-cost data (DOMAIN.md section 5): pay grades, the pay table and the employer's cost
factors per year. Data the administrator keeps, never constants in code."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from integration_admin.core.models import Illustrative, Revisioned


class PayGradeGroup(models.Model):
    """Pay grades that share an annual bonus rate, e.g. "E 9a – E 12"."""

    name = models.CharField(_("Bezeichnung"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("Entgeltgruppen-Bereich")
        verbose_name_plural = _("Entgeltgruppen-Bereiche")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PayGrade(Revisioned):
    """A pay grade of the TVöD VKA, e.g. "E 9b", "E 11", "S 12". Its ``revision`` also guards its row
    of the pay table: the master-data page saves a grade's steps under a lock of the grade."""

    code = models.CharField(_("Entgeltgruppe"), max_length=10, unique=True)
    group = models.ForeignKey(
        PayGradeGroup, verbose_name=_("Bereich"), on_delete=models.PROTECT, related_name="pay_grades"
    )
    sort_order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Entgeltgruppe")
        verbose_name_plural = _("Entgeltgruppen")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.code


class PayTableEntry(Illustrative):
    """Monthly pay of one grade and step, valid from a date (pay rounds change it mid-year)."""

    pay_grade = models.ForeignKey(
        PayGrade, verbose_name=_("Entgeltgruppe"), on_delete=models.CASCADE, related_name="pay_table_entries"
    )
    step = models.PositiveSmallIntegerField(_("Stufe"), validators=[MinValueValidator(1), MaxValueValidator(6)])
    valid_from = models.DateField(_("gültig ab"))
    monthly_amount = models.DecimalField(
        _("Monatsentgelt"), max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        verbose_name = _("Entgelttabellen-Eintrag")
        verbose_name_plural = _("Entgelttabelle")
        ordering = ["pay_grade", "step", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["pay_grade", "step", "valid_from"], name="pay_table_entry_unique"),
            models.CheckConstraint(condition=Q(step__gte=1, step__lte=6), name="pay_table_step_range"),
            models.CheckConstraint(condition=Q(monthly_amount__gt=0), name="pay_table_amount_positive"),
        ]

    def __str__(self) -> str:
        return _("%(grade)s Stufe %(step)s ab %(day)s") % {
            "grade": self.pay_grade,
            "step": self.step,
            "day": date_format(self.valid_from, "SHORT_DATE_FORMAT"),
        }


class AnnualBonusRate(Illustrative):
    """Jahressonderzahlung as a percentage of a monthly pay, per year and grade group."""

    year = models.PositiveSmallIntegerField(_("Jahr"))
    group = models.ForeignKey(
        PayGradeGroup, verbose_name=_("Bereich"), on_delete=models.CASCADE, related_name="bonus_rates"
    )
    rate = models.DecimalField(
        _("Satz in %"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("Jahressonderzahlung")
        verbose_name_plural = _("Jahressonderzahlungen")
        ordering = ["-year", "group"]
        constraints = [
            models.UniqueConstraint(fields=["year", "group"], name="bonus_rate_unique"),
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=100), name="bonus_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.group}: {self.rate} %"


class EmployerContributionRate(Revisioned, Illustrative):
    """Employer contributions per year: social insurance and supplementary pension levy. Its
    ``revision`` also guards the year's bonus rates (saved together on the master-data page)."""

    year = models.PositiveSmallIntegerField(_("Jahr"), unique=True)
    social_insurance_rate = models.DecimalField(
        _("Sozialversicherung (Arbeitgeber) in %"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    pension_levy_rate = models.DecimalField(
        _("Zusatzversorgung (Umlage) in %"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("Arbeitgeberanteile")
        verbose_name_plural = _("Arbeitgeberanteile")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(social_insurance_rate__gte=0, social_insurance_rate__lte=100)
                & Q(pension_levy_rate__gte=0, pension_levy_rate__lte=100),
                name="employer_rates_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)
