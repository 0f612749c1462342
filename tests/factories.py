"""Small factory functions for tests: each makes a valid object with overridable fields."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from funding.models import CallOff, DecisionVersion, FinancingType, GrantDecision, GrantForm, ProofKind, ProofOfUse
from integration_admin.council.models import AgendaItem, Committee, ConsultationRole, Meeting, Report
from programs.models import BuildingBlock, Funder, Programme
from staffing.models import (
    AnnualBonusRate,
    Assignment,
    EmployerContributionRate,
    Organisation,
    OrganisationKind,
    PayGrade,
    PayGradeGroup,
    PayTableEntry,
    Position,
    PositionStatus,
)

_numbers = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_numbers)}"


def organisation(short_name=None, **fields) -> Organisation:
    """A new organisation; with a ``short_name`` the demo's of that name if there is one (KI, DRK …)."""
    short_name = short_name or unique("ORG")
    fields.setdefault("name", f"Organisation {short_name}")
    fields.setdefault("kind", OrganisationKind.KREIS_UNIT)
    return Organisation.objects.get_or_create(short_name=short_name, defaults=fields)[0]


def funder(short_name=None, **fields) -> Funder:
    short_name = short_name or unique("MIN")
    fields.setdefault("name", f"Ministerium {short_name}")
    return Funder.objects.create(short_name=short_name, **fields)


def programme(short_name=None, **fields) -> Programme:
    short_name = short_name or unique("PROG")
    fields.setdefault("name", f"Programm {short_name}")
    return Programme.objects.create(short_name=short_name, **fields)


def building_block(programme_obj=None, number=1, **fields) -> BuildingBlock:
    fields.setdefault("title", f"Baustein {number}")
    return BuildingBlock.objects.create(programme=programme_obj or programme(), number=number, **fields)


def position(block=None, org=None, fte="1.0", **fields) -> Position:
    fields.setdefault("title", "Stelle")
    fields.setdefault("status", PositionStatus.APPROVED)
    return Position.objects.create(
        building_block=block or building_block(), organisation=org or organisation(), fte=Decimal(fte), **fields
    )


def decision(programme_obj=None, **fields) -> GrantDecision:
    programme_obj = programme_obj or programme()
    fields.setdefault("title", "Bescheid")
    fields.setdefault("form", GrantForm.ZUWEISUNG)
    fields.setdefault("funder", funder())
    return GrantDecision.objects.create(programme=programme_obj, **fields)


def version(decision_obj=None, **fields) -> DecisionVersion:
    fields.setdefault("financing_type", FinancingType.SHARE)
    fields.setdefault("period_start", datetime.date(2020, 1, 1))
    fields.setdefault("period_end", datetime.date(2022, 12, 31))
    return DecisionVersion.objects.create(decision=decision_obj or decision(), **fields)


def call_off(decision_obj, amount="1000.00", called_on=datetime.date(2021, 1, 1), **fields):
    return CallOff.objects.create(decision=decision_obj, amount=Decimal(amount), called_on=called_on, **fields)


def proof(decision_obj, due_on, **fields):
    fields.setdefault("kind", ProofKind.FINAL)
    return ProofOfUse.objects.create(decision=decision_obj, due_on=due_on, **fields)


def pay_grade(code=None, group_name=None, **fields):
    group = PayGradeGroup.objects.get_or_create(name=group_name or "E 9a – E 12")[0]
    # "T" keeps the code clear of the demo's real grades ("E 11") however far the counter runs.
    return PayGrade.objects.create(code=code or unique("T "), group=group, **fields)


def pay_data(grade, years=(2021, 2022), amount="4000.00", steps=(3,), illustrative=False):
    """Pay-table entries from 1 January of each year, bonus and employer rates for ``grade`` (the
    rates replace the demo's for those years)."""
    for year in years:
        for step in steps:
            PayTableEntry.objects.create(
                pay_grade=grade,
                step=step,
                valid_from=datetime.date(year, 1, 1),
                monthly_amount=Decimal(amount),
                is_illustrative=illustrative,
            )
        AnnualBonusRate.objects.update_or_create(
            year=year, group=grade.group, defaults={"rate": Decimal("70.28"), "is_illustrative": illustrative}
        )
        EmployerContributionRate.objects.update_or_create(
            year=year,
            defaults={
                "social_insurance_rate": Decimal("20.00"),
                "pension_levy_rate": Decimal("4.25"),
                "is_illustrative": illustrative,
            },
        )


def assignment(position_obj, share="0.5", start=None, end=None, name=None, **fields):
    obj = Assignment(
        position=position_obj,
        holder_name=name or unique("Testperson "),
        fte_share=Decimal(share),
        start=start or datetime.date(2020, 1, 1),
        end=end,
        **fields,
    )
    obj.full_clean()
    obj.save()
    return obj


# --- Committee sessions and reports (integration_admin.models.meetings / .reports) ---------------


def committee(name=None, **fields):
    return Committee.objects.create(name=name or unique("Ausschuss "), **fields)


def meeting(committee_obj=None, start=None, **fields):
    start = start or timezone.make_aware(datetime.datetime(2020, 8, 25, 17, 0))
    return Meeting.objects.create(committee=committee_obj or committee(), start=start, **fields)


def agenda_item(meeting_obj=None, number=None, **fields):
    fields.setdefault("title", "Bericht der Verwaltung")
    return AgendaItem.objects.create(meeting=meeting_obj or meeting(), number=number or unique(""), **fields)


def report(lead_office=None, **fields):
    fields.setdefault("title", "Bericht über die Förderprogramme")
    fields.setdefault("date", datetime.date(2020, 8, 12))
    return Report.objects.create(lead_office=lead_office or organisation(), **fields)


def section(report_obj, order=1, **fields):
    fields.setdefault("heading", f"Abschnitt {order}")
    return report_obj.sections.create(order=order, **fields)


def consultation(report_obj, item=None, **fields):
    item = item or agenda_item()
    fields.setdefault("role", ConsultationRole.NOTICE)
    return report_obj.consultations.create(
        committee=item.meeting.committee, meeting=item.meeting, agenda_item=item, **fields
    )


def release_confirmation(report_obj, **fields) -> dict:
    """What the release confirmation page sends when the head ticks "trotzdem freigeben": the
    report's revision, the fingerprint of the release check the page listed, the confirmation."""
    from integration_admin.council.checks import findings_digest, release_findings
    from integration_admin.council.snapshot import build_snapshot

    report_obj.refresh_from_db()
    digest = findings_digest(release_findings(report_obj, build_snapshot(report_obj)))
    return {"revision": report_obj.revision, "findings_digest": digest, "confirm_findings": "on", **fields}
