from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from integration_admin.core.admin import PlainTextAdminMixin
from integration_admin.models import ReminderDigest, ReminderPreference, User

admin.site.site_header = _("Integrationsverwaltung")
admin.site.site_title = _("Integrationsverwaltung")
admin.site.index_title = _("Verwaltung der Stammdaten")


@admin.register(User)
class UserAdmin(PlainTextAdminMixin, BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "organisation", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    list_select_related = ["organisation"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Rolle"), {"fields": ["role", "organisation"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("Rolle"), {"fields": ["role", "organisation"]}),
    ]


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(PlainTextAdminMixin, SimpleHistoryAdmin):
    list_display = ["user", "enabled", "days_before", "days_after", "modified"]
    list_filter = ["enabled"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(ReminderDigest)
class ReminderDigestAdmin(admin.ModelAdmin):
    """The log of reminder runs per user and day, read only: a row is what stops a second digest that
    day (0 items: nothing was due, no e-mail)."""

    list_display = ["day", "user", "items", "sent_at"]
    list_filter = ["day"]
    list_select_related = ["user"]
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
