"""The body rows of the programme summaries (building blocks, decisions) and of the controlling
overview (decisions and their years), rendered in Python.

The dashboard shows ten programme summaries a page, each with its blocks and their largest
staffing rows and its current decisions; through the template engine those rows were 20 of the
page's 60 ms (a variable lookup, filter, ``{% translate %}`` or include per cell); the controlling
overview's decision and year rows were 6 of its 36 ms. These functions write the same HTML
directly, every text escaped by ``format_cells`` (``format_html`` without its lazy-argument
wrapper) or ``escape``, as ``integration_admin.core.tables.PythonRowsMixin`` does for the position
tables. Header, footer and everything around stay in the templates
(``includes/_programme_summary.html``, ``_decision_table.html``, ``funding/controlling.html``).
"""

from functools import lru_cache

from django.template.defaultfilters import date as date_filter
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from funding.models import FinancingType, GrantForm
from integration_admin.core.formats import euro, fte, percent
from integration_admin.core.tables import format_cells, url_with_pk
from programs.models import GuidelineStatus

DASH = "–"


class Texts:
    """The rows' fixed words, choice labels and link pattern, translated and reversed once per
    language (:func:`texts`) rather than per row (``get_FOO_display()`` and ``reverse()`` were a
    third of a row) or per table (twenty tables a dashboard page). Nothing changes them."""

    def __init__(self):
        self.fte_unit = gettext("VZÄ")
        self.delivered_by = gettext("Umsetzung")
        self.decision_without_application = gettext("Bescheid ohne Antrag")
        self.illustrative = gettext("illustrativ")
        self.without_application = gettext("ohne Antrag")
        self.funded_fte = gettext("VZÄ gefördert")
        self.until = gettext("bis")
        self.expected = gettext("erwartet")
        self.guideline = {value: str(label) for value, label in GuidelineStatus.choices}
        self.form = {value: str(label) for value, label in GrantForm.choices}
        self.financing = {value: str(label) for value, label in FinancingType.choices}
        self.decision_url = url_with_pk("funding:decision-detail")


@lru_cache(maxsize=8)
def _texts(language: str | None, script_prefix: str) -> Texts:
    return Texts()


def texts() -> Texts:
    """The :class:`Texts` of the active language (and URL prefix), made once per process."""
    return _texts(get_language(), get_script_prefix())


def _day(value) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def guideline_text(block, texts: Texts | None = None) -> str:
    """ "im Entwurf, erwartet September 2020": the status of the block's guideline."""
    if texts is None:
        text, expected = block.get_guideline_status_display(), gettext("erwartet")
    else:
        text, expected = texts.guideline.get(block.guideline_status, block.guideline_status), texts.expected
    if block.guideline_expected_on:
        text += f", {expected} {date_filter(block.guideline_expected_on, 'F Y')}"
    return text


def block_row(summary, texts: Texts) -> str:
    """One building block of a programme summary: number, title, guideline, staffing rows."""
    block = summary.block
    title = escape(block.title)
    if block.delivering_organisation:
        title += format_cells(
            ' <span class="text-body-secondary small">({}: {})</span>',
            texts.delivered_by,
            block.delivering_organisation.short_name,
        )
    fte_unit = texts.fte_unit
    staffing = "".join(
        format_cells(
            '<div>{} {} {} <span class="badge text-bg-light border">{}</span></div>',
            fte(row.fte),
            fte_unit,
            row.organisation,
            row.status_label,
        )
        for row in summary.rows
    ) or format_cells('<span class="text-body-secondary">{}</span>', DASH)
    if summary.more_rows:
        more = ngettext(
            "und %(n)s weitere Zeile mit %(fte)s VZÄ", "und %(n)s weitere Zeilen mit %(fte)s VZÄ", summary.more_rows
        ) % {"n": summary.more_rows, "fte": fte(summary.more_fte)}
        staffing += format_cells('<div class="small text-body-secondary">{}</div>', more)
    if summary.has_decision_without_application:
        staffing += format_cells(
            '<div><span class="badge text-bg-warning">{}</span></div>', texts.decision_without_application
        )
    return format_cells(
        '<tr id="baustein-{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
        block.number,
        block.number,
        mark_safe(title),  # noqa: S308 (escaped above)
        guideline_text(block, texts),
        mark_safe(staffing),  # noqa: S308 (every part went through format_cells)
    )


def decision_row(version, texts: Texts) -> str:
    """One current decision version: decision, application, receipt, financing, figures, period."""
    decision = version.decision
    first = format_cells(
        '<a href="{}">{}</a><div class="small text-body-secondary">{} · {} · {}</div>',
        texts.decision_url(decision.pk),
        decision.title,
        version.label,
        decision.funder.short_name,
        texts.form.get(decision.form, decision.form),
    )
    if version.is_illustrative:
        first += format_cells(' <span class="badge badge-illustrative">{}</span>', texts.illustrative)
    if decision.application:
        application = escape(_day(decision.application.submitted_on))
    else:
        application = format_cells('<span class="badge text-bg-warning">{}</span>', texts.without_application)
    financing = escape(texts.financing.get(version.financing_type, version.financing_type))
    if version.funded_fte:
        financing += format_cells('<div class="small">{} {}</div>', fte(version.funded_fte), texts.funded_fte)
    own_share = escape(euro(version.own_share) or DASH) + "".join(
        format_cells(
            '<div class="small text-body-secondary">{} {}</div>', share.organisation.short_name, euro(share.own_share)
        )
        for share in version.shares
    )
    if version.period_start:
        period = f"{_day(version.period_start)} – "
    elif version.period_end:
        period = f"{texts.until} "
    else:
        period = ""
    period += _day(version.period_end) or DASH
    return format_cells(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>',
        mark_safe(first),  # noqa: S308 (format_cells)
        mark_safe(application),  # noqa: S308 (escaped or format_cells)
        _day(version.received_on) or DASH,
        mark_safe(financing),  # noqa: S308 (escaped, then format_cells)
        euro(version.eligible_expenditure) or DASH,
        percent(version.rate) or DASH,
        euro(version.granted_amount) or DASH,
        mark_safe(own_share),  # noqa: S308 (escaped, then format_cells)
        period,
    )


def _amounts_by_organisation(amounts: dict) -> str:
    return "".join(
        format_cells('<div class="small text-body-secondary">{} {}</div>', organisation, euro(amount))
        for organisation, amount in amounts.items()
    )


def controlling_row(item, texts: Texts) -> str:
    """One decision of the controlling overview (``funding.controlling.DecisionRow``) and its years."""
    decision, version = item.decision, item.version
    badge = ""
    if version.is_illustrative:
        badge = format_cells(' <span class="badge badge-illustrative">{}</span>', texts.illustrative)
    heading = format_cells(
        '<a href="{}">{}</a><div class="small text-body-secondary fw-normal">{} · {}{}</div>',
        texts.decision_url(decision.pk),
        decision.title,
        version.label,
        texts.financing.get(version.financing_type, version.financing_type),
        badge,
    )
    rows = [
        format_cells(
            '<tr class="table-light decision-row"><th scope="row">{}</th>'
            '<td class="num">{}</td><td class="num">{}</td><td class="num">{}{}</td><td class="num">{}</td>'
            '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>',
            heading,
            euro(version.eligible_expenditure) or DASH,
            euro(version.granted_amount) or DASH,
            euro(version.own_share) or DASH,
            mark_safe(_amounts_by_organisation(item.own_share_by_organisation)),  # noqa: S308 (format_cells)
            euro(item.called),
            euro(item.received),
            euro(item.remaining) or DASH,
            euro(item.coverage_gap) or DASH,
        )
    ]
    for year in item.years:
        rows.append(
            format_cells(
                '<tr class="year-row"><td class="ps-4">{}</td><td class="num"></td><td class="num">{}</td>'
                '<td class="num"></td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
                '<td class="num">{}{}</td></tr>',
                year.year,
                euro(year.granted),
                euro(year.called),
                euro(year.received),
                euro(year.remaining) or DASH,
                euro(year.coverage_gap) or DASH,
                mark_safe(_amounts_by_organisation(year.gap_by_organisation)),  # noqa: S308 (format_cells)
            )
        )
    return "\n".join(rows)


def rows_html(render, items) -> SafeString:
    words = texts()
    return mark_safe("\n".join(render(item, words) for item in items))  # noqa: S308 (each row escapes its parts)
