"""Who may do what (SECURITY.md): the rules live on the user model, the views ask through these mixins.

- Everyone logged in reads the figures (the LoginRequiredMiddleware in settings refuses anonymous
  users everywhere except the login page and the public OParl interface, whose views are
  ``login_not_required``).
- Need to know: holders' names and non-public council papers and minutes only for those entitled
  (``User.can_read_holders``, ``User.holder_organisation_ids``, ``User.reads_everything`` and the
  ``readable_by(user)`` QuerySet methods of assignments, reports and agenda items); each view
  applies them in its queryset, so a record one may not read is a 404 (its existence is not revealed).
- A caseworker creates and changes only records of their own organisation.
- Only the administrator changes grant decisions and what hangs on them.

A logged-in user who may not do something gets 403 (never a redirect to the login page).
"""

from django.contrib.auth.mixins import UserPassesTestMixin
from django.core.exceptions import PermissionDenied


class AdministratorRequiredMixin(UserPassesTestMixin):
    """Views that change grant decisions, rates and other administrator-only data."""

    raise_exception = True

    def test_func(self) -> bool:
        return self.request.user.is_authenticated and self.request.user.is_administrator


class HeadOrAdministratorRequiredMixin(UserPassesTestMixin):
    """Views for the department head (and the administrator), e.g. composing and releasing reports."""

    raise_exception = True

    def test_func(self) -> bool:
        user = self.request.user
        return user.is_authenticated and (user.is_head or user.is_administrator)


class OrganisationEditMixin:
    """For create/update/delete views of records that belong to an organisation.

    ``get_object`` refuses objects of another organisation; ``check_organisation`` is for
    create views and for forms that let the user pick the organisation.
    Subclasses name the path from the object to its organisation id in ``organisation_field``.
    """

    organisation_field = "organisation_id"

    def organisation_of(self, obj) -> int | None:
        value = obj
        for part in self.organisation_field.split("__"):
            value = getattr(value, part)
        return value

    def check_organisation(self, organisation_id: int | None) -> None:
        if not self.request.user.can_change_organisation(organisation_id):
            raise PermissionDenied("Sie dürfen nur Datensätze Ihrer eigenen Organisation ändern.")

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        self.check_organisation(self.organisation_of(obj))
        return obj
