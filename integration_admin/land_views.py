"""The Land view's page (``/land/``, its XLSX export) and the rule that keeps the Land's users on it.

The Land's users (``User.is_land_viewer``: the ministry, the district government) belong to no
body and read no body's records: they see the figures of :func:`funding.land.land_figures`, which
name no person, and nothing else. :class:`LandViewerMiddleware` enforces that in one place: for
them every page but the Land view, their own account pages, logging out and the language switch
is refused (403), and the home page is the Land view. Installation administrators (a superuser
without a body) may open the Land view too; the same middleware keeps them to what has no body:
the Django admin (bodies, users), the Land's shared master data (pay tables, rates, flat and base
rates), the Land view and their account; their home page is the admin's. A body's users and
anonymous visitors may not open the Land view.
"""

import django_tables2 as tables
from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from funding.land import Figures, Grouping, land_figures
from integration_admin.core.audit import log_export
from integration_admin.core.forms import BootstrapFormMixin, ScopedModelChoiceField
from integration_admin.core.models import Body, Regierungsbezirk
from integration_admin.core.tables import EuroColumn, FteColumn
from programs.models import BuildingBlock, Programme
from staffing.exports import xlsx_response

# The pages a Land user may open (URL names); every other is refused (LandViewerMiddleware).
LAND_VIEWER_URL_NAMES = frozenset(
    {
        "land",
        "login",
        "logout",
        "password_change",
        "password_change_done",
        "mfa-verify",
        "mfa-setup",
        "set_language",
    }
)
# ... and those an installation's administrator may open besides (and every page of the Django admin)
INSTALLATION_URL_NAMES = LAND_VIEWER_URL_NAMES | {
    "master-data",
    "staffing:paytable-list",
    "staffing:paytable-edit",
    "staffing:yearrates-edit",
    "funding:flatrate-create",
    "funding:flatrate-update",
    "funding:baserate-create",
    "funding:baserate-update",
}
# public to everyone (OParl), so to them too
PUBLIC_NAMESPACE = "council:oparl"


class LandViewerMiddleware:
    """The Land's users see the Land view and their own account, nothing else: the home page
    (``dashboard``) sends them to the Land view, every other page not in
    :data:`LAND_VIEWER_URL_NAMES` is a 403 (the project's 403 page). Static files are served
    before any view (WhiteNoise). After authentication, so that the user is known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.body_id is not None:
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        if match is not None and match.namespace == PUBLIC_NAMESPACE:
            return None
        if user.is_land_viewer:
            if name == "dashboard":
                return redirect("land")
            if name not in LAND_VIEWER_URL_NAMES:
                raise PermissionDenied
        elif user.is_installation_administrator:
            if name == "dashboard":
                return redirect("admin:index")
            if name not in INSTALLATION_URL_NAMES and not (match is not None and match.app_name == "admin"):
                raise PermissionDenied
        return None


def may_see_land_view(user) -> bool:
    return user.is_authenticated and (user.is_land_viewer or user.is_installation_administrator)


def grouping_choices():
    return [
        (Grouping.BODY, _("nach Gebietskörperschaft")),
        (Grouping.REGIERUNGSBEZIRK, _("nach Regierungsbezirk")),
        (Grouping.BLOCK, _("nach Programm und Baustein")),
    ]


class LandFilterForm(BootstrapFormMixin, forms.Form):
    """The Land view's filters: every body's and every programme's (the Land reads across bodies)."""

    grouping = forms.ChoiceField(label=gettext_lazy("Gliederung"), choices=grouping_choices, required=False)
    regierungsbezirk = forms.ChoiceField(
        label=gettext_lazy("Regierungsbezirk"),
        choices=[("", "---------"), *Regierungsbezirk.choices],
        required=False,
    )
    programme = ScopedModelChoiceField(
        label=gettext_lazy("Förderprogramm"),
        choices_from=lambda: Programme.objects.with_scopes_disabled().order_by("sort_order", "name"),
        required=False,
    )
    block = ScopedModelChoiceField(
        label=gettext_lazy("Baustein"),
        choices_from=lambda: (
            BuildingBlock.objects.with_scopes_disabled()
            .select_related("programme")
            .order_by("programme__sort_order", "programme__name", "number")
        ),
        required=False,
    )
    body = ScopedModelChoiceField(
        label=gettext_lazy("Gebietskörperschaft"), choices_from=lambda: Body.objects.order_by("name"), required=False
    )

    def filters(self) -> dict:
        """The keyword arguments of :func:`land_figures` (an invalid form filters nothing)."""
        if not self.is_bound or not self.is_valid():
            return {"grouping": Grouping.BODY}
        data = self.cleaned_data
        return {
            "grouping": data["grouping"] or Grouping.BODY,
            "regierungsbezirk": data["regierungsbezirk"] or None,
            "programme_id": data["programme"].pk if data["programme"] else None,
            "block_id": data["block"].pk if data["block"] else None,
            "body_id": data["body"].pk if data["body"] else None,
        }

    def description(self) -> list[tuple[str, str]]:
        """The filters as (label, value) for the export's second sheet."""
        if not self.is_bound or not self.is_valid():
            return []
        described = []
        for name, bound in self.cleaned_data.items():
            if bound in (None, ""):
                continue
            value = (
                dict(self.fields[name].choices).get(bound, bound) if name in ("grouping", "regierungsbezirk") else bound
            )
            described.append((str(self.fields[name].label), str(value)))
        return described


def row_headings(grouping: str) -> tuple[str, str]:
    """The headings of a row's two label columns in ``grouping``."""
    if grouping == Grouping.REGIERUNGSBEZIRK:
        return _("Regierungsbezirk"), _("Gebietskörperschaften")
    if grouping == Grouping.BLOCK:
        return _("Förderprogramm"), _("Baustein")
    return _("Gebietskörperschaft"), _("Regierungsbezirk")


def figure_columns() -> list[tuple[str, str, str]]:
    """The figures' columns: (attribute of :class:`funding.land.Figures`, heading, kind)."""
    return [
        ("funded_fte", _("geförderte VZÄ"), "fte"),
        ("position_fte", _("Stellen (VZÄ)"), "fte"),
        ("filled_fte", _("besetzte VZÄ"), "fte"),
        ("granted", _("Zuwendung"), "money"),
        ("called", _("abgerufen"), "money"),
        ("received", _("eingegangen"), "money"),
        ("own_share", _("Eigenanteil"), "money"),
        ("proofs_due", _("Nachweise fällig (90 Tage)"), "count"),
        ("proofs_overdue", _("Nachweise überfällig"), "count"),
    ]


def cells(figures: Figures, columns) -> list[dict]:
    return [{"value": getattr(figures, name), "kind": kind} for name, _heading, kind in columns]


def export_table(view, columns) -> tables.Table:
    """The rows as a django-tables2 table for :func:`staffing.exports.xlsx_response` (money and FTE
    as numbers with their formats, German headings)."""
    first, second = row_headings(view.grouping)
    column_class = {"fte": FteColumn, "money": EuroColumn, "count": tables.Column}
    extra = [("label", tables.Column(verbose_name=first)), ("detail", tables.Column(verbose_name=second))]
    extra += [(name, column_class[kind](verbose_name=heading)) for name, heading, kind in columns]

    class LandExportTable(tables.Table):
        class Meta:
            orderable = False

    data = [
        {"label": row.label, "detail": row.detail, **{name: getattr(row.figures, name) for name, _h, _k in columns}}
        for row in view.rows
    ]
    return LandExportTable(data, extra_columns=extra)


class LandPageView(TemplateView):
    """Per body (side by side), per Regierungsbezirk or per programme and block: the figures of
    :func:`funding.land.land_figures` with their totals; ``?_export=xlsx`` the same as a spreadsheet."""

    template_name = "land.html"

    def dispatch(self, request, *args, **kwargs):
        if not may_see_land_view(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        form = LandFilterForm(request.GET or None)
        view = land_figures(today=timezone.localdate(), **form.filters())
        columns = figure_columns()
        if request.GET.get("_export") == "xlsx":
            log_export(request, "land-export-xlsx", Body, view.body_count)
            totals_row = [_("Summe"), "", *(getattr(view.totals, name) for name, _h, _k in columns)]
            return xlsx_response(
                export_table(view, columns), "landesansicht", _("Landesansicht"), totals_row, form.description()
            )
        first, second = row_headings(view.grouping)
        rows = [{"row": row, "cells": cells(row.figures, columns)} for row in view.rows]
        context = self.get_context_data(
            form=form,
            view=view,
            rows=rows,
            columns=columns,
            first_heading=first,
            second_heading=second,
            totals=cells(view.totals, columns),
            export_query=_export_query(request),
        )
        return self.render_to_response(context)


def _export_query(request) -> str:
    query = request.GET.copy()
    query["_export"] = "xlsx"
    return query.urlencode()
