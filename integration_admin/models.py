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

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Sachbearbeitung")
    HEAD = "head", _("Amts-/Dezernatsleitung")
    ADMINISTRATOR = "administrator", _("Administration")


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

    class Meta(AbstractUser.Meta):
        verbose_name = _("Benutzer")
        verbose_name_plural = _("Benutzer")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="caseworker") | Q(organisation__isnull=False),
                name="user_caseworker_has_organisation",
                violation_error_message=_("Sachbearbeiterinnen und Sachbearbeiter brauchen eine Organisation."),
            ),
        ]

    @property
    def is_caseworker(self) -> bool:
        return self.role == Role.CASEWORKER and not self.is_superuser

    @property
    def is_head(self) -> bool:
        return self.role == Role.HEAD and not self.is_superuser

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
