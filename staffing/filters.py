"""Filters of the position and organisation lists.

Choices are read once per request (one query per kind, as plain values rather than model
instances: a state-wide installation has hundreds of organisations and building blocks) and
validated against those lists, so an unknown or malformed value gives a German message on the
filter form, never a 500 and never a query per option. Invalid filters are left out (the list
shows the form's message).
"""

import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integration_admin.core.cache import content_key
from integration_admin.core.filters import BaseFilterSet, LocalizedDateFilter
from integration_admin.core.text import contains_words
from programs.models import BuildingBlock
from staffing.costs import cost_years
from staffing.models import (
    STAFFABLE_STATUSES,
    Occupancy,
    Organisation,
    OrganisationKind,
    PayGrade,
    Position,
    PositionStatus,
)

NO_PAY_GRADE = "ohne"
ORGANISATION_SEARCH_FIELDS = ("short_name", "name")
WITH_FREE_SHARE = "vacant"  # the occupancy filter's "partly held or free"


def search_widget(placeholder) -> forms.TextInput:
    return forms.TextInput(attrs={"type": "search", "placeholder": placeholder})


class CostYearFilterSet(BaseFilterSet):
    """A filter set with a "Kostenjahr": the years with employer rates, by default the year of
    :meth:`requested_day` (today), or the nearest year with pay data before it (else the first).

    The filter set is always bound (a first visit has no query string), so that the list is
    annotated with the cost of the year even then.
    """

    year = django_filters.ChoiceFilter(label=_("Kostenjahr"), method="keep", empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cost_years, self.default_year = cost_years(self.requested_day())
        self.filters["year"].extra["choices"] = [(year, year) for year in self.cost_years or [self.default_year]]
        data = self.data.copy()
        if not data.get("year"):
            data["year"] = str(self.default_year)
        self.data, self.is_bound = data, True

    def requested_day(self) -> datetime.date:
        """The day whose year is the default cost year (or the nearest year with pay data): today."""
        return timezone.localdate()

    @property
    def missing_pay_year(self) -> int | None:
        """The year of the list's day when it has no pay data and the list shows another year's cost."""
        year = self.requested_day().year
        return year if year not in self.cost_years and year != self.cost_year else None

    def cleaned(self, name: str):
        self.form.is_valid()  # cleans the form once; invalid fields are left out of cleaned_data
        return self.form.cleaned_data.get(name)

    @property
    def cost_year(self) -> int:
        value = self.cleaned("year")
        return int(value) if value else self.default_year

    def keep(self, queryset, name, value):
        return queryset


class PositionFilter(CostYearFilterSet):
    """Filters positions annotated for the filter's :attr:`day` and :attr:`cost_year`: the list
    gives it :func:`~staffing.models.listed_positions` of both (the vacancy filter needs them)."""

    q = django_filters.CharFilter(
        label=_("Suche"), method="filter_text", max_length=200, widget=search_widget(_("Bezeichnung, Name, …"))
    )
    programme = django_filters.ChoiceFilter(label=_("Programm"), method="filter_programme", empty_label=_("alle"))
    building_block = django_filters.ChoiceFilter(
        label=_("Baustein"), field_name="building_block_id", empty_label=_("alle")
    )
    organisation = django_filters.ChoiceFilter(
        label=_("Organisation"), field_name="organisation_id", empty_label=_("alle")
    )
    # The status of the position's life (planned, granted, ended); whether people hold it is the
    # occupancy below. "bewilligt" also finds positions still recorded as "besetzt"/"unbesetzt".
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        method="filter_status",
        empty_label=_("alle"),
        choices=[
            (status, status.label)
            for status in PositionStatus
            if status not in (PositionStatus.FILLED, PositionStatus.VACANT)
        ],
    )
    pay_grade = django_filters.ChoiceFilter(label=_("Entgeltgruppe"), method="filter_pay_grade", empty_label=_("alle"))
    active_on = LocalizedDateFilter(label=_("aktiv am"), method="filter_active_on")
    occupancy = django_filters.ChoiceFilter(
        label=_("Besetzung am Tag"),
        method="filter_occupancy",
        empty_label=_("alle"),
        choices=[*Occupancy.choices, (WITH_FREE_SHARE, _("mit freien Anteilen (teilweise oder unbesetzt)"))],
    )

    class Meta(BaseFilterSet.Meta):
        model = Position
        fields = ["q", "programme", "building_block", "organisation", "status", "pay_grade", "active_on", "occupancy"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A caseworker's list starts with their own organisation: when the request asks for no
        # filter at all (first visit, sorting, paging); "alle" (an empty value) clears it.
        user = getattr(self.request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_caseworker
            and user.organisation_id is not None
            and not any(name in self.data for name in self._meta.fields)
        ):
            self.data["organisation"] = str(user.organisation_id)
        self.block_rows = list(
            BuildingBlock.objects.order_by("programme", "number").values_list(
                "pk", "number", "short_title", "title", "programme_id", "programme__short_name"
            )
        )
        self.organisation_rows = list(Organisation.objects.values_list("pk", "short_name"))
        self.pay_grade_rows = list(PayGrade.objects.values_list("pk", "code"))
        programmes: dict[int, str] = {}
        blocks: dict[str, list] = {}
        for pk, number, short_title, title, programme_id, programme in self.block_rows:
            programmes[programme_id] = programme
            blocks.setdefault(programme, []).append((pk, f"{number}: {short_title or title}"))
        # Choices as callables (Django's ChoiceField takes them): a form copies its fields, and with them
        # a list of choices, but not a callable's hundreds of organisations and building blocks.
        programme_choices, block_choices = list(programmes.items()), list(blocks.items())
        pay_grade_choices = [*self.pay_grade_rows, (NO_PAY_GRADE, _("ohne Entgeltgruppe"))]
        self.filters["programme"].extra["choices"] = lambda: programme_choices
        self.filters["building_block"].extra["choices"] = lambda: block_choices
        self.filters["organisation"].extra["choices"] = lambda: self.organisation_rows
        self.filters["pay_grade"].extra["choices"] = lambda: pay_grade_choices

    def cache_key(self) -> str:
        """The key of the rendered filter form in the fragment cache: its choices (hundreds of
        organisations and blocks on a state-wide installation) and the request's values."""
        path = self.request.get_full_path() if self.request is not None else ""
        # (the data too: a caseworker's default organisation is not in the path)
        data = sorted(self.data.lists())
        return content_key(path, data, self.cost_years, self.block_rows, self.organisation_rows, self.pay_grade_rows)

    def requested_day(self) -> datetime.date:
        """The day of "aktiv am" if it is a valid date, else today (read before the form is cleaned:
        the default cost year follows it)."""
        try:
            day = self.filters["active_on"].field.clean(self.data.get("active_on"))
        except forms.ValidationError:
            day = None
        return day or timezone.localdate()

    @property
    def day(self) -> datetime.date:
        """The day on which holders and free shares are counted: "aktiv am", else today."""
        return self.cleaned("active_on") or timezone.localdate()

    def filter_text(self, queryset, name, value):
        # a holder's name finds the position only for those who may read that name (need to know)
        return queryset.search(value, reader=self.request.user)

    def filter_programme(self, queryset, name, value):
        return queryset.filter(building_block__programme_id=value)

    def filter_pay_grade(self, queryset, name, value):
        if value == NO_PAY_GRADE:
            return queryset.filter(pay_grade__isnull=True)
        return queryset.filter(pay_grade_id=value)

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)

    def filter_status(self, queryset, name, value):
        if value == PositionStatus.APPROVED:
            return queryset.filter(status__in=STAFFABLE_STATUSES)
        return queryset.filter(status=value)

    def filter_occupancy(self, queryset, name, value):
        if value == WITH_FREE_SHARE:
            return queryset.with_occupancy(Occupancy.PARTLY, Occupancy.FREE)
        return queryset.with_occupancy(value)


class OrganisationFilter(CostYearFilterSet):
    q = django_filters.CharFilter(
        label=_("Suche"), method="filter_text", max_length=200, widget=search_widget(_("Kurzbezeichnung oder Name"))
    )
    kind = django_filters.ChoiceFilter(label=_("Art"), choices=OrganisationKind.choices, empty_label=_("alle"))

    class Meta(BaseFilterSet.Meta):
        model = Organisation
        fields = ["q", "kind"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.with_figures(timezone.localdate(), self.cost_year))

    def filter_text(self, queryset, name, value):
        return queryset.filter(contains_words(ORGANISATION_SEARCH_FIELDS, value))
