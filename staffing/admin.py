from django.contrib import admin
from django.db.models import F

from integration_admin.core.admin import (
    LocalizedAdminMixin,
    PlainTextAdminMixin,
    RevisionedAdminMixin,
    ScopedHistoryAdmin,
)
from staffing.models import (
    AnnualBonusRate,
    Assignment,
    EmployerContributionRate,
    Organisation,
    PayGrade,
    PayGradeGroup,
    PayTableEntry,
    Position,
)
from staffing.services import refresh_costs, refresh_every_body_costs


class RefreshCostsAdminMixin:
    """Pay data feed the stored position costs: recompute every body's after every change here
    (the pay data are the Land's, shared by every body)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        refresh_every_body_costs()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        refresh_every_body_costs()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        refresh_every_body_costs()


@admin.register(Organisation)
class OrganisationAdmin(PlainTextAdminMixin, RevisionedAdminMixin, admin.ModelAdmin):
    list_display = ["short_name", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["short_name", "name"]


class AssignmentInline(PlainTextAdminMixin, admin.TabularInline):
    model = Assignment
    fields = ["holder_name", "fte_share", "start", "end"]
    extra = 0


@admin.register(Position)
class PositionAdmin(PlainTextAdminMixin, RevisionedAdminMixin, ScopedHistoryAdmin):
    list_display = ["title", "building_block", "organisation", "fte", "pay_grade", "status", "start", "end"]
    list_filter = ["building_block__programme", "organisation", "status", "fixed_term"]
    list_select_related = ["building_block__programme", "organisation", "pay_grade"]
    search_fields = ["title", "assignments__holder_name"]
    inlines = [AssignmentInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        refresh_costs(positions=Position.objects.filter(pk=obj.pk))


@admin.register(Assignment)
class AssignmentAdmin(PlainTextAdminMixin, RevisionedAdminMixin, ScopedHistoryAdmin):
    list_display = ["holder_name", "position", "fte_share", "start", "end"]
    list_select_related = ["position__organisation"]
    search_fields = ["holder_name"]


@admin.register(PayGradeGroup)
class PayGradeGroupAdmin(PlainTextAdminMixin, RefreshCostsAdminMixin, admin.ModelAdmin):
    list_display = ["name"]


@admin.register(PayGrade)
class PayGradeAdmin(PlainTextAdminMixin, RevisionedAdminMixin, RefreshCostsAdminMixin, admin.ModelAdmin):
    list_display = ["code", "group", "sort_order"]
    list_select_related = ["group"]


@admin.register(PayTableEntry)
class PayTableEntryAdmin(LocalizedAdminMixin, PlainTextAdminMixin, RefreshCostsAdminMixin, admin.ModelAdmin):
    list_display = ["pay_grade", "step", "valid_from", "monthly_amount", "is_illustrative"]
    list_filter = ["pay_grade", "valid_from", "is_illustrative"]
    list_select_related = ["pay_grade"]

    def save_model(self, request, obj, form, change):
        # the grade's row of the pay table changed: a pay-table page opened before is refused
        PayGrade.objects.filter(pk=obj.pay_grade_id).update(revision=F("revision") + 1)
        super().save_model(request, obj, form, change)


@admin.register(AnnualBonusRate)
class AnnualBonusRateAdmin(LocalizedAdminMixin, PlainTextAdminMixin, RefreshCostsAdminMixin, admin.ModelAdmin):
    list_display = ["year", "group", "rate", "is_illustrative"]
    list_select_related = ["group"]

    def save_model(self, request, obj, form, change):
        # the rates of the year changed: a rates page of that year opened before is refused
        EmployerContributionRate.objects.filter(year=obj.year).update(revision=F("revision") + 1)
        super().save_model(request, obj, form, change)


@admin.register(EmployerContributionRate)
class EmployerContributionRateAdmin(
    LocalizedAdminMixin, PlainTextAdminMixin, RevisionedAdminMixin, RefreshCostsAdminMixin, admin.ModelAdmin
):
    list_display = ["year", "social_insurance_rate", "pension_levy_rate", "is_illustrative"]
