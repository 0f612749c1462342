"""The decision list's exports: the letters and their call-offs as CSV/XLSX, in the columns of
the decision and call-off import (:mod:`funding.imports`), so that an export re-imports unchanged.

Each table has one column per import field, headed with the import's label; the values are those
of the current version (the letter in force), the way the import reads them back: programme and
funder by short name, building blocks by number, the financing type and form by their labels.
"""

import django_tables2 as tables
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from funding.imports import CALL_OFF_FIELDS, DECISION_FIELDS
from funding.models import CallOff, DecisionVersion, PlanItem
from funding.plan_imports import PLAN_FIELDS
from integration_admin.core.tables import EuroColumn, FteColumn

MONEY_FIELDS = {"eligible_expenditure", "stated_amount", "own_funds", "third_party_funds", "amount", "received_amount"}


def _column(name: str, label) -> tables.Column:
    if name in MONEY_FIELDS:
        return EuroColumn(verbose_name=label)
    if name in ("funded_fte", "fte"):
        return FteColumn(verbose_name=label)
    return tables.Column(verbose_name=label)


class DecisionExportTable(tables.Table):
    """One row per decision: its current version's figures (rows are dicts from :func:`decision_rows`)."""

    class Meta:
        model = None
        fields = []
        orderable = False

    def __init__(self, *args, **kwargs):
        extra = [(name, _column(name, label)) for name, label in DECISION_FIELDS.items()]
        super().__init__(*args, extra_columns=extra, **kwargs)


class CallOffExportTable(tables.Table):
    class Meta:
        model = None
        fields = []
        orderable = False

    def __init__(self, *args, **kwargs):
        extra = [(name, _column(name, label)) for name, label in CALL_OFF_FIELDS.items()]
        super().__init__(*args, extra_columns=extra, **kwargs)


def decision_rows(decisions) -> list[dict]:
    """The export's rows of ``decisions`` (a queryset), in two queries."""
    decisions = decisions.select_related("programme", "funder").prefetch_related(
        "building_blocks",
        Prefetch("versions", DecisionVersion.objects.current(), to_attr="current_versions"),
    )
    rows = []
    for decision in decisions:
        version = decision.current_version()
        row = {
            "reference": decision.reference,
            "programme": decision.programme.short_name,
            "building_blocks": ", ".join(str(b.number) for b in sorted(decision.building_blocks.all(), key=_number)),
            "funder": decision.funder.short_name,
            "title": decision.title,
            "form": decision.get_form_display(),
        }
        if version is not None:
            row |= {
                "dated_on": version.dated_on,
                "received_on": version.received_on,
                "period_start": version.period_start,
                "period_end": version.period_end,
                "financing_type": version.get_financing_type_display(),
                "eligible_expenditure": version.eligible_expenditure,
                "rate": version.rate,
                "stated_amount": version.stated_amount,
                "funded_fte": version.funded_fte,
                "own_funds": version.own_funds,
                "third_party_funds": version.third_party_funds,
                "full_financing_reason": version.full_financing_reason,
            }
        rows.append(row)
    return rows


def call_off_rows(decisions) -> list[dict]:
    """The call-offs of ``decisions``, each naming its decision by its file number (else its title)."""
    call_offs = (
        CallOff.objects.filter(decision__in=decisions)
        .select_related("decision")
        .order_by("decision__title", "called_on", "pk")
    )
    return [
        {
            "decision": call_off.decision.reference or call_off.decision.title,
            "called_on": call_off.called_on,
            "amount": call_off.amount,
            "needed_on": call_off.needed_on,
            "received_on": call_off.received_on,
            "received_amount": call_off.received_amount,
            "reference": call_off.reference,
            "note": call_off.note,
        }
        for call_off in call_offs
    ]


class PlanItemExportTable(tables.Table):
    """One row per line of the current versions' financing plans, in the plan import's columns."""

    class Meta:
        model = None
        fields = []
        orderable = False

    def __init__(self, *args, **kwargs):
        extra = [(name, _column(name, label)) for name, label in PLAN_FIELDS.items()]
        super().__init__(*args, extra_columns=extra, **kwargs)


def plan_item_rows(decisions) -> list[dict]:
    """The plan lines of the current versions of ``decisions``, in each plan's order, naming the
    decision by its file number, the kind by its label, the organisation by its short name and the
    building block by its number."""
    items = (
        PlanItem.objects.filter(version__decision__in=decisions, version__is_current=True)
        .select_related("version__decision", "organisation", "building_block")
        .order_by("version__decision__programme", "version__decision__title", "version__decision", "sort_order", "pk")
    )
    return [
        {
            "decision": item.version.decision.reference,
            "kind": item.get_kind_display(),
            "label": item.label,
            "year": item.year,
            "fte": item.fte,
            "amount": item.amount,
            "percent": item.percent,
            "organisation": item.organisation.short_name if item.organisation else "",
            "building_block": item.building_block.number if item.building_block else "",
        }
        for item in items
    ]


def _number(block) -> int:
    return block.number


EXPORT_TITLES = {
    "decisions": _("Bescheide"),
    "call_offs": _("Mittelabrufe"),
    "plan_items": _("Finanzierungspläne"),
}
