from django.contrib import admin

from integration_admin.core.admin import PlainTextAdminMixin
from programs.models import BuildingBlock, Funder, Programme


@admin.register(Funder)
class FunderAdmin(PlainTextAdminMixin, admin.ModelAdmin):
    list_display = ["short_name", "name"]
    search_fields = ["short_name", "name"]


class BuildingBlockInline(PlainTextAdminMixin, admin.TabularInline):
    model = BuildingBlock
    fields = ["number", "title", "short_title", "delivering_organisation", "guideline_status", "guideline_expected_on"]
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(PlainTextAdminMixin, admin.ModelAdmin):
    list_display = ["short_name", "name", "start", "end"]
    search_fields = ["short_name", "name"]
    filter_horizontal = ["funders"]
    inlines = [BuildingBlockInline]


@admin.register(BuildingBlock)
class BuildingBlockAdmin(PlainTextAdminMixin, admin.ModelAdmin):
    list_display = ["programme", "number", "title", "guideline_status", "delivering_organisation"]
    list_filter = ["programme", "guideline_status"]
    list_select_related = ["programme", "delivering_organisation"]
    search_fields = ["title", "short_title"]
