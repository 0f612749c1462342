from django.contrib import admin

from integration_admin.core.admin import PlainTextAdminMixin, SharedOrOwnAdminMixin
from programs.models import BuildingBlock, Funder, Programme


@admin.register(Funder)
class FunderAdmin(SharedOrOwnAdminMixin, PlainTextAdminMixin, admin.ModelAdmin):
    list_display = ["short_name", "name", "body"]
    list_filter = [("body", admin.EmptyFieldListFilter)]
    search_fields = ["short_name", "name"]


class BuildingBlockInline(PlainTextAdminMixin, admin.TabularInline):
    model = BuildingBlock
    fields = ["number", "title", "short_title", "delivering_organisation", "guideline_status", "guideline_expected_on"]
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(SharedOrOwnAdminMixin, PlainTextAdminMixin, admin.ModelAdmin):
    list_display = ["short_name", "name", "start", "end", "body"]
    list_filter = [("body", admin.EmptyFieldListFilter)]
    search_fields = ["short_name", "name"]
    filter_horizontal = ["funders"]
    inlines = [BuildingBlockInline]

    def save_formset(self, request, form, formset, change):
        """The building blocks of a body's own programme are its own, as the programme is."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for block in instances:
            if block.pk is None:
                block.body_id = form.instance.body_id
            block.save()
        formset.save_m2m()


@admin.register(BuildingBlock)
class BuildingBlockAdmin(SharedOrOwnAdminMixin, PlainTextAdminMixin, admin.ModelAdmin):
    list_display = ["programme", "number", "title", "guideline_status", "delivering_organisation"]
    list_filter = ["programme", "guideline_status"]
    list_select_related = ["programme", "delivering_organisation"]
    search_fields = ["title", "short_title"]
