"""Filters of the funding lists."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from funding.models import Application, DecisionStatus, FinancingType, GrantDecision, ProofKind, ProofOfUse
from integration_admin.core.filters import BaseFilterSet, LocalizedDateFilter
from integration_admin.core.text import contains_words
from programs.models import Funder, Programme

DECISION_SEARCH_FIELDS = ("title", "reference")  # every word in one of them (as the global search)


class DecisionFilter(BaseFilterSet):
    programme = django_filters.ModelChoiceFilter(
        label=_("Förderprogramm"), queryset=lambda request: Programme.objects.all()
    )
    funder = django_filters.ModelChoiceFilter(label=_("Zuwendungsgeber"), queryset=lambda request: Funder.objects.all())
    financing_type = django_filters.ChoiceFilter(
        label=_("Finanzierungsart"), choices=FinancingType.choices, field_name="financing_type"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DecisionStatus.choices, method="filter_status")
    active_on = LocalizedDateFilter(label=_("gültig am"), method="filter_active_on")
    q = django_filters.CharFilter(label=_("Suche"), method="filter_search", max_length=200)

    class Meta(BaseFilterSet.Meta):
        model = GrantDecision
        fields = ["programme", "funder", "financing_type", "status", "active_on", "q"]

    def filter_status(self, queryset, name, value):
        return queryset.with_status(value, timezone.localdate())

    def filter_active_on(self, queryset, name, value):
        # On the annotated current version (``with_figures``): an open start or end counts as unbounded.
        return queryset.filter(
            Q(period_start__isnull=True) | Q(period_start__lte=value),
            Q(period_end__isnull=True) | Q(period_end__gte=value),
        )

    def filter_search(self, queryset, name, value):
        return queryset.filter(contains_words(DECISION_SEARCH_FIELDS, value))


class ApplicationFilter(BaseFilterSet):
    programme = django_filters.ModelChoiceFilter(
        label=_("Förderprogramm"), queryset=lambda request: Programme.objects.all()
    )

    class Meta(BaseFilterSet.Meta):
        model = Application
        fields = ["programme"]


class ProofFilter(BaseFilterSet):
    STATES = [
        ("open", _("offen")),
        ("due", _("fällig in 90 Tagen")),
        ("overdue", _("überfällig")),
        ("done", _("erledigt")),
    ]

    programme = django_filters.ModelChoiceFilter(
        label=_("Förderprogramm"), queryset=lambda request: Programme.objects.all(), field_name="decision__programme"
    )
    kind = django_filters.ChoiceFilter(label=_("Art"), choices=ProofKind.choices)
    state = django_filters.ChoiceFilter(label=_("Stand"), choices=STATES, method="filter_state")

    class Meta(BaseFilterSet.Meta):
        model = ProofOfUse
        fields = ["programme", "kind", "state"]

    def filter_state(self, queryset, name, value):
        today = timezone.localdate()
        if value == "done":
            return queryset.exclude(pk__in=ProofOfUse.objects.open().values("pk"))
        queryset = queryset.open()
        if value == "overdue":
            return queryset.overdue(today)
        if value == "due":
            return queryset.due_within(today)
        return queryset
