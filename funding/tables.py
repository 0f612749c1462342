"""django-tables2 tables of the funding pages."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from funding.models import Application, FinancingType, ProofOfUse
from integration_admin.core.tables import CentsColumn, EuroColumn, Table

FINANCING_LABELS = dict(FinancingType.choices)


class DecisionTable(Table):
    """Grant decisions with the figures of their current version (annotated by ``with_figures``)."""

    title = tables.TemplateColumn(template_name="funding/_decision_title_cell.html", verbose_name=_("Bescheid"))
    programme = tables.Column(verbose_name=_("Programm"), accessor="programme__short_name")
    funder = tables.Column(verbose_name=_("Zuwendungsgeber"), accessor="funder__short_name")
    version_number = tables.Column(verbose_name=_("Fassung"), orderable=False)
    financing_type = tables.Column(verbose_name=_("Finanzierungsart"))
    eligible = EuroColumn(verbose_name=_("zuwendungsfähig"))
    granted = EuroColumn(verbose_name=_("Zuwendung"))
    own_share = EuroColumn(verbose_name=_("Eigenanteil"))
    called_cents = CentsColumn(verbose_name=_("abgerufen"))
    received_cents = CentsColumn(verbose_name=_("eingegangen"))
    period_end = tables.DateColumn(verbose_name=_("Zeitraum bis"))
    status = tables.TemplateColumn(
        template_name="funding/_decision_status_cell.html", verbose_name=_("Status"), orderable=False
    )

    class Meta:
        model = None
        fields = []
        order_by = ("programme", "title")
        attrs = {"class": "table table-sm table-hover align-middle decision-list"}

    def render_version_number(self, value):
        if value == 0:
            return _("Erstbescheid")
        return _("%(number)s. Änderung") % {"number": value}

    def render_financing_type(self, value):
        return FINANCING_LABELS.get(value, value)


class ApplicationTable(Table):
    submitted_on = tables.DateColumn(verbose_name=_("Antragsdatum"), linkify=True)
    programme = tables.Column(verbose_name=_("Programm"), accessor="programme__short_name")
    reference = tables.Column(verbose_name=_("Aktenzeichen"))
    requested_amount = EuroColumn(verbose_name=_("beantragt"))
    decisions = tables.Column(verbose_name=_("Bescheide"), accessor="decision_count", orderable=False)

    class Meta:
        model = Application
        fields = ["submitted_on", "programme", "reference", "requested_amount", "decisions"]
        order_by = ("-submitted_on",)


class ProofTable(Table):
    due_on = tables.DateColumn(verbose_name=_("Frist"))
    decision = tables.TemplateColumn(
        template_name="funding/_proof_decision_cell.html", verbose_name=_("Bescheid"), accessor="decision__title"
    )
    programme = tables.Column(verbose_name=_("Programm"), accessor="decision__programme__short_name")
    kind = tables.Column(verbose_name=_("Art"))
    covers_year = tables.Column(verbose_name=_("Berichtsjahr"))
    missing = tables.Column(verbose_name=_("fehlt noch"), empty_values=(), orderable=False)
    state = tables.TemplateColumn(
        '{% include "funding/_proof_state.html" with state=record.state_today %}',
        verbose_name=_("Stand"),
        orderable=False,
    )

    class Meta:
        model = ProofOfUse
        fields = ["due_on", "decision", "programme", "kind", "covers_year", "missing", "state"]
        order_by = ("due_on",)

    def render_missing(self, record):
        return ", ".join(record.missing_parts()) or "–"
