"""Django admin pieces shared by the apps."""

from django import forms
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from integration_admin.core.forms import (
    LocalizedDateField,
    LocalizedDecimalField,
    PlainIntegerField,
    reject_bidi_controls,
)
from integration_admin.core.models import record_change


def admin_body_id(request) -> int | None:
    """The body whose records the admin's user keeps; ``None`` for the installation's administrator."""
    return getattr(request.user, "body_id", None)


class SharedOrOwnAdminMixin:
    """The admin of what the Land shares with every body while a body may add its own (programmes,
    funders, building blocks; ``core.scopes.shared_or_own``): a body's administrator sees both and
    changes only its own; what it adds is its own. The installation's administrator (no body)
    keeps the shared ones."""

    def _own(self, request, obj) -> bool:
        return obj is None or obj.body_id == admin_body_id(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._own(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._own(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.body_id = admin_body_id(request)
        super().save_model(request, obj, form, change)


class OwnBodyAdminMixin:
    """What is not scoped by a manager (bodies, users and their settings): a body's administrator
    sees the rows of its body (``body_path`` leads to it), the installation's administrator all."""

    body_path = "body_id"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        body_id = admin_body_id(request)
        return queryset if body_id is None else queryset.filter(**{self.body_path: body_id})


class RevisionedAdminMixin:
    """A save in the admin counts like a save on the pages (revision + 1): a page form opened
    before it is refused instead of undoing it (integration_admin.core.models.Revisioned)."""

    def save_model(self, request, obj, form, change):
        if change:
            obj.revision += 1
        super().save_model(request, obj, form, change)


class ScopedHistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, whose history pages (a record's history and one of its
    versions) show only a record the admin's own queryset finds, which is scoped to the user's body
    (core.scopes). Every admin with a history derives from it.

    The history tables are not scoped, and ``SimpleHistoryAdmin`` falls back to them for a record
    its queryset does not find (to show a deleted record's history): another body's record would
    show its history there, holders' names included. It is a 404 instead, as its change page is;
    the price is that a deleted record's history is no longer shown in the admin."""

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)

    def _visible_or_404(self, request, object_id) -> None:
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404


class ApprovableAdminMixin:
    """A save in the admin counts like a save on the pages for the four eyes too: the user
    becomes the recorder, and a change of what was approved withdraws the approval
    (:func:`integration_admin.core.models.record_change`). Approving is done on the pages."""

    readonly_fields = ["recorded_by", "recorded_at", "approved_by", "approved_at"]

    def save_model(self, request, obj, form, change):
        record_change(obj, user=request.user)
        super().save_model(request, obj, form, change)


class PlainTextAdminMixin:
    """Text fields in the admin refuse the characters that reverse text direction, and whole
    numbers take only ASCII digits, as on the pages (:func:`integration_admin.core.forms.reject_bidi_controls`,
    :class:`~integration_admin.core.forms.PlainIntegerField`)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.IntegerField) and not db_field.choices:
            kwargs.setdefault("form_class", PlainIntegerField)
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(formfield, forms.CharField) and reject_bidi_controls not in formfield.validators:
            formfield.validators.append(reject_bidi_controls)
        return formfield


class LocalizedAdminMixin:
    """Amounts, rates and dates in the admin are typed as on the pages, in the user's language
    ("57.000,00", "20,5", "01.01.2021" in German): text inputs instead of the browser's number
    inputs, which refuse a German comma (:class:`~integration_admin.core.forms.LocalizedDecimalField`)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DecimalField):
            kwargs.setdefault("form_class", LocalizedDecimalField)
        elif isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
            kwargs.setdefault("form_class", LocalizedDateField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)
