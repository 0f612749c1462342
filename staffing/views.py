"""Pages for positions, their assignments and the organisations that employ them.

Everyone logged in reads every position's figures; holders' names only those who need to know
(``User.can_read_holders``: a caseworker their own organisation's, the department head and the
administrator all), in the lists, exports, search and on the position page. A caseworker creates
and changes only positions (and their assignments) of their own organisation, the administrator
all of them, the department head none (``OrganisationEditMixin``: 403 otherwise). Changes go
through :mod:`staffing.services`, which lock the position row while they validate and write.
"""

import datetime
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DeleteView, DetailView, TemplateView, UpdateView
from django_tables2 import RequestConfig

from integration_admin.core.audit import log_access, log_export
from integration_admin.core.db import FteSum
from integration_admin.core.forms import query_int
from integration_admin.core.history import history_entries
from integration_admin.core.models import StaleRevision
from integration_admin.core.permissions import OrganisationEditMixin
from integration_admin.core.tables import PageSizePaginator
from integration_admin.core.views import CreateOnceMixin, FilteredTableView, refuse_stale_form
from programs.models import FlatRate
from staffing import services
from staffing.costs import (
    cost_years,
    costs_by_year,
    position_years,
)
from staffing.exports import csv_response, xlsx_response
from staffing.filters import OrganisationFilter, PositionFilter
from staffing.forms import AssignmentForm, EndAssignmentForm, PositionForm, add_service_errors
from staffing.models import (
    STAFFABLE_STATUSES,
    AnnualBonusRate,
    Assignment,
    EmployerContributionRate,
    Organisation,
    PayTableEntry,
    Position,
    PositionCost,
    PositionStatus,
    empty_totals,
    listed_positions,
    peak_assigned_fte,
    set_totals,
    staffing_periods,
)
from staffing.tables import OrganisationTable, PositionTable

EXPORT_FORMATS = ("csv", "xlsx")


# Far more rows than any list has, and far below what the databases take as OFFSET (64-bit).
MAX_OFFSET = 2**31


class SetTotalsPaginator(PageSizePaginator):
    """Pages of positions that carry their set's totals (:meth:`~staffing.models.PositionQuerySet.with_set_totals`).

    The requested page is read first; its rows tell the count and the totals, so the list needs
    neither a COUNT nor a totals query; an empty first page means an empty set. Only another page
    without rows (a page number past the end) asks ``totals_query`` (the list's
    :meth:`~staffing.models.PositionQuerySet.totals`) and then paginates as usual. ``self.totals``
    holds the totals afterwards.
    """

    def __init__(self, object_list, per_page, *args, totals_query, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.totals_query = totals_query
        self.totals = None

    def page(self, number):
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            wanted = 0  # not a page: the usual validation below answers
        bottom = (wanted - 1) * self.per_page
        if wanted >= 1 and bottom <= MAX_OFFSET:  # (a page number from the URL may be any size)
            rows = self.object_list[bottom : bottom + self.per_page]  # django-tables2's rows: sliced lazily
            records = list(rows.data)
            # (an empty first page: the set is empty, its totals are known)
            if records or (wanted == 1 and self.allow_empty_first_page):
                self.totals = set_totals(records[0]) if records else empty_totals()
                self.count = self.totals["count"]  # (Paginator.count is a cached_property: set, not computed)
                return self._get_page(rows, wanted, self)
        if self.totals is None:
            self.totals = self.totals_query()
            self.count = self.totals["count"]  # (Paginator.count is a cached_property: set, not computed)
        return super().page(number)


def filter_description(filterset) -> list[tuple[str, str]]:
    """The filters in effect, as (label, value) in words, for the export's cover sheet."""
    form = filterset.form
    form.is_valid()
    described = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, ""):
            continue
        if hasattr(field, "choices"):
            flat = {}
            for key, label in field.choices:
                if isinstance(label, list | tuple):
                    flat.update({str(k): f"{key}: {v}" for k, v in label})
                else:
                    flat[str(key)] = label
            value = flat.get(str(value), value)
        elif hasattr(value, "strftime"):
            value = value.strftime("%d.%m.%Y")
        described.append((str(field.label), str(value)))
    return described


def requested_cost_year(request) -> int:
    """``?year=`` if it is a year with employer rates, else the default cost year."""
    years, default = cost_years()
    value = query_int(request.GET.get("year"), max_digits=4)
    return value if value in years else default


class PositionTableMixin:
    """Builds a paged :class:`PositionTable` of the positions that match some filters, with totals."""

    def position_table(self, *, day, cost_year: int, per_page: int = 25, exclude=(), **filters):
        """The positions matching ``filters`` (``organisation=…``), staffed on ``day``, cost of ``cost_year``."""
        rows = listed_positions(day, cost_year, rows=True, reader=self.request.user).filter(**filters)
        totals_query = listed_positions(day, cost_year).filter(**filters).totals
        table = PositionTable(rows, cost_year=cost_year, exclude=exclude)
        paginate = {"per_page": per_page, "paginator_class": SetTotalsPaginator, "totals_query": totals_query}
        RequestConfig(self.request, paginate=paginate).configure(table)
        table.totals = table.paginator.totals
        return table


class PositionListView(FilteredTableView):
    """/positions/: every position, filtered, sorted, paged, with totals and exports."""

    model = Position
    table_class = PositionTable
    filterset_class = PositionFilter
    template_name = "staffing/position_list.html"

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        # every position, annotated for the day and cost year that the filter form asks for
        filterset.queryset = listed_positions(filterset.day, filterset.cost_year)
        return filterset

    def get(self, request, *args, **kwargs):
        export = request.GET.get("_export")
        if export not in EXPORT_FORMATS:
            return super().get(request, *args, **kwargs)
        self.filterset = self.get_filterset(self.get_filterset_class())
        queryset = self.filterset.qs
        totals = queryset.totals()
        table = PositionTable(
            queryset.with_holders(self.filterset.day, reader=request.user),
            cost_year=self.filterset.cost_year,
            totals=totals,
        )
        RequestConfig(request, paginate=False).configure(table)
        log_export(request, f"position-export-{export}", Position, totals["count"])
        sums = {
            "title": _("Summe"),
            "fte": totals["fte"],
            "assigned": totals["assigned"],
            "vacant": totals["vacant"],
            "annual_cost": totals["cost"],
        }
        totals_row = [
            sums.get(column.name) for column in table.columns.iterall() if not column.column.exclude_from_export
        ]
        if export == "csv":
            return csv_response(table, "stellen", totals_row)
        return xlsx_response(table, "stellen", _("Stellen"), totals_row, filter_description(self.filterset))

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(
            cost_year=self.filterset.cost_year,
            staffing_day=self.filterset.day,
            can_create=user.is_administrator or user.is_caseworker,
            **kwargs,
        )
        # The table has read its page now, and with it the totals (see SetTotalsPaginator).
        table = context["table"]
        table.totals = context["totals"] = table.paginator.totals
        return context

    def get_table_data(self):
        # The filtered positions with their holders and, on every row, the set's totals.
        return self.object_list.with_holders(self.filterset.day, reader=self.request.user).with_set_totals()

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "cost_year": self.filterset.cost_year}

    def get_table_pagination(self, table):
        paginate = super().get_table_pagination(table)
        if isinstance(paginate, dict):
            paginate.update(paginator_class=SetTotalsPaginator, totals_query=self.object_list.totals)
        return paginate


class AccessLogMixin:
    """Logs every successful GET of the page's object (it shows position holders' names): who, when, which object."""

    access_action = ""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        log_access(request, self.access_action, self.object)
        return response


class PositionDetailView(AccessLogMixin, DetailView):
    access_action = "position-view"  # the page lists the position's holders

    def get_queryset(self):
        return Position.objects.select_related(
            "building_block__programme", "organisation", "pay_grade__group"
        ).prefetch_related(Prefetch("assignments", Assignment.objects.order_by("start", "holder_name")))

    def get_context_data(self, **kwargs):
        position = self.object
        today = timezone.localdate()
        assignments = list(position.assignments.all())
        for assignment in assignments:
            assignment.is_current = assignment.start <= today and (assignment.end is None or assignment.end >= today)
            assignment.is_past = assignment.end is not None and assignment.end < today
        held_today = sum((a.fte_share for a in assignments if a.is_current), position.fte * 0)
        staffable_today = position.contains(today) and position.status in STAFFABLE_STATUSES

        # Need to know: another organisation's holders are shown without their names, in the
        # list and in the history (no name in the entry, its changed fields or its reason).
        names_readable = self.request.user.can_read_holders(position.organisation_id)
        records = defaultdict(list)
        for record in (
            Assignment.history.filter(position_id=position.pk)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")
        ):
            records[record.id].append(record)
        history = history_entries(position, known=[position.building_block, position.organisation, position.pay_grade])
        ignore = ("modified", "revision") if names_readable else ("modified", "revision", "holder_name")
        for assignment_id, rows in records.items():
            for entry in history_entries(Assignment(pk=assignment_id), records=rows, ignore=ignore):
                if names_readable:
                    entry.action = _("Besetzung %(name)s %(action)s") % {
                        "name": rows[0].holder_name,
                        "action": entry.action,
                    }
                else:
                    entry.action = _("Besetzung %(action)s") % {"action": entry.action}
                    entry.reason = ""
                history.append(entry)
        history.sort(key=lambda entry: entry.when, reverse=True)

        return super().get_context_data(
            today=today,
            assignments=assignments,
            held_today=held_today,
            staffable_today=staffable_today,
            free_today=position.fte - held_today,
            periods=staffing_periods(position, assignments),
            costs=position_years(position),
            history=history,
            names_readable=names_readable,
            can_edit=self.request.user.can_change_organisation(position.organisation_id),
            **kwargs,
        )


class CreatorRequiredMixin:
    """Only caseworkers (for their organisation) and the administrator create positions."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_administrator or user.is_caseworker):
            raise PermissionDenied(_("Nur Sachbearbeitung und Administration legen Stellen an."))
        return super().dispatch(request, *args, **kwargs)


class PositionFormMixin(OrganisationEditMixin):
    model = Position
    form_class = PositionForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        position = form.instance
        self.check_organisation(position.organisation_id)
        try:
            self.object = services.save_position(
                position=position,
                expected_revision=form.cleaned_data.get("revision"),
                reason=form.cleaned_data.get("change_reason", ""),
            )
        except StaleRevision as conflict:
            return refuse_stale_form(self, form, conflict)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message % {"title": position.title})
        return redirect(self.object.get_absolute_url())


class PositionCreateView(CreatorRequiredMixin, CreateOnceMixin, PositionFormMixin, CreateView):
    success_message = gettext_lazy("Die Stelle „%(title)s“ wurde angelegt.")

    def get_initial(self):
        initial = {
            "organisation": self.request.user.organisation_id,
            "fixed_term": True,
            "status": PositionStatus.APPROVED,
        }
        block = query_int(self.request.GET.get("building_block"))
        if block is not None:
            initial["building_block"] = block
        return initial


class PositionUpdateView(PositionFormMixin, UpdateView):
    def get_queryset(self):
        return Position.objects.select_related("organisation", "building_block__programme")

    success_message = gettext_lazy("Die Stelle „%(title)s“ wurde gespeichert.")


class PositionDeleteView(OrganisationEditMixin, DeleteView):
    model = Position

    def form_valid(self, form):
        try:
            services.delete_position(position=self.object)
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return redirect(self.object.get_absolute_url())
        messages.success(self.request, _("Die Stelle „%(title)s“ wurde gelöscht.") % {"title": self.object.title})
        return redirect("staffing:position-list")


class AssignmentFormMixin(OrganisationEditMixin):
    model = Assignment
    organisation_field = "position__organisation_id"
    success_message = gettext_lazy("Die Besetzung wurde gespeichert.")

    def save(self, form) -> Assignment:
        return services.save_assignment(
            assignment=form.instance, expected_revision=form.cleaned_data.get("revision"), reason=self.change_reason
        )

    def form_valid(self, form):
        try:
            self.object = self.save(form)
        except StaleRevision as conflict:
            return refuse_stale_form(self, form, conflict)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect(self.object.position.get_absolute_url() + "#besetzungen")

    def get_context_data(self, **kwargs):
        return super().get_context_data(position=self.position, **kwargs)


class AssignmentCreateView(CreateOnceMixin, AssignmentFormMixin, CreateView):
    form_class = AssignmentForm
    change_reason = ""
    success_message = gettext_lazy("Die Besetzung wurde angelegt.")

    def dispatch(self, request, *args, **kwargs):
        self.position = get_object_or_404(Position.objects.select_related("organisation"), pk=kwargs["pk"])
        if request.user.is_authenticated:
            self.check_organisation(self.position.organisation_id)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": Assignment(position=self.position)}

    def get_initial(self):
        # Defaults that can be saved: "von" today, but within the position's period (a position
        # that ended starts at its last day), "bis" its end, and the share that is free on every
        # day in between.
        position = self.position
        start = timezone.localdate()
        if position.end is not None and start > position.end:
            start = position.end
        if position.start is not None and start < position.start:
            start = position.start
        held = peak_assigned_fte(position.assignments.overlapping(start, position.end))
        free = position.fte - held
        return {"start": start, "end": position.end, "fte_share": free if free > 0 else None}


class AssignmentUpdateView(AccessLogMixin, AssignmentFormMixin, UpdateView):
    access_action = "assignment-view"
    form_class = AssignmentForm

    def get_queryset(self):
        return Assignment.objects.select_related("position__organisation")

    change_reason = ""

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        self.position = obj.position
        return obj


class AssignmentEndView(AssignmentUpdateView):
    form_class = EndAssignmentForm
    template_name = "staffing/assignment_end.html"
    success_message = gettext_lazy("Die Besetzung wurde beendet.")

    def save(self, form) -> Assignment:
        return services.end_assignment(
            assignment=form.instance, end=form.cleaned_data["end"], expected_revision=form.cleaned_data.get("revision")
        )

    def get_initial(self):
        return {"end": self.object.end or timezone.localdate()}


class AssignmentDeleteView(AccessLogMixin, OrganisationEditMixin, DeleteView):
    access_action = "assignment-view"
    model = Assignment

    def get_queryset(self):
        return Assignment.objects.select_related("position__organisation")

    organisation_field = "position__organisation_id"

    def form_valid(self, form):
        position = self.object.position
        services.delete_assignment(assignment=self.object)
        messages.success(self.request, _("Die Besetzung wurde gelöscht."))
        return redirect(position.get_absolute_url() + "#besetzungen")


class PayTableView(TemplateView):
    """/pay-tables/: the pay data the cost figures come from, for one year (read-only; the
    administrator keeps them in the admin)."""

    template_name = "staffing/paytable_list.html"

    def get_context_data(self, **kwargs):
        years, _default = cost_years()
        year = requested_cost_year(self.request)
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        entries = PayTableEntry.objects.filter(valid_from__lte=last).select_related("pay_grade__group")
        by_grade: dict = defaultdict(lambda: defaultdict(list))  # grade -> step -> [(valid_from, entry)]
        for entry in entries.order_by("valid_from"):
            by_grade[entry.pay_grade][entry.step].append(entry)
        rows = []
        for grade in sorted(by_grade, key=lambda g: (g.sort_order, g.code)):
            steps = by_grade[grade]
            starts = {e.valid_from for entries in steps.values() for e in entries if e.valid_from > first}
            latest_before = [e.valid_from for entries in steps.values() for e in entries if e.valid_from <= first]
            if latest_before:
                starts.add(max(latest_before))
            for start in sorted(starts):
                cells = []
                for step in range(1, 7):
                    valid = [e for e in steps.get(step, []) if e.valid_from <= max(start, first)]
                    cells.append(valid[-1] if valid else None)
                rows.append(
                    {
                        "grade": grade,
                        "from": max(start, first),
                        "cells": cells,
                        "illustrative": any(cell and cell.is_illustrative for cell in cells),
                    }
                )
        return super().get_context_data(
            years=years,
            year=year,
            rows=rows,
            steps=range(1, 7),
            bonus_rates=AnnualBonusRate.objects.filter(year=year).select_related("group").order_by("group__name"),
            employer_rates=EmployerContributionRate.objects.filter(year=year).first(),
            flat_rates=FlatRate.objects.filter(year=year).select_related("building_block__programme"),
            **kwargs,
        )


class OrganisationListView(FilteredTableView):
    """/organisations/: each organisation with its positions, FTE, free shares and cost."""

    def get_queryset(self):
        return Organisation.objects.all()

    table_class = OrganisationTable
    filterset_class = OrganisationFilter
    template_name = "staffing/organisation_list.html"

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "cost_year": self.filterset.cost_year}

    def get_context_data(self, **kwargs):
        return super().get_context_data(cost_year=self.filterset.cost_year, **kwargs)


class OrganisationDetailView(AccessLogMixin, PositionTableMixin, DetailView):
    """One organisation: FTE per programme and block, cost and coverage gap per year, its positions."""

    access_action = "organisation-view"  # the page lists the organisation's positions with their holders

    model = Organisation

    def get_context_data(self, **kwargs):
        organisation = self.object
        today = timezone.localdate()
        year = requested_cost_year(self.request)
        positions = self.position_table(day=today, cost_year=year, exclude=("organisation",), organisation=organisation)
        by_programme = (
            Position.objects.filter(organisation=organisation)
            .values(
                "building_block__programme_id",
                "building_block__programme__short_name",
                "building_block__number",
                "building_block__title",
                "building_block__short_title",
                "status",
            )
            .annotate(fte_total=FteSum("fte"), positions=Count("id"))
            .order_by("building_block__programme__sort_order", "building_block__number", "status")
        )
        status_labels = dict(Position._meta.get_field("status").choices)
        rows = [{**row, "status_label": status_labels[row["status"]]} for row in by_programme]
        years = costs_by_year(PositionCost.objects.filter(position__organisation=organisation)).get(None, {})
        return super().get_context_data(
            table=positions,
            programme_rows=rows,
            cost_years=list(years.values()),
            cost_year=year,
            can_create=self.request.user.can_change_organisation(organisation.pk),
            **kwargs,
        )
