from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from integration_admin.core.admin import PlainTextAdminMixin
from integration_admin.models import User

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
