"""Users and their roles.

Three roles (SECURITY.md): a caseworker belongs to one organisation and may change only that
organisation's positions; the department head reads everything; the administrator may do
everything, including grant decisions and the Django admin.

Need to know (reading is a rule too): a caseworker reads the names of their own organisation's
position holders and everyone's figures, not another organisation's holder names; non-public
council papers and minutes only the department head, the administrator and the members of the
committee that deals with them (``Committee.members``). The QuerySets ask these methods:
``AssignmentQuerySet.readable_by``, ``ReportQuerySet.readable_by``, ``AgendaItemQuerySet.readable_by``.
"""

import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from integration_admin.core.scopes import active_body_id


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Sachbearbeitung")
    HEAD = "head", _("Amts-/Dezernatsleitung")
    ADMINISTRATOR = "administrator", _("Administration")
    LAND = "land", _("Landesansicht")


class User(AbstractUser):
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices, default=Role.CASEWORKER)
    organisation = models.ForeignKey(
        "staffing.Organisation",
        verbose_name=_("Organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Für Sachbearbeitung Pflicht: die Organisation, deren Stellen die Person pflegt."),
    )
    body = models.ForeignKey(
        "core.Body",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_(
            "Die Kreis- oder Stadtverwaltung, deren Daten die Person sieht. Leer nur für die Landesansicht "
            "und die Administration der Installation."
        ),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("Benutzer")
        verbose_name_plural = _("Benutzer")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="caseworker") | Q(organisation__isnull=False),
                name="user_caseworker_has_organisation",
                violation_error_message=_("Sachbearbeiterinnen und Sachbearbeiter brauchen eine Organisation."),
            ),
            models.CheckConstraint(
                condition=Q(role="land", body__isnull=True)
                | (~Q(role="land") & (Q(body__isnull=False) | Q(is_superuser=True))),
                name="user_body_by_role",
                violation_error_message=_(
                    "Jede Person gehört zu einer Gebietskörperschaft, außer der Landesansicht (nie) und der "
                    "Administration der Installation."
                ),
            ),
        ]

    def save(self, *args, **kwargs):
        # a user made without a body (by a body's administrator, a command in a body's scope) is
        # of the active scope's body; the Land view's role never has one
        if self.body_id is None and self.role != Role.LAND:
            self.body_id = active_body_id()
        super().save(*args, **kwargs)

    @property
    def is_caseworker(self) -> bool:
        return self.role == Role.CASEWORKER and not self.is_superuser

    @property
    def is_head(self) -> bool:
        return self.role == Role.HEAD and not self.is_superuser

    @property
    def is_land_viewer(self) -> bool:
        """The Land's read-only view across bodies (ministry, district government): figures, no names."""
        return self.role == Role.LAND and not self.is_superuser

    @property
    def is_installation_administrator(self) -> bool:
        """A superuser of no body: creates bodies and their first administrators, sees no body's records."""
        return self.is_superuser and self.body_id is None

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR or self.is_superuser

    @property
    def needs_second_factor(self) -> bool:
        """Privileged users sign in with a second factor (integration_admin.mfa, settings.MFA_REQUIRED):
        the administrator role, superusers and everyone who may open the Django admin (staff)."""
        return self.is_administrator or self.is_staff

    @property
    def second_factor_pending(self) -> bool:
        """Must this user still enter a code in this session before using the application?

        ``is_verified`` is set on the request's user by django-otp's OTPMiddleware; a user object
        without it (not from a request) counts as not verified.
        """
        is_verified = getattr(self, "is_verified", None)
        return settings.MFA_REQUIRED and self.needs_second_factor and not (is_verified and is_verified())

    def can_change_organisation(self, organisation_id: int | None) -> bool:
        """May this user create or change records that belong to ``organisation_id``?"""
        if self.is_administrator:
            return True
        return self.is_caseworker and organisation_id is not None and organisation_id == self.organisation_id

    @property
    def reads_everything(self) -> bool:
        """The department head and the administrator read every holder's name and every non-public record."""
        return self.is_head or self.is_administrator

    def holder_organisation_ids(self) -> list[int] | None:
        """The organisations whose holders' names this user may read; ``None``: every organisation's."""
        if self.reads_everything:
            return None
        return [self.organisation_id] if self.is_caseworker and self.organisation_id is not None else []

    def can_read_holders(self, organisation_id: int | None) -> bool:
        """May this user read the names of the people holding positions of ``organisation_id``?"""
        readable = self.holder_organisation_ids()
        return readable is None or (organisation_id is not None and organisation_id in readable)

    def can_approve(self) -> bool:
        """May this user be the second person who approves a record (four eyes)? The administrator
        and the department head; never for a record they recorded themselves (core.models.approve)."""
        return self.is_active and (self.is_administrator or self.is_head)

    def can_change_grants(self) -> bool:
        """Only the administrator changes grant decisions and everything attached to them."""
        return self.is_administrator


class SavedFilter(models.Model):
    """A filter of a list that a user saved under a name of their own, to open it again in one click.

    ``list_name`` is the list's URL name (one of :data:`SAVED_FILTER_LISTS`), ``query`` the query
    string of the filter as the list's form sent it (without page or export).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Benutzer/in"), on_delete=models.CASCADE, related_name="saved_filters"
    )
    list_name = models.CharField(_("Liste"), max_length=50)
    query = models.CharField(_("Filter"), max_length=1000)
    label = models.CharField(_("Bezeichnung"), max_length=100)
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)

    class Meta:
        verbose_name = _("gespeicherter Filter")
        verbose_name_plural = _("gespeicherte Filter")
        ordering = ["label", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "list_name", "label"], name="saved_filter_label_unique_per_list"),
            models.CheckConstraint(condition=~Q(label=""), name="saved_filter_label_not_empty"),
        ]

    def __str__(self) -> str:
        return self.label


# Reminder days: whole days, 0 to a year, at most ten of them ("30, 7, 1").
REMINDER_MAX_DAY = 365
REMINDER_MAX_DAYS = 10
REMINDER_DAYS_PATTERN = re.compile(r"\s*\d{1,3}\s*(,\s*\d{1,3}\s*)*,?\s*")


def parse_reminder_days(value: str) -> list[int]:
    """ "30, 7, 1" -> [30, 7, 1] (largest first, each once); "" -> []. German messages for anything else."""
    if not value.strip():
        return []
    if not value.isascii() or not REMINDER_DAYS_PATTERN.fullmatch(value):
        raise ValidationError(
            _("Bitte ganze Tage als Ziffern angeben, durch Kommas getrennt, z. B. „30, 7, 1“."), code="invalid"
        )
    days = sorted({int(part) for part in value.split(",") if part.strip()}, reverse=True)
    if days[0] > REMINDER_MAX_DAY:
        raise ValidationError(
            _("Höchstens %(max)s Tage: %(day)s ist zu groß."),
            code="too_large",
            params={"max": REMINDER_MAX_DAY, "day": days[0]},
        )
    if len(days) > REMINDER_MAX_DAYS:
        raise ValidationError(
            _("Bitte höchstens %(max)s Tage angeben."), code="too_many", params={"max": REMINDER_MAX_DAYS}
        )
    return days


def format_reminder_days(days: list[int]) -> str:
    return ", ".join(str(day) for day in days)


def validate_reminder_days(value: str) -> None:
    parse_reminder_days(value)


class ReminderPreference(models.Model):
    """A user's choice of e-mail reminders: on or off, and on which days before and after a deadline.

    Users without a row get the defaults (on; 30, 7 and 1 days before, 1 and 7 days after), as far
    as they have an e-mail address (integration_admin.reminders).
    """

    DEFAULT_BEFORE = "30, 7, 1"
    DEFAULT_AFTER = "1, 7"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Benutzer/in"),
        on_delete=models.CASCADE,
        related_name="reminder_preference",
    )
    enabled = models.BooleanField(_("Erinnerungen per E-Mail"), default=True)
    days_before = models.CharField(
        _("Tage vor der Frist"),
        max_length=60,
        blank=True,
        default=DEFAULT_BEFORE,
        validators=[validate_reminder_days],
        help_text=_("Ganze Tage, durch Kommas getrennt, z. B. „30, 7, 1“; 0 ist der Tag der Frist selbst."),
    )
    days_after = models.CharField(
        _("Tage nach der Frist"),
        max_length=60,
        blank=True,
        default=DEFAULT_AFTER,
        validators=[validate_reminder_days],
        help_text=_("Solange die Frist offen ist, z. B. „1, 7“."),
    )
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Erinnerungseinstellung")
        verbose_name_plural = _("Erinnerungseinstellungen")

    def __str__(self) -> str:
        return str(self.user)

    @classmethod
    def of(cls, user) -> "ReminderPreference":
        """The user's saved preference, or the defaults (not saved yet)."""
        try:
            return user.reminder_preference
        except cls.DoesNotExist:
            return cls(user=user)

    def before(self) -> list[int]:
        return parse_reminder_days(self.days_before)

    def after(self) -> list[int]:
        return parse_reminder_days(self.days_after)


class ReminderDigest(models.Model):
    """A day's reminders of a user were worked out (``items`` > 0: the one e-mail they got that day).

    Written in the transaction that sends the mail, so the unique constraint lets a second run
    (the job and the timer, or either twice) send nothing; a day without a row was missed and is
    caught up by the next digest (``integration_admin.reminders``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Benutzer/in"),
        on_delete=models.CASCADE,
        related_name="reminder_digests",
    )
    day = models.DateField(_("Tag"))
    sent_at = models.DateTimeField(_("gesendet"), auto_now_add=True)
    items = models.PositiveIntegerField(_("Fristen"), default=0, help_text=_("0: nichts fällig, keine E-Mail"))

    class Meta:
        verbose_name = _("Erinnerungslauf")
        verbose_name_plural = _("Erinnerungsläufe")
        ordering = ["-day", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="reminder_digest_one_per_user_and_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.day:%d.%m.%Y}"
