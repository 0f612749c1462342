"""The position and organisation tables (django-tables2); exports use the plain values."""

from decimal import Decimal
from functools import cached_property

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from integration_admin.core.db import split_joined
from integration_admin.core.formats import euro, fte
from integration_admin.core.tables import (
    EuroColumn,
    FteColumn,
    GermanDateColumn,
    PythonRowsMixin,
    Table,
    cell_html,
    url_with_pk,
)
from staffing.models import Organisation, Position, PositionStatus, from_thousandths

ILLUSTRATIVE_BADGE = '<span class="badge badge-illustrative" title="{}">{}</span>'


def illustrative_badge():
    return format_html(ILLUSTRATIVE_BADGE, _("Beispielwerte, keine echten Entgelt- oder Tarifdaten"), _("illustrativ"))


def total_fte(key: str):
    """A column footer showing the FTE total ``key`` of the table's totals."""

    def footer(table):
        totals = getattr(table, "totals", None)
        return "" if totals is None else fte(totals[key])

    return footer


def milli_fte_cell(value, record) -> str:
    """FTE in thousandths as "1,5"; "–" where the position cannot be held on the day."""
    return fte(from_thousandths(value)) if record.staffable_on_day else "–"


class MilliFteColumn(FteColumn):
    """FTE annotated in thousandths (exact sums); shown as "1,5", "–" where it means nothing."""

    def render(self, value, record):
        return milli_fte_cell(value, record)

    def value(self, value, record):
        return from_thousandths(value) if record.staffable_on_day else None


class PositionTable(PythonRowsMixin, Table):
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
        _("Organisation"),
        accessor="organisation_short_name",
        order_by=("organisation__short_name",),
        linkify=lambda record: reverse("staffing:organisation-detail", args=[record.organisation_id]),
    )
    title = tables.Column(verbose_name=_("Bezeichnung"), linkify=True, footer=_("Summe"))
    fte = FteColumn(
        verbose_name=_("VZÄ"), footer=lambda table: fte(table.totals["fte"]) if hasattr(table, "totals") else ""
    )
    pay_grade = tables.Column(
        _("Entgeltgruppe"), accessor="pay_grade_code", order_by=("pay_grade__sort_order", "pay_step"), default="–"
    )
    pay_step = tables.Column(verbose_name=_("Stufe"), visible=False)
    holders = tables.Column(
        verbose_name=_("Stelleninhaber/-innen"), accessor="holder_names", orderable=False, default="–"
    )
    assigned = MilliFteColumn(
        _("besetzt"),
        accessor="assigned_milli",
        footer=total_fte("assigned"),
    )
    vacant = MilliFteColumn(
        _("frei"),
        accessor="vacant_milli",
        footer=total_fte("vacant"),
    )
    period = tables.Column(
        verbose_name=_("Zeitraum"), empty_values=(), order_by=("start", "end"), exclude_from_export=True
    )
    start = GermanDateColumn(verbose_name=_("Beginn"), visible=False, default="")
    end = GermanDateColumn(verbose_name=_("Ende"), visible=False, default="")
    status = tables.Column(verbose_name=_("Status"))
    annual_cost = EuroColumn(verbose_name=_("Jahreskosten"), footer=lambda table: table.cost_footer())
    cost_is_illustrative = tables.BooleanColumn(verbose_name=_("Kosten illustrativ"), visible=False)

    class Meta:
        model = Position
        fields = []
        sequence = (
            "programme", "building_block", "organisation", "title", "fte", "pay_grade", "pay_step", "holders",
            "assigned", "vacant", "period", "start", "end", "status", "annual_cost", "cost_is_illustrative",
        )  # fmt: skip
        empty_text = _("Keine Stellen gefunden.")
        attrs = {"class": "table table-sm table-hover align-middle positions", "id": "positions"}
        template_name = "includes/_python_rows_table.html"

    def __init__(self, *args, cost_year: int | None = None, totals: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cost_year = cost_year
        if totals is not None:
            self.totals = totals
        if cost_year is not None:
            self.columns["annual_cost"].column.verbose_name = _("Jahreskosten %(year)s") % {"year": cost_year}

    def export_row(self, record, names: list[str]) -> list:
        """The plain values of one position for the CSV/XLSX export (see staffing.exports)."""
        staffable = record.staffable_on_day
        values = {
            "programme": record.programme_short_name,
            "building_block": record.block_number,
            "organisation": record.organisation_short_name,
            "title": record.title,
            "fte": record.fte,
            "pay_grade": record.pay_grade_code or "",
            "pay_step": record.pay_step,
            "holders": ", ".join(split_joined(record.holder_names)),
            "assigned": from_thousandths(record.assigned_milli) if staffable else None,
            "vacant": from_thousandths(record.vacant_milli) if staffable else None,
            "start": record.start,
            "end": record.end,
            "status": record.get_status_display(),
            "annual_cost": record.annual_cost,
            "cost_is_illustrative": bool(record.cost_is_illustrative),
        }
        return [values[name] for name in names]

    def cost_footer(self):
        totals = getattr(self, "totals", None)
        if not totals or totals["cost"] is None:
            return "–"
        parts = [euro(totals["cost"])]
        if totals["cost_illustrative"]:
            parts.append(format_html('<div class="cell-note">{}</div>', illustrative_badge()))
        if totals["cost_missing"]:
            parts.append(
                format_html(
                    '<div class="small fw-normal text-body-secondary">{}</div>',
                    _("%(count)s ohne Kostendaten") % {"count": totals["cost_missing"]},
                )
            )
        return format_html_join("", "{}", ((part,) for part in parts))

    # The body cells (PythonRowsMixin): the same output as the render_ methods below, per record.

    def cell_programme(self, record):
        return record.programme_short_name

    # (f-strings with cell_html: the same escaping as format_html, without its per-call overhead
    # on some 200 links and badges a page)

    def cell_building_block(self, record):
        return mark_safe(f'<span title="{cell_html(record.block_title)}">{cell_html(record.block_number)}</span>')  # noqa: S308

    def cell_organisation(self, record):
        url = self.urls["organisation"](record.organisation_id)
        return mark_safe(f'<a href="{cell_html(url)}">{cell_html(record.organisation_short_name)}</a>')  # noqa: S308

    def cell_title(self, record):
        return mark_safe(f'<a href="{cell_html(self.urls["position"](record.pk))}">{cell_html(record.title)}</a>')  # noqa: S308

    @cached_property
    def urls(self):
        """The detail URLs of the rows, reversed once per table rather than twice per row."""
        return {
            "organisation": url_with_pk("staffing:organisation-detail"),
            "position": url_with_pk("staffing:position-detail"),
        }

    def cell_fte(self, record):
        return fte(record.fte)

    def cell_pay_grade(self, record):
        return self.render_pay_grade(record.pay_grade_code, record) if record.pay_grade_id else None

    def cell_pay_step(self, record):
        return record.pay_step

    def cell_holders(self, record):
        if not record.holder_names:
            return None
        return mark_safe(", ".join(cell_html(name) for name in split_joined(record.holder_names)))  # noqa: S308

    def cell_assigned(self, record):
        return milli_fte_cell(record.assigned_milli, record)

    def cell_vacant(self, record):
        return milli_fte_cell(record.vacant_milli, record)

    def cell_period(self, record):
        return self.render_period(record)

    def cell_start(self, record):
        return f"{record.start:%d.%m.%Y}" if record.start else None

    def cell_end(self, record):
        return f"{record.end:%d.%m.%Y}" if record.end else None

    def cell_status(self, record):
        label = cell_html(self.status_label(record))
        return mark_safe(f'<span class="badge status status-{cell_html(record.status)}">{label}</span>')  # noqa: S308

    def cell_annual_cost(self, record):
        return self.render_annual_cost(record.annual_cost, record) if record.annual_cost is not None else None

    def cell_cost_is_illustrative(self, record):
        return _("ja") if record.cost_is_illustrative else _("nein")

    def render_building_block(self, value, record):
        return format_html('<span title="{}">{}</span>', record.block_title, value)

    def render_pay_grade(self, value, record):
        text = f"{value} / {record.pay_step}" if record.pay_step else value
        if record.pay_grade_is_illustrative:
            return format_html('{}<div class="cell-note">{}</div>', text, illustrative_badge())
        return text

    def value_building_block(self, value):
        return value

    def value_pay_grade(self, value, record):
        return record.pay_grade_code or ""

    def value_annual_cost(self, value):
        return value

    def value_start(self, record):
        return record.start

    def value_end(self, record):
        return record.end

    def render_holders(self, value):
        return format_html_join(", ", "{}", ((name,) for name in split_joined(value)))

    def value_holders(self, value):
        return ", ".join(split_joined(value))

    def render_period(self, record):
        if record.start and record.end:
            return f"{record.start:%d.%m.%Y} – {record.end:%d.%m.%Y}"
        if record.start:
            return _("ab %(day)s") % {"day": f"{record.start:%d.%m.%Y}"}
        if record.end:
            return _("bis %(day)s") % {"day": f"{record.end:%d.%m.%Y}"}
        return _("offen")

    def render_status(self, record):
        return format_html('<span class="badge status status-{}">{}</span>', record.status, self.status_label(record))

    def status_label(self, record) -> str:
        """The status's label, translated once per table rather than once per row."""
        labels = self.__dict__.get("_status_labels")
        if labels is None:
            labels = self.__dict__["_status_labels"] = {value: str(label) for value, label in PositionStatus.choices}
        return labels[record.status]

    def value_status(self, record):
        return record.get_status_display()

    def render_annual_cost(self, value, record):
        if record.cost_is_illustrative:
            return format_html('{}<div class="cell-note">{}</div>', euro(value), illustrative_badge())
        return euro(value)

    def value_cost_is_illustrative(self, value):
        return bool(value)


def cents_to_euro(value) -> Decimal | None:
    return None if value is None else (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


class MilliColumn(FteColumn):
    def render(self, value):
        return fte(from_thousandths(value))

    def value(self, value):
        return from_thousandths(value)


class CentsColumn(EuroColumn):
    def render(self, value):
        return euro(cents_to_euro(value))

    def value(self, value):
        return cents_to_euro(value)


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
