"""The figures and text of a report as plain data: what the paper shows, and what a release freezes.

:func:`build_snapshot` reads the report, its consultations and sections, and every figure from
the domain apps (through :func:`funding.summaries.programme_summaries` and
:mod:`staffing.costs`) with a fixed number of queries. The result holds only ``str``, ``int``,
``bool``, ``None``, ``Decimal``, ``date``/``datetime``, lists and dicts. A draft is rendered from a
fresh snapshot; a released report from the one stored at release (:func:`encode` /
:func:`decode` turn it into JSON and back without losing the types).

The template never reads the database: everything it shows is in here.
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from funding.models import DecisionVersion, FinancingType, PassThrough, PlanItem, attach_ceilings
from funding.summaries import ProgrammeSummary, own_share_by_year, programme_summaries
from integration_admin.council.models import Report
from programs.models import Programme
from staffing.costs import costs_by_year
from staffing.models import PLANNED_STATUSES, Organisation, Position, PositionCost

SNAPSHOT_VERSION = 1
ZERO = Decimal("0.00")


# --- JSON with types -------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """Make ``value`` JSON-safe, tagging decimals and dates so that :func:`decode` restores them."""
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Promise):  # lazy translation
        return str(value)
    raise TypeError(f"snapshot value of type {type(value).__name__} cannot be stored")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1:
            [(key, item)] = value.items()
            if key == "$decimal":
                return Decimal(item)
            if key == "$datetime":
                return datetime.datetime.fromisoformat(item)
            if key == "$date":
                return datetime.date.fromisoformat(item)
        return {key: decode(item) for key, item in value.items()}
    return value


# --- the parts of the paper ------------------------------------------------------------------


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def _item_may_be_printed(item, report: Report) -> bool:
    """A non-public agenda item's title and result go only into a non-public paper: a public one
    is read by everyone and published over OParl (need to know)."""
    return item.public or not report.public


def _consultations(report: Report) -> list[dict]:
    rows = []
    for consultation in report.consultations.select_related("committee", "meeting", "agenda_item"):
        item = consultation.agenda_item
        shown = item is not None and _item_may_be_printed(item, report)
        rows.append(
            {
                "committee": consultation.committee.name,
                "date": _local_date(consultation.meeting.start) if consultation.meeting else None,
                "role": consultation.get_role_display(),
                "authoritative": consultation.authoritative,
                "public": item.public if item else report.public,
                "agenda_number": item.number if item else "",
                "result": item.result if shown else "",
            }
        )
    return rows


def _related(report: Report) -> dict | None:
    item = report.related_agenda_item
    if item is None:
        return None
    shown = _item_may_be_printed(item, report)
    return {
        "committee": item.meeting.committee.name,
        "date": _local_date(item.meeting.start),
        "number": item.number,
        "title": item.title if shown else _("nichtöffentlicher Tagesordnungspunkt"),
        "result": item.result if shown else "",
    }


def _pass_through(item: PassThrough) -> dict:
    years = item.by_year
    return {
        "recipient": item.recipient.short_name,
        "form": item.get_form_display(),
        "amount": item.amount,
        "funded_fte": item.funded_fte,
        "max_per_fte": item.max_per_fte,
        "actual_cost_basis": item.actual_cost_basis,
        "top_up_per_fte": item.top_up_per_fte,
        "period_start": item.period_start,
        "period_end": item.period_end,
        "years": [
            {"year": row["year"], "passed_on": row["passed_on"], "top_up": row["top_up"], "total": row["total"]}
            for row in years
        ],
        "top_up_total": item.top_up_total,
        "total": item.recipient_total,
        "ceiling": item.ceiling,
        "claim_back": item.claim_back,
    }


def _plan(version: DecisionVersion, items: list) -> dict | None:
    """The version's financing plan as the paper prints it: item by item with amounts per year
    (a flat-rate letter's frozen rates too: they give its total per year)."""
    table = version.plan_table(items)
    if not table or not table.get("years"):
        return None

    def row(entry) -> dict:
        item = entry["item"]
        return {
            "kind": item.get_kind_display(),
            "label": item.label,
            "block": item.building_block.number if item.building_block_id else None,
            "organisation": item.organisation.short_name if item.organisation_id else "",
            "fte": item.fte,
            "amount": item.amount,
            "percent": item.percent,
            "by_year": entry["by_year"],
            "total": entry["total"],
        }

    return {
        "years": table["years"],
        "costs": [row(entry) for entry in table["costs"]],
        "resources": [row(entry) for entry in table["resources"]],
        "cost_by_year": table["cost_by_year"],
        "cost_total": table["cost_total"],
        "resource_by_year": table["resource_by_year"],
        "resource_total": table["resource_total"],
        "grant_by_year": table["grant_by_year"],
        "granted": version.granted_amount,
    }


def _decision(version: DecisionVersion, pass_throughs: list[PassThrough], plan_items: list | None = None) -> dict:
    decision = version.decision
    attach_ceilings(
        pass_throughs,
        granted=version.granted_amount,
        grant_by_organisation={share.organisation_id: share.grant_amount for share in version.shares},
    )
    application = decision.application
    return {
        "title": decision.title,
        "label": version.label,
        "number": version.number,
        "reason": version.reason,
        "funder": decision.funder.short_name,
        "funder_name": decision.funder.name,
        "form": decision.get_form_display(),
        "financing_type": version.get_financing_type_display(),
        "is_flat_rate": version.financing_type == FinancingType.FLAT_RATE,
        "application_on": application.submitted_on if application else None,
        "without_application": application is None,
        "dated_on": version.dated_on,
        "received_on": version.received_on,
        "eligible": version.eligible_expenditure,
        "rate": version.rate,
        "granted": version.granted_amount,
        "own_share": version.own_share,
        "funded_fte": version.funded_fte,
        "period_start": version.period_start,
        "period_end": version.period_end,
        "blocks": [block.number for block in decision.building_blocks.all()],
        "is_illustrative": version.is_illustrative,
        "shares": [
            {
                "organisation": share.organisation.short_name,
                "weight": share.weight,
                "eligible": share.eligible_amount,
                "granted": share.grant_amount,
                "own_share": share.own_share,
            }
            for share in version.shares
        ],
        "pass_throughs": [_pass_through(item) for item in pass_throughs],
        "plan": _plan(version, plan_items or []),
    }


def _programme(
    summary: ProgrammeSummary,
    pass_throughs: dict[int, list[PassThrough]],
    plan_items: dict[int, list[PlanItem]] | None = None,
) -> dict:
    programme = summary.programme
    staffing = []
    blocks = []
    for block_summary in summary.blocks:
        block = block_summary.block
        blocks.append(
            {
                "number": block.number,
                "title": block.title,
                "short_title": block.display_title,
                "delivering_organisation": block.delivering_organisation.short_name
                if block.delivering_organisation
                else "",
                "guideline_status": block.get_guideline_status_display(),
                "guideline_in_force": block.guideline_status == "in_force",
                "guideline_expected_on": block.guideline_expected_on,
                "guideline_note": block.guideline_note,
                "fte": block_summary.fte,
                "has_decision_without_application": block_summary.has_decision_without_application,
            }
        )
        for row in block_summary.rows:
            staffing.append(
                {
                    "block_number": block.number,
                    "block": block.display_title,
                    "organisation": row.organisation,
                    "status": str(row.status_label),
                    "fte": row.fte,
                    "positions": row.positions,
                }
            )
    plan_items = plan_items or {}
    decisions = [
        _decision(version, pass_throughs.get(version.decision_id, []), plan_items.get(version.pk, []))
        for version in summary.versions
    ]
    fte_by_status: dict[str, Decimal] = {}
    for row in staffing:  # in the order of the status choices, as the rows come
        fte_by_status[row["status"]] = fte_by_status.get(row["status"], Decimal("0")) + row["fte"]
    return {
        "pk": programme.pk,
        "name": programme.name,
        "short_name": programme.short_name,
        "joint_initiative": programme.joint_initiative,
        "target_group": programme.target_group,
        "website": programme.website,
        "funders": [{"short_name": f.short_name, "name": f.name} for f in programme.funders.all()],
        "blocks": blocks,
        "staffing": staffing,
        "fte_by_organisation": [{"organisation": org, "fte": fte} for org, fte in summary.fte_by_organisation.items()],
        "fte_by_status": [{"status": status, "fte": fte} for status, fte in fte_by_status.items()],
        "fte_total": summary.fte_total,
        "decisions": decisions,
        "eligible_total": summary.eligible_total,
        "granted_total": summary.granted_total,
        "own_share_total": summary.own_share_total,
    }


def _coverage_gaps(versions: list[DecisionVersion]) -> dict:
    """What flat rates leave uncovered of the employer cost, per organisation and year.

    For the positions in the blocks of flat-rate decisions with a complete period, in the years of
    that period: the stored cost per position and year and the block's flat rate, summed as the
    controlling overview sums them (:func:`staffing.costs.costs_by_year`). ``unknown`` counts the
    positions and years without a figure (pay grade, pay table or flat rate missing).
    """
    flat = [v for v in versions if v.financing_type == FinancingType.FLAT_RATE]
    years_by_block: dict[int, set[int]] = defaultdict(set)
    for version in flat:
        if version.period_start and version.period_end:
            for block in version.decision.building_blocks.all():
                years_by_block[block.pk].update(range(version.period_start.year, version.period_end.year + 1))
    result = {"applicable": bool(flat), "years": [], "rows": [], "unknown": 0, "year_totals": [], "total": ZERO}
    if not years_by_block:
        return result
    costs = PositionCost.objects.of_granted_positions(list(years_by_block)).filter(
        year__in=sorted(set().union(*years_by_block.values()))
    )
    by_block_and_organisation = costs_by_year(
        costs, key=lambda row: (row["position__building_block_id"], row["position__organisation__short_name"])
    )
    gaps: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    known = 0
    for (block, organisation), years in by_block_and_organisation.items():
        for year, summary in years.items():
            if year in years_by_block[block] and summary.coverage_gap is not None:
                gaps[organisation][year] += summary.coverage_gap
                known += summary.funded_positions
    positions = Position.objects.filter(building_block__in=list(years_by_block)).exclude(status__in=PLANNED_STATUSES)
    expected = sum(len(years_by_block[block]) for block in positions.values_list("building_block_id", flat=True))
    years = sorted({year for amounts in gaps.values() for year in amounts})
    rows = [
        {
            "organisation": org,
            "amounts": [gaps[org].get(year) for year in years],
            "total": sum(gaps[org].values(), ZERO),
        }
        for org in sorted(gaps)
    ]
    result.update(
        years=years,
        rows=rows,
        unknown=expected - known,
        year_totals=[sum((gaps[org].get(year, ZERO) for org in gaps), ZERO) for year in years],
        total=sum((row["total"] for row in rows), ZERO),
    )
    return result


def _pass_throughs_by_year(programmes: list[dict]) -> dict:
    """What is passed on per programme, recipient and year, and what the Kreis adds from its own budget.

    Pass-throughs without a period have no years: they count in the totals only (``undivided``).
    """
    merged: dict[tuple[str, str], dict] = {}
    for programme in programmes:
        for decision in programme["decisions"]:
            for item in decision["pass_throughs"]:
                key = (programme["short_name"], item["recipient"])
                row = merged.setdefault(
                    key,
                    {
                        "programme": key[0],
                        "recipient": key[1],
                        "passed_on": defaultdict(lambda: ZERO),
                        "top_up": defaultdict(lambda: ZERO),
                        "undivided": ZERO,
                        "passed_on_total": ZERO,
                        "top_up_total": ZERO,
                    },
                )
                for year in item["years"]:
                    row["passed_on"][year["year"]] += year["passed_on"]
                    row["top_up"][year["year"]] += year["top_up"]
                if not item["years"]:
                    row["undivided"] += item["amount"]
                row["passed_on_total"] += item["amount"]
                row["top_up_total"] += item["top_up_total"]
    years = sorted({year for row in merged.values() for year in [*row["passed_on"], *row["top_up"]]})
    rows = []
    for row in merged.values():
        passed_on = [row["passed_on"].get(year, ZERO) for year in years]
        top_up = [row["top_up"].get(year, ZERO) for year in years]
        rows.append(
            {
                "programme": row["programme"],
                "recipient": row["recipient"],
                "passed_on": passed_on,
                "top_up": top_up,
                "totals": [a + b for a, b in zip(passed_on, top_up, strict=True)],
                "undivided": row["undivided"],
                "passed_on_total": row["passed_on_total"],
                "top_up_total": row["top_up_total"],
                "total": row["passed_on_total"] + row["top_up_total"],
            }
        )
    return {
        "years": years,
        "rows": rows,
        "has_undivided": any(row["undivided"] for row in rows),
        "undivided_total": sum((row["undivided"] for row in rows), ZERO),
        "year_passed_on_totals": [sum((row["passed_on"][i] for row in rows), ZERO) for i in range(len(years))],
        "year_top_up_totals": [sum((row["top_up"][i] for row in rows), ZERO) for i in range(len(years))],
        "passed_on_total": sum((row["passed_on_total"] for row in rows), ZERO),
        "top_up_total": sum((row["top_up_total"] for row in rows), ZERO),
        "total": sum((row["total"] for row in rows), ZERO),
    }


def _finance(programmes: list[dict], versions: list[DecisionVersion]) -> dict:
    """Financial summary: grant and own share per programme and organisation, per year, coverage gap."""
    rows = []
    open_decisions = []
    for programme in programmes:
        for decision in programme["decisions"]:
            if decision["granted"] is None:
                open_decisions.append({"programme": programme["short_name"], **decision})
                continue
            if decision["shares"]:
                for share in decision["shares"]:
                    rows.append(
                        {
                            "programme": programme["short_name"],
                            "organisation": share["organisation"],
                            "eligible": share["eligible"],
                            "granted": share["granted"],
                            "own_share": share["own_share"],
                        }
                    )
            else:
                rows.append(
                    {
                        "programme": programme["short_name"],
                        "organisation": "",
                        "eligible": decision["eligible"],
                        "granted": decision["granted"],
                        "own_share": decision["own_share"],
                    }
                )
    # Merge rows of the same programme and organisation (several decisions), keep the programme order.
    merged: dict[tuple[str, str], dict] = {}
    for row in rows:
        key = (row["programme"], row["organisation"])
        if key not in merged:
            merged[key] = dict(row)
            continue
        for field in ("eligible", "granted", "own_share"):
            if row[field] is not None:
                merged[key][field] = (merged[key][field] or ZERO) + row[field]

    def total(field: str, items) -> Decimal:
        return sum((item[field] for item in items if item[field] is not None), ZERO)

    merged_rows = list(merged.values())
    return {
        "rows": merged_rows,
        "eligible_total": total("eligible", merged_rows),
        "granted_total": total("granted", merged_rows),
        "own_share_total": total("own_share", merged_rows),
        "open_decisions": open_decisions,
        "own_share_by_year": own_share_by_year(versions),
        "coverage_gap": _coverage_gaps(versions),
        "pass_throughs": _pass_throughs_by_year(programmes),
    }


def _over_staffing(summaries: list[ProgrammeSummary]) -> list[dict]:
    """Decisions whose positions exceed the funded FTE in some months (funding.coverage), for a
    sentence in the financial section."""
    return [
        {"programme": summary.programme.short_name, "decision": line.title, **over}
        for summary in summaries
        for line in summary.coverage_warnings
        for over in line.over
    ]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def build_snapshot(report: Report, *, reference: str | None = None, released_at=None) -> dict:
    """Everything the paper of ``report`` shows, from the current data (labels in German)."""
    with translation.override("de"):
        return _build(report, reference=reference, released_at=released_at)


def _build(report: Report, *, reference: str | None, released_at) -> dict:
    report = Report.objects.select_related("lead_office", "related_agenda_item__meeting__committee", "supplements").get(
        pk=report.pk
    )
    sections = list(report.sections.select_related("programme"))
    programme_ids = [section.programme_id for section in sections if section.programme_id]
    summaries = {
        summary.programme.pk: summary
        for summary in programme_summaries(
            Programme.objects.filter(pk__in=programme_ids).prefetch_related("funders"),  # full names too
            coverage=True,
        )
    }
    pass_throughs: dict[int, list[PassThrough]] = defaultdict(list)
    for item in PassThrough.objects.of_decisions(
        [version.decision_id for summary in summaries.values() for version in summary.versions]
    ):
        pass_throughs[item.decision_id].append(item)
    plan_items: dict[int, list[PlanItem]] = defaultdict(list)
    for item in PlanItem.objects.filter(
        version__in=[version.pk for summary in summaries.values() for version in summary.versions]
    ).select_related("building_block", "organisation"):
        plan_items[item.version_id].append(item)
    programmes_in_order = []
    section_rows = []
    for number, section in enumerate(sections, start=1):
        programme = None
        if section.programme_id in summaries:
            programme = _programme(summaries[section.programme_id], pass_throughs, plan_items)
            programmes_in_order.append(programme)
        section_rows.append(
            {"number": number, "heading": section.heading, "text": section.text, "programme": programme}
        )
    versions = [version for pk in programme_ids if pk in summaries for version in summaries[pk].versions]

    used = {row["organisation"] for p in programmes_in_order for row in p["staffing"]}
    used |= {share["organisation"] for p in programmes_in_order for d in p["decisions"] for share in d["shares"]}
    used |= {item["recipient"] for p in programmes_in_order for d in p["decisions"] for item in d["pass_throughs"]}
    used |= {
        b["delivering_organisation"] for p in programmes_in_order for b in p["blocks"] if b["delivering_organisation"]
    }
    organisations = [
        {"short_name": short, "name": name}
        for short, name in Organisation.objects.filter(short_name__in=used).values_list("short_name", "name")
    ]
    consultations = _consultations(report)
    parent = report.supplements
    return {
        "version": SNAPSHOT_VERSION,
        "body": {"name": report.body.name, "head": report.body.head},
        "reference": reference,
        "released_at": released_at,
        "supplements": {"reference": parent.reference, "title": parent.title} if parent else None,
        "paper_type": report.get_paper_type_display(),
        "title": report.title,
        "date": report.date,
        "public": report.public,
        "lead_office": report.lead_office.name,
        "lead_office_short": report.lead_office.short_name,
        "author": report.author,
        "phone": report.phone,
        "file_reference": report.file_reference,
        "consultations": consultations,
        "has_results": any(row["result"] for row in consultations),
        "has_agenda_items": any(row["agenda_number"] for row in consultations),
        "related": _related(report),
        "reference_note": report.reference_note,
        "proposal": report.proposal.strip() or _("Der Bericht wird zur Kenntnis genommen."),
        "sections": section_rows,
        "organisations": sorted(organisations, key=lambda org: org["short_name"]),
        "finance": {
            **_finance(programmes_in_order, versions),
            "over_staffing": _over_staffing([summaries[pk] for pk in dict.fromkeys(programme_ids) if pk in summaries]),
        },
        "finance_text": report.finance_text,
        "attachments": _lines(report.attachments),
        "signature": {
            "prefix": report.signature_prefix,
            "name": report.signatory_name,
            "title": report.signatory_title,
        },
    }
