"""The position and organisation tables (django-tables2).

Each column is defined once: its header, sorting and footer here, its export value in ``value_*``
(the CSV/XLSX export reads the table's ``as_values()``). The position table's body is a plain
template loop (``staffing/_position_table.html``), as Healthchecks writes its lists: tables2
renders each of a long page's cells through its own per-cell machinery, several times slower.
"""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from integration_admin.core.cache import content_key
from integration_admin.core.db import from_thousandths, split_joined
from integration_admin.core.formats import fte
from integration_admin.core.tables import CentsColumn, EuroColumn, FteColumn, Table
from staffing.models import Organisation, Position


def total_fte(key: str):
    """A column footer showing the FTE total ``key`` of the table's totals."""

    def footer(table):
        totals = getattr(table, "totals", None)
        return "" if totals is None else fte(totals[key])

    return footer


class MilliFteColumn(FteColumn):
    """FTE annotated in thousandths (exact sums); empty where the position cannot be held on the day."""

    def value(self, value, record):
        return from_thousandths(value) if record.staffable_on_day else None


class PositionTable(Table):
    """Positions as :func:`~staffing.models.listed_positions` annotates them."""

    programme = tables.Column(
        _("Programm"),
        accessor="programme_short_name",
        order_by=("building_block__programme__sort_order", "building_block__programme__short_name"),
    )
    building_block = tables.Column(
        _("Baustein"),
        accessor="block_number",
        order_by=("building_block__programme__sort_order", "building_block__number"),
    )
    organisation = tables.Column(
        _("Organisation"), accessor="organisation_short_name", order_by=("organisation__short_name",)
    )
    title = tables.Column(verbose_name=_("Bezeichnung"), footer=_("Summe"))
    fte = FteColumn(verbose_name=_("VZÄ"), footer=total_fte("fte"))
    pay_grade = tables.Column(
        _("Entgeltgruppe"), accessor="pay_grade_code", order_by=("pay_grade__sort_order", "pay_step")
    )
    pay_step = tables.Column(verbose_name=_("Stufe"), visible=False)
    holders = tables.Column(verbose_name=_("Stelleninhaber/-innen"), accessor="holder_names", orderable=False)
    assigned = MilliFteColumn(_("besetzt"), accessor="assigned_milli", footer=total_fte("assigned"))
    vacant = MilliFteColumn(_("frei"), accessor="vacant_milli", footer=total_fte("vacant"))
    occupancy = tables.Column(verbose_name=_("Besetzung"), orderable=False)
    period = tables.Column(
        verbose_name=_("Zeitraum"), empty_values=(), order_by=("start", "end"), exclude_from_export=True
    )
    start = tables.DateColumn(verbose_name=_("Beginn"), visible=False)
    end = tables.DateColumn(verbose_name=_("Ende"), visible=False)
    status = tables.Column(verbose_name=_("Status"))
    annual_cost = EuroColumn(verbose_name=_("Jahreskosten"), footer=lambda table: table.cost_footer())
    cost_is_illustrative = tables.BooleanColumn(verbose_name=_("Kosten illustrativ"), visible=False)

    class Meta:
        model = Position
        fields = []
        sequence = (
            "programme", "building_block", "organisation", "title", "fte", "pay_grade", "pay_step", "holders",
            "assigned", "vacant", "occupancy", "period", "start", "end", "status", "annual_cost",
            "cost_is_illustrative",
        )  # fmt: skip
        empty_text = _("Keine Stellen gefunden.")
        attrs = {"class": "table table-sm table-hover align-middle positions", "id": "positions"}
        template_name = "staffing/_position_table.html"

    def __init__(self, *args, cost_year: int | None = None, totals: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cost_year = cost_year
        self.totals = totals
        if cost_year is not None:
            self.columns["annual_cost"].column.verbose_name = _("Jahreskosten %(year)s") % {"year": cost_year}

    def cache_key(self) -> str:
        """The key of the rendered table in the fragment cache: everything it shows (the page's
        rows, the totals, the columns, the cost year) and everything its links carry (the request's
        path and query: filters, sort, page)."""
        records = [row.record for row in self.paginated_rows]
        pages = self.paginator.num_pages if self.page else None
        return content_key(self.request.get_full_path(), self.shown, self.cost_year, self.totals, pages, records)

    @property
    def shown(self) -> set[str]:
        """The names of the columns the body shows (the visible ones, without those excluded)."""
        return {column.name for column in self.columns}

    def cost_footer(self):
        return render_to_string("staffing/_cost_footer.html", {"totals": self.totals})

    def value_pay_grade(self, value):
        return value or ""

    def value_pay_step(self, value):
        return value

    def value_start(self, value):
        return value

    def value_end(self, value):
        return value

    def value_holders(self, value, record):
        if record.holders_hidden:  # need to know: another organisation's holders (PositionQuerySet.with_holders)
            return _("nicht einsehbar")
        return ", ".join(split_joined(value))

    def value_occupancy(self, record):
        return record.occupancy_label

    def value_status(self, record):
        return record.get_status_display()

    def value_cost_is_illustrative(self, value):
        return bool(value)


class MilliColumn(FteColumn):
    def render(self, value):
        return fte(from_thousandths(value))

    def value(self, value):
        return from_thousandths(value)


class OrganisationTable(Table):
    short_name = tables.Column(verbose_name=_("Kurzbezeichnung"), linkify=True)
    name = tables.Column(verbose_name=_("Name"))
    kind = tables.Column(verbose_name=_("Art"))
    position_count = FteColumn(verbose_name=_("Stellen"))
    fte = MilliColumn(verbose_name=_("VZÄ"), accessor="fte_milli")
    assigned = MilliColumn(verbose_name=_("besetzt heute"), accessor="assigned_milli")
    vacant = MilliColumn(verbose_name=_("frei heute"), accessor="vacant_milli")
    cost = CentsColumn(verbose_name=_("Jahreskosten"), accessor="cost_cents")

    class Meta:
        model = Organisation
        fields = []
        sequence = ("short_name", "name", "kind", "position_count", "fte", "assigned", "vacant", "cost")
        empty_text = _("Keine Organisationen gefunden.")
        attrs = {"class": "table table-sm table-hover align-middle organisations", "id": "organisations"}

    def __init__(self, *args, cost_year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if cost_year is not None:
            self.columns["cost"].column.verbose_name = _("Jahreskosten %(year)s") % {"year": cost_year}

    def render_position_count(self, value):
        return str(value)
