"""django-tables2 tables of the funding pages."""

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from funding.models import Application, DecisionStatus, FinancingType, ProofOfUse
from integration_admin.core.tables import CentsColumn, EuroColumn, Table

FINANCING_LABELS = dict(FinancingType.choices)
STATUS_LABELS = dict(DecisionStatus.choices)


class DecisionTable(Table):
    """Grant decisions with the figures of their current version (annotated by ``with_figures``)."""

    title = tables.Column(verbose_name=_("Bescheid"), linkify=True)
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
    status = tables.Column(verbose_name=_("Status"), empty_values=(), orderable=False)

    class Meta:
        model = None
        fields = []
        order_by = ("programme", "title")
        attrs = {"class": "table table-sm table-hover align-middle decision-list"}

    def __init__(self, *args, today=None, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def render_title(self, record, value):
        badges = []
        if record.application_id is None:
            badges.append(("text-bg-warning", _("ohne Antrag")))
        if record.illustrative:
            badges.append(("badge-illustrative", _("illustrativ")))
        return format_html(
            '<a href="{}">{}</a>{}',
            record.get_absolute_url(),
            value,
            format_html_join("", ' <span class="badge {}">{}</span>', badges),
        )

    def render_version_number(self, value):
        if value == 0:
            return _("Erstbescheid")
        return _("%(number)s. Änderung") % {"number": value}

    def render_financing_type(self, value):
        return FINANCING_LABELS.get(value, value)

    def render_status(self, record):
        if self.today is None:
            return "–"
        if record.period_start and record.period_start > self.today:
            status = DecisionStatus.UPCOMING
        elif record.period_end and record.period_end < self.today:
            status = DecisionStatus.ENDED
        else:
            status = DecisionStatus.RUNNING
        badge = ""
        if record.proof_overdue:
            badge = format_html(' <span class="badge text-bg-danger">{}</span>', STATUS_LABELS["proof_overdue"])
        return format_html("{}{}", STATUS_LABELS[status], badge)


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
    decision = tables.Column(verbose_name=_("Bescheid"), accessor="decision__title", linkify=False)
    programme = tables.Column(verbose_name=_("Programm"), accessor="decision__programme__short_name")
    kind = tables.Column(verbose_name=_("Art"))
    covers_year = tables.Column(verbose_name=_("Berichtsjahr"))
    missing = tables.Column(verbose_name=_("fehlt noch"), empty_values=(), orderable=False)
    state = tables.Column(verbose_name=_("Stand"), empty_values=(), orderable=False)

    class Meta:
        model = ProofOfUse
        fields = ["due_on", "decision", "programme", "kind", "covers_year", "missing", "state"]
        order_by = ("due_on",)

    def __init__(self, *args, today=None, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def render_decision(self, record, value):
        badge = ""
        if record.is_illustrative:
            badge = format_html(' <span class="badge badge-illustrative">{}</span>', _("illustrativ"))
        return format_html('<a href="{}">{}</a>{}', record.get_absolute_url(), value, badge)

    def render_missing(self, record):
        return ", ".join(record.missing_parts()) or "–"

    def render_state(self, record):
        return proof_state_badge(record.state(self.today))


PROOF_STATES = {
    "done": ("text-bg-success", _("erledigt")),
    "overdue": ("text-bg-danger", _("überfällig")),
    "due": ("text-bg-warning", _("fällig in 90 Tagen")),
    "open": ("text-bg-light border", _("offen")),
}


def proof_state_badge(state: str):
    css, label = PROOF_STATES[state]
    return format_html('<span class="badge {}">{}</span>', css, label)
