"""Filters of the meeting and report lists."""

import django_filters
from django.utils.translation import gettext_lazy as _

from integration_admin.core.filters import BaseFilterSet, LocalizedDateFilter
from integration_admin.core.text import contains_words
from integration_admin.council.models import Committee, Meeting, MeetingState, PaperType, Report, ReportStatus

REPORT_SEARCH_FIELDS = ("title", "reference")  # every word in one of them (as the global search)


class CommitteeFilter(BaseFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Name"), max_length=200)

    class Meta(BaseFilterSet.Meta):
        model = Committee
        fields = ["name"]


class MeetingFilter(BaseFilterSet):
    committee = django_filters.ModelChoiceFilter(queryset=lambda request: Committee.objects.all(), label=_("Gremium"))
    state = django_filters.ChoiceFilter(choices=MeetingState.choices, label=_("Stand"))
    start_from = LocalizedDateFilter(field_name="start__date", lookup_expr="gte", label=_("ab"))
    start_to = LocalizedDateFilter(field_name="start__date", lookup_expr="lte", label=_("bis"))

    class Meta(BaseFilterSet.Meta):
        model = Meeting
        fields = ["committee", "state"]


class ReportFilter(BaseFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Suche"), max_length=200)
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("Status"))
    paper_type = django_filters.ChoiceFilter(choices=PaperType.choices, label=_("Vorlagenart"))
    year = django_filters.NumberFilter(
        field_name="date__year", label=_("Jahr"), min_value=1900, max_value=2100, max_digits=4, decimal_places=0
    )

    class Meta(BaseFilterSet.Meta):
        model = Report
        fields = ["status", "paper_type"]

    def search(self, queryset, name, value):
        return queryset.filter(contains_words(REPORT_SEARCH_FIELDS, value))
