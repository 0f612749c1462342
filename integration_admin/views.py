"""The top pages, which tie the domains together: the dashboard and the programme pages.

They sit above every domain app (core <- programs <- staffing <- funding <- these pages), so they
may show positions, costs and decisions side by side.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, TemplateView

from funding.charts import fte_annotations, fte_by_quarter, fte_chart
from funding.summaries import deadlines, programme_summaries
from integration_admin.core.audit import log_export
from integration_admin.core.forms import query_int
from integration_admin.home import administrator_home, caseworker_home, head_home
from integration_admin.models import SavedFilter
from integration_admin.reminders import Window, to_do
from integration_admin.search import search
from programs.models import Programme
from staffing.costs import YearCost, annotated_cost_year, cost_year_annotations, costs_by_year
from staffing.models import Assignment, PositionCost
from staffing.views import AccessLogMixin, PositionTableMixin


def ping(request):
    """The smallest page there is (for logged-in users): the benchmark's yardstick and a health check
    that goes through sessions, authentication and every middleware, but touches no domain data."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


class DashboardView(TemplateView):
    """Home page: first a part for the user's role (their vacancies and staffing deadlines, the next
    sessions and unreleased papers, or the decision warnings), then deadlines, then per programme
    its blocks, positions per organisation and decisions.

    Ten programmes a page; per block the four largest staffing rows and per programme the five
    largest organisations, with counts and totals of the rest (a state-wide installation has
    hundreds of organisations; the programme page shows them all).
    """

    template_name = "dashboard.html"
    programmes_per_page = 10

    def get_context_data(self, **kwargs):
        page = Paginator(Programme.objects.with_funder_names(), self.programmes_per_page).get_page(
            self.request.GET.get("page")
        )
        summaries = programme_summaries(page.object_list, rows_per_block=4, organisations=5)
        today = timezone.localdate()
        return super().get_context_data(
            summaries=summaries, page_obj=page, deadlines=deadlines(today), home=self.role_part(today), **kwargs
        )

    def role_part(self, today) -> dict:
        """The top of the page for the user's role (:mod:`integration_admin.home`), on the first page only."""
        user = self.request.user
        if self.request.GET.get("page") not in (None, "", "1"):
            return {}
        if user.is_administrator:
            part = {"role": "administrator", **administrator_home()}
        elif user.is_head:
            part = {"role": "head", **head_home(user)}
        elif user.is_caseworker and user.organisation_id is not None:
            part = {"role": "caseworker", "organisation": user.organisation, **caseworker_home(user, today)}
        else:
            return {}
        # what this user has to do (integration_admin.reminders, the same collector as the e-mail)
        return {**part, "to_do": to_do(user, Window(today=today)), "today": today}


class ProgrammeListView(TemplateView):
    """/programmes/: every programme with its funders, blocks and FTE per organisation (constant queries)."""

    template_name = "programme_list.html"

    def get_context_data(self, **kwargs):
        # The five largest organisations per programme; the rest as "n weitere" (state-wide scale).
        return super().get_context_data(summaries=programme_summaries(rows_per_block=0, organisations=5), **kwargs)


class ProgrammeDetailView(AccessLogMixin, PositionTableMixin, DetailView):
    access_action = "programme-view"  # the page lists the programme's positions with their holders
    template_name = "programme_detail.html"
    model = Programme

    def get_queryset(self):
        # The cost year (?year= if it has employer rates, else the default) chosen in the
        # programme's own query rather than by a query for the years with rates.
        self.requested_year = query_int(self.request.GET.get("year"), max_digits=4)
        return Programme.objects.with_funder_names().annotate(
            **cost_year_annotations(self.requested_year), **fte_annotations()
        )

    def get_context_data(self, **kwargs):
        programme = self.object
        [summary] = programme_summaries([programme])
        today = timezone.localdate()
        year = annotated_cost_year(programme, self.requested_year, today)
        by_organisation = costs_by_year(
            PositionCost.objects.filter(position__building_block__programme=programme),
            key=lambda row: row["position__organisation__short_name"],
        )
        # All organisations together per year; each organisation only in the chosen cost year (a
        # state-wide programme has hundreds: all years of all of them were a 240 KB page).
        by_year: dict[int, YearCost] = {}
        for years in by_organisation.values():
            for row in years.values():
                by_year.setdefault(row.year, YearCost(row.year)).add(row)
        positions = self.position_table(
            day=today, cost_year=year, exclude=("programme",), building_block__programme=programme
        )
        cost_rows = []
        for organisation, years in sorted(by_organisation.items()):
            if year in years:
                years[year].key = organisation
                cost_rows.append(years[year])
        return super().get_context_data(
            summary=summary,
            table=positions,
            cost_year=year,
            cost_years=[by_year[y] for y in sorted(by_year)],
            cost_rows=cost_rows,
            can_change_grants=self.request.user.can_change_grants(),
            fte_chart=fte_chart(fte_by_quarter(programme, today)),
            **kwargs,
        )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Suchbegriff"), max_length=200, required=False)


class SearchView(TemplateView):
    """/search/?q=: the global search (:mod:`integration_admin.search`), one group per kind of record."""

    template_name = "search.html"

    def get_context_data(self, **kwargs):
        form = SearchForm(self.request.GET)
        text = form.cleaned_data["q"] if form.is_valid() else ""
        groups = search(text, user=self.request.user)
        holders = next((group for group in groups if group.key == "holders"), None)
        if holders is not None and holders.rows:
            log_export(self.request, "holder-search", Assignment, len(holders.rows))  # names shown: need to know
        return super().get_context_data(
            form=form, text=text, groups=groups, found=sum(group.count for group in groups), **kwargs
        )


# The lists whose filter a user can save (their URL names), with the name shown for them.
SAVED_FILTER_LISTS = {
    "staffing:position-list": _("Stellen"),
    "staffing:organisation-list": _("Organisationen"),
    "funding:decision-list": _("Bescheide"),
    "funding:proof-list": _("Nachweisfristen"),
    "funding:application-list": _("Anträge"),
    "council:report-list": _("Vorlagen"),
    "council:meeting-list": _("Sitzungen"),
    "council:committee-list": _("Gremien"),
}
# What a saved filter leaves out of the query string: the page, an export, and the save form's own fields.
NOT_SAVED = {"page", "_export", "csrfmiddlewaretoken", "submission_token", "list", "label", "query"}


def filter_query(data: QueryDict) -> str:
    """The query string of a list's filter: its non-empty values, without page, export and the like."""
    kept = QueryDict(mutable=True)
    for key in data:
        if key not in NOT_SAVED:
            kept.setlist(key, [value for value in data.getlist(key) if value])
    return kept.urlencode()


class SavedFilterForm(forms.Form):
    list = forms.ChoiceField(label=_("Liste"), choices=list(SAVED_FILTER_LISTS.items()))
    label = forms.CharField(label=_("Name des Filters"), max_length=100)
    query = forms.CharField(label=_("Filter"), max_length=1000, required=False)


class SavedFilterView(TemplateView):
    """/filters/?list=…&query=…: the user's saved filters of a list (all lists without ``list``) and
    a form to save the list's current filter; the list pages load it into their filter panel (htmx).
    POST saves (a second save under the same name replaces the filter) and goes to the filtered list."""

    template_name = "saved_filters.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return [f"{self.template_name}#panel"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        list_name = self.request.GET.get("list", "")
        saved = SavedFilter.objects.filter(user=self.request.user)
        form = None
        if list_name in SAVED_FILTER_LISTS:
            saved = saved.filter(list_name=list_name)
            query = filter_query(QueryDict(self.request.GET.get("query", "")[:1000]))
            form = SavedFilterForm(initial={"list": list_name, "query": query})
        rows = list(saved.order_by("list_name", "label", "pk"))
        for row in rows:
            row.url = f"{reverse(row.list_name)}?{row.query}" if row.list_name in SAVED_FILTER_LISTS else ""
            row.list_label = SAVED_FILTER_LISTS.get(row.list_name, row.list_name)
        return super().get_context_data(
            saved=rows, form=form, list_name=list_name, list_label=SAVED_FILTER_LISTS.get(list_name), **kwargs
        )

    def post(self, request, *args, **kwargs):
        form = SavedFilterForm(request.POST)
        if not form.is_valid():
            errors = " ".join(str(error) for errors in form.errors.values() for error in errors)
            messages.error(request, _("Der Filter wurde nicht gespeichert: %(errors)s") % {"errors": errors})
            return self.go_to(reverse("saved-filters"))
        list_name, label = form.cleaned_data["list"], form.cleaned_data["label"]
        # From the list page (htmx) the filter form's fields come along as they are now; else the query.
        if "per_page" in request.POST:
            query = filter_query(request.POST)
        else:
            query = filter_query(QueryDict(form.cleaned_data["query"]))
        SavedFilter.objects.update_or_create(
            user=request.user, list_name=list_name, label=label, defaults={"query": query}
        )
        messages.success(request, _("Der Filter „%(label)s“ ist gespeichert.") % {"label": label})
        return self.go_to(f"{reverse(list_name)}?{query}")

    def go_to(self, url: str) -> HttpResponse:
        if self.request.headers.get("HX-Request"):
            return HttpResponse(headers={"HX-Redirect": url})
        return redirect(url)


class SavedFilterDeleteView(View):
    """POST /filters/<pk>/delete/: deletes one of the user's own saved filters (others: 404)."""

    def post(self, request, pk):
        saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
        saved.delete()
        messages.success(request, _("Der Filter „%(label)s“ ist gelöscht.") % {"label": saved.label})
        if saved.list_name in SAVED_FILTER_LISTS:
            return redirect(saved.list_name)
        return redirect("saved-filters")
