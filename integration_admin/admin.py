from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from integration_admin.core.admin import (
    OwnBodyAdminMixin,
    PlainTextAdminMixin,
    RevisionedAdminMixin,
    ScopedHistoryAdmin,
    admin_body_id,
)
from integration_admin.core.models import Body
from integration_admin.models import ReminderDigest, ReminderPreference, Role, User

admin.site.site_header = _("Integrationsverwaltung")
admin.site.site_title = _("Integrationsverwaltung")
admin.site.index_title = _("Verwaltung der Stammdaten")


@admin.register(Body)
class BodyAdmin(OwnBodyAdminMixin, PlainTextAdminMixin, RevisionedAdminMixin, admin.ModelAdmin):
    """Bodies are created by the installation's administrator (a superuser without a body; also
    ``manage.py create_body``); a body's administrator sees and keeps only its own body's letterhead
    data, and cannot add or delete bodies."""

    list_display = ["name", "short_name", "kind", "regierungsbezirk", "head"]
    list_filter = ["kind", "regierungsbezirk"]
    search_fields = ["name", "short_name"]
    fields = ["name", "short_name", "kind", "head", "address", "regierungsbezirk", "paper_number_format"]

    body_path = "pk"

    def has_add_permission(self, request):
        return admin_body_id(request) is None and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return admin_body_id(request) is None and super().has_delete_permission(request, obj)


@admin.register(User)
class UserAdmin(OwnBodyAdminMixin, PlainTextAdminMixin, BaseUserAdmin):
    """A body's administrator manages the users of its body (a new user is of its body); the
    installation's administrator manages everyone and gives each user a body (and the Land view's
    users none)."""

    list_display = ["username", "first_name", "last_name", "role", "body", "organisation", "is_active"]
    list_filter = ["role", "body", "is_active"]
    list_select_related = ["organisation", "body"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Rolle"), {"fields": ["role", "body", "organisation"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("Rolle"), {"fields": ["role", "body", "organisation"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if admin_body_id(request) is None else [*readonly, "body"]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and admin_body_id(request) is not None:
            # the Land view's users belong to no body: only the installation's administrator makes them
            kwargs["choices"] = [choice for choice in Role.choices if choice[0] != Role.LAND]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(OwnBodyAdminMixin, PlainTextAdminMixin, ScopedHistoryAdmin):
    list_display = ["user", "enabled", "days_before", "days_after", "modified"]
    list_filter = ["enabled"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    body_path = "user__body_id"


@admin.register(ReminderDigest)
class ReminderDigestAdmin(OwnBodyAdminMixin, admin.ModelAdmin):
    """The log of reminder runs per user and day, read only: a row is what stops a second digest that
    day (0 items: nothing was due, no e-mail)."""

    list_display = ["day", "user", "items", "sent_at"]
    list_filter = ["day"]
    list_select_related = ["user"]
    date_hierarchy = "day"

    body_path = "user__body_id"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
